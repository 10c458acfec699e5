"""The page of one base model's runs: its group, each run with its interval and metrics, the
fans of their values and drawdowns."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.market.directory import MarketSource
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.resources.dashboard.chart import Point
from service.resources.dashboard.page import Dashboard
from service.resources.dashboard.runs import Chartable, chartable, drawdowns
from service.resources.dashboard.statistics import (
    BarScale,
    bar_scale,
    interval_ends,
    interval_of,
)
from service.results.benchmark import benchmark_series
from service.results.performance import model_metrics
from service.run_names import parse_run


@dataclass(frozen=True)
class ModelRuns:
    """One base model's runs on a day: its group (service.results.aggregate), its timelines'
    rankings with their uncertainty and metrics, their curves."""

    base: str
    group: dict[str, Any]
    runs: list[dict[str, Any]]
    equity: Chartable
    drawdown: Chartable
    benchmark_series: list[Point]

    @property
    def return_scale(self) -> BarScale:
        """One scale for the error bars of the runs' returns."""
        intervals = [interval_of(row, "total_return_pct") for row in self.runs]
        points = [row["cumulative_return_pct"] for row in self.runs]
        return bar_scale([*points, *interval_ends(intervals)])


def model_runs(
    conn: sqlite3.Connection,
    source: MarketSource,
    base: str,
    board: Dashboard,
    risk_free_rate: float,
) -> ModelRuns | None:
    """The page of base's runs from a dashboard's leaderboard (with uncertainty and groups),
    each run with its metrics up to its day; None when base has no ranked timeline."""
    group = next((group for group in board.groups if group["model"] == base), None)
    if group is None:
        return None
    prices, rules = source.prices(), source.rules
    runs = [dict(row) for row in board.rankings if parse_run(row["model"]).base == base]
    own = {row["model"]: board.series[row["model"]] for row in runs}
    for row in runs:
        start = own[row["model"]][0][0]
        row["metrics"] = model_metrics(
            conn, prices, rules, row["model"], start, row["date"], risk_free_rate
        )
    return ModelRuns(
        base=base,
        group=group,
        runs=runs,
        equity=chartable(own),
        drawdown=chartable(drawdowns(own)),
        benchmark_series=_shared_benchmark(prices, rules, own),
    )


def _shared_benchmark(
    prices: PriceData, rules: MarketRules, series: Mapping[str, list[Point]]
) -> list[Point]:
    """The benchmark held from the runs' first day with their initial value, when they all
    begin on one day with one value (repeats); windows begin apart, so none for them."""
    starts = {points[0] for points in series.values() if points}
    if len(starts) != 1:
        return []
    ((start, initial),) = starts
    end = max(points[-1][0] for points in series.values())
    return benchmark_series(prices, rules.benchmark, start, end, initial)
