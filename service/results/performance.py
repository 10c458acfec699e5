"""A model's performance over a range: the value series, benchmarks and risk metrics."""

from __future__ import annotations

import sqlite3
from dataclasses import fields
from typing import Any

import numpy as np

from service.jobs.spending import spending_fields, timeline_spending
from service.market.calendar import last_bar_of_each_day
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.positions import registration_day, trade_totals, value_series
from service.results.benchmark import (
    benchmark_curve,
    benchmark_return_pct,
    benchmark_returns,
    closes_over,
    equal_weight_return_pct,
)
from service.results.metrics import DayPoint, compute_metrics, risk_metrics
from service.results.uncertainty import BootstrapOptions, RunReturns, run_uncertainty


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
    uncertainty: BootstrapOptions | None = None,
) -> dict[str, Any] | None:
    """Metrics of the model from the close of its first stored day in range to end, with
    their uncertainty when asked for."""
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
        "daily": daily_metrics(points, rules, risk_free_rate) if rules.intraday else None,
        "uncertainty": (
            None
            if uncertainty is None
            else run_uncertainty(run_returns(prices, rules, points, risk_free_rate), uncertainty)
        ),
    }


def run_returns(
    prices: PriceData, rules: MarketRules, points: list[DayPoint], risk_free_rate: float
) -> RunReturns:
    """The per-period returns of the points after the first, and the benchmark's."""
    returns = np.fromiter((point.daily_return_pct for point in points[1:]), np.float64)
    return RunReturns(
        returns=returns / 100,
        benchmark=benchmark_returns(prices, rules.benchmark, [point.date for point in points]),
        per_period_rf=risk_free_rate / rules.periods_per_year,
        periods_per_year=rules.periods_per_year,
    )


DAILY_FIELDS = (
    "annualized_return_pct",
    "volatility_pct",
    "sharpe",
    "sortino",
    "max_drawdown_pct",
    "win_rate_pct",
)


def daily_metrics(
    points: list[DayPoint], rules: MarketRules, risk_free_rate: float
) -> dict[str, Any]:
    """The risk metrics of an intraday timeline from each day's last bar, annualised with the
    market's trading days per year (comparable with a daily market's)."""
    ends = last_bar_of_each_day([point.date for point in points])
    values = np.fromiter((points[end].portfolio_value for end in ends), np.float64, len(ends))
    before = values[:-1]
    if len(before) and before.min() <= 0:
        # After a day that ended at 0, the return is 0 (as a stored daily return is).
        returns = np.divide(values[1:], before, out=np.ones_like(before), where=before > 0) - 1
    else:
        returns = values[1:] / before - 1
    risk = risk_metrics(
        values, returns, float(values[0]), risk_free_rate, rules.trading_days_per_year
    )
    return {"trading_days": len(values), **{name: getattr(risk, name) for name in DAILY_FIELDS}}
