"""How sure one timeline's figures are, for its page: its metrics with their intervals up to the
day shown, its drawdown curve, and the group of its model's runs when it is one of several."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.positions import registration_day
from service.resources.dashboard.chart import Point
from service.resources.dashboard.statistics import PAGE_RESAMPLES
from service.results.drawdown import deepest, drawdown_curve
from service.results.leaderboard import LeaderboardOptions, leaderboard
from service.results.performance import end_of_day_series, model_metrics
from service.results.uncertainty import BootstrapOptions
from service.run_names import parse_run

# The figures shown with their interval, and what each is called on the page.
INTERVAL_FIGURES = (
    ("total_return_pct", "Return since start", "%"),
    ("sharpe", "Sharpe ratio", ""),
    ("excess_return_pct", "Excess over the benchmark", "%"),
)


@dataclass(frozen=True)
class TimelineStatistics:
    """A timeline's metrics from its first day to the day shown, their uncertainty
    (service.results.uncertainty), its drawdown curve and the group of its model's runs
    (service.results.aggregate; None unless it is one of several)."""

    metrics: dict[str, Any]
    drawdown: list[Point]
    group: dict[str, Any] | None

    @property
    def uncertainty(self) -> dict[str, Any]:
        """The metrics' uncertainty section."""
        found: dict[str, Any] = self.metrics["uncertainty"]
        return found

    @property
    def deepest(self) -> Point | None:
        """The drawdown curve's lowest point."""
        return deepest(self.drawdown)

    @property
    def missing(self) -> list[tuple[str, str]]:
        """(label, reason) of each figure shown with an interval that has none."""
        reasons = self.uncertainty["reasons"]
        return [(label, reasons[name]) for name, label, _ in INTERVAL_FIGURES if name in reasons]


def timeline_statistics(
    conn: sqlite3.Connection,
    prices: PriceData,
    rules: MarketRules,
    model: str,
    day: str,
    risk_free_rate: float,
) -> TimelineStatistics | None:
    """The statistics of model from its registration to day (a stored day or bar of it);
    None when it has no day there."""
    start = registration_day(conn, model) or day
    bootstrap = BootstrapOptions(resamples=PAGE_RESAMPLES)
    metrics = model_metrics(conn, prices, rules, model, start, day, risk_free_rate, bootstrap)
    if metrics is None:
        return None
    points = end_of_day_series(conn, model, start, day)
    curve = drawdown_curve([(point.date, point.portfolio_value) for point in points])
    return TimelineStatistics(metrics, curve, _group(conn, prices, rules, model, day))


def _group(
    conn: sqlite3.Connection, prices: PriceData, rules: MarketRules, model: str, day: str
) -> dict[str, Any] | None:
    """The aggregate of the runs of model's base ranked on day, when there are several."""
    base = parse_run(model).base
    groups = leaderboard(conn, prices, rules, day, LeaderboardOptions(aggregate=True))["groups"]
    found = next((group for group in groups if group["model"] == base), None)
    return found if found and found["runs"] > 1 else None
