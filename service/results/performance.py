"""A model's performance over a range: the value series, benchmarks and risk metrics."""

from __future__ import annotations

import sqlite3
from dataclasses import fields
from typing import Any

from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.timeline import timeline_bounds
from service.results.benchmark import (
    benchmark_curve,
    benchmark_return_pct,
    closes_over,
    equal_weight_return_pct,
)
from service.results.metrics import DayPoint, compute_metrics
from service.results.queries import MODELS_CTE

SERIES_SQL = """
SELECT date, MAX(action_id) AS action_id, portfolio_value, cash, daily_return_pct,
       cumulative_return_pct
FROM positions WHERE model = ? AND date >= ? AND date <= ?
GROUP BY date ORDER BY date
"""
TRADES_SQL = """
SELECT COUNT(*), COALESCE(SUM(amount * price), 0) FROM positions
WHERE model = ? AND date > ? AND date <= ? AND action_type IN ('buy', 'sell')
"""
MODELS_SQL = MODELS_CTE + "SELECT model FROM models WHERE model IS NOT NULL ORDER BY model"  # nosec B608


def stored_models(conn: sqlite3.Connection) -> list[str]:
    """Every model with a stored timeline."""
    return [row[0] for row in conn.execute(MODELS_SQL)]


def registration_day(conn: sqlite3.Connection, model: str) -> str | None:
    """The first day of a model's timeline."""
    bounds = timeline_bounds(conn, model)
    return bounds[0] if bounds else None


def end_of_day_series(conn: sqlite3.Connection, model: str, start: str, end: str) -> list[DayPoint]:
    """The model's end-of-day value and return from start to end."""
    rows = conn.execute(SERIES_SQL, (model, start, end))
    return [DayPoint(day, value, daily) for day, _, value, _, daily, _ in rows]


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
        for day, _, value, cash, daily, cumulative in conn.execute(SERIES_SQL, (model, start, end))
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
    trades, traded_value = conn.execute(TRADES_SQL, (model, first, last)).fetchone()
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
    # Every value is a number, a date or None: no deep copy (asdict's) is needed.
    return {
        "model": model,
        **{field.name: getattr(metrics, field.name) for field in fields(metrics)},
    }
