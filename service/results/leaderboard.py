"""The leaderboard: each model's latest stored day on or before a date, ranked by value.

Asked for, it also says how sure the ranking is: each timeline's uncertainty and the Deflated
Sharpe Ratio of the best one (service.results.uncertainty), and the runs of each base model
aggregated (service.results.aggregate).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from service.jobs.spending import spending_fields, timeline_spending
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.positions import ranking_rows
from service.results.aggregate import RunResult, aggregate_runs, pairwise
from service.results.benchmark import benchmark_curve, benchmark_return_pct
from service.results.performance import end_of_day_series, run_returns
from service.results.uncertainty import BootstrapOptions, best_of_trials, run_uncertainty
from service.stats.sharpe_ratio import SharpeSample, sharpe_sample


@dataclass(frozen=True, slots=True)
class LeaderboardOptions:
    """What a leaderboard adds to the rankings."""

    uncertainty: BootstrapOptions | None = None
    aggregate: bool = False
    risk_free_rate: float = 0.0


def leaderboard(
    conn: sqlite3.Connection,
    prices: PriceData,
    rules: MarketRules,
    day: str,
    options: LeaderboardOptions = LeaderboardOptions(),
) -> dict[str, Any]:
    """The rankings of the market's models on day and the benchmark from the earliest
    registration among them."""
    rows = ranking_rows(conn, rules.name, day)
    spending = timeline_spending(conn, "", day)
    rankings = [
        {
            "rank": rank,
            "model": row["model"],
            "date": row["date"],
            "portfolio_value": row["portfolio_value"],
            "cumulative_return_pct": row["cumulative_return_pct"],
            "daily_return_pct": row["daily_return_pct"],
            "trades": row["trades"],
            **spending_fields(spending.get(row["model"]), row["cumulative_return_pct"]),
        }
        for rank, row in enumerate(rows, start=1)
    ]
    start = min((row["registered"] for row in rows), default=None)
    change = benchmark_return_pct(prices, rules.benchmark, start, day) if start else None
    benchmark = {"symbol": rules.benchmark, "start_date": start, "cumulative_return_pct": change}
    answer = {
        "market": rules.name,
        "currency": rules.currency,
        "date": day,
        "rankings": rankings,
        "benchmark": benchmark,
    }
    if options.aggregate:
        runs = [_run_result(prices, rules, row) for row in rows]
        answer["groups"] = aggregate_runs(runs, rules.benchmark)
        answer["comparisons"] = pairwise(runs)
    if options.uncertainty is not None:
        answer["deflated_sharpe"] = _add_uncertainty(conn, prices, rules, rows, rankings, options)
    return answer


def _run_result(prices: PriceData, rules: MarketRules, row: dict[str, Any]) -> RunResult:
    """A timeline's return and its excess over the benchmark held over the same span."""
    curve = benchmark_curve(prices, rules.benchmark, row["registered"])
    held = curve.get(row["date"])
    if held is None:
        held = benchmark_return_pct(prices, rules.benchmark, row["registered"], row["date"])
    total = row["cumulative_return_pct"]
    excess = None if held is None else total - held
    return RunResult(row["model"], {"total_return_pct": total, "excess_return_pct": excess})


def _add_uncertainty(
    conn: sqlite3.Connection,
    prices: PriceData,
    rules: MarketRules,
    rows: list[dict[str, Any]],
    rankings: list[dict[str, Any]],
    options: LeaderboardOptions,
) -> dict[str, Any]:
    """Each ranking's uncertainty over its whole timeline; the best one's Deflated Sharpe."""
    assert options.uncertainty is not None  # nosec B101 - the caller checked
    samples: dict[str, SharpeSample | None] = {}
    for row, ranking in zip(rows, rankings, strict=True):
        points = end_of_day_series(conn, row["model"], row["registered"], row["date"])
        run = run_returns(prices, rules, points, options.risk_free_rate)
        ranking["uncertainty"] = run_uncertainty(run, options.uncertainty)
        samples[row["model"]] = sharpe_sample(run.returns, run.per_period_rf)
    return best_of_trials(samples, rules.periods_per_year)
