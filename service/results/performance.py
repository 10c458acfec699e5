"""A model's performance over a range: the value series, benchmarks and risk metrics."""

from __future__ import annotations

import sqlite3
from dataclasses import fields
from typing import Any

from service.jobs.spending import spending_fields, timeline_spending
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.positions import registration_day, trade_totals, value_series
from service.results.benchmark import (
    benchmark_curve,
    benchmark_return_pct,
    closes_over,
    equal_weight_return_pct,
)
from service.results.metrics import DayPoint, compute_metrics


def end_of_day_series(conn: sqlite3.Connection, model: str, start: str, end: str) -> list[DayPoint]:
    """The model's end-of-day value and return from start to end."""
    rows = value_series(conn, model, start, end)
    return [DayPoint(day, value, daily) for day, value, _, daily, _ in rows]


def timeseries(
    conn: sqlite3.Connection,
    prices: PriceData,
    rules: MarketRules,
    model: str,
    start: str,
    end: str,
) -> list[dict[str, Any]]:
    """One point per stored day, with the benchmark's return since the registration day."""
    registered = registration_day(conn, model) or start
    curve = benchmark_curve(prices, rules.benchmark, registered)
    return [
        {
            "date": day,
            "portfolio_value": value,
            "cash": cash,
            "daily_return_pct": daily,
            "cumulative_return_pct": cumulative,
            "benchmark_return_pct": (
                curve[day]
                if day in curve
                else benchmark_return_pct(prices, rules.benchmark, registered, day)
            ),
        }
        for day, value, cash, daily, cumulative in value_series(conn, model, start, end)
    ]


def model_metrics(
    conn: sqlite3.Connection,
    prices: PriceData,
    rules: MarketRules,
    model: str,
    start: str,
    end: str,
    risk_free_rate: float = 0.0,
) -> dict[str, Any] | None:
    """Metrics of the model from the close of its first stored day in range to end."""
    points = end_of_day_series(conn, model, start, end)
    if not points:
        return None
    first, last = points[0].date, points[-1].date
    trades, traded_value = trade_totals(conn, model, first, last)
    benchmark = closes_over(prices, rules.benchmark, first, last)
    metrics = compute_metrics(
        points,
        initial_value=points[0].portfolio_value,
        benchmark_start=benchmark[0],
        benchmark_end=benchmark[1],
        equal_weight_return_pct=equal_weight_return_pct(prices, rules.benchmark, first, last),
        trades=trades,
        traded_value=traded_value,
        risk_free_rate=risk_free_rate,
        periods_per_year=rules.periods_per_year,
    )
    spending = timeline_spending(conn, first, last, model).get(model)
    # Every value is a number, a date or None: no deep copy (asdict's) is needed.
    return {
        "model": model,
        **{field.name: getattr(metrics, field.name) for field in fields(metrics)},
        **spending_fields(spending, metrics.total_return_pct),
    }
