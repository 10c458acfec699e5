"""The leaderboard: each model's latest stored day on or before a date, ranked by value."""

from __future__ import annotations

import sqlite3
from typing import Any

from service.jobs.spending import spending_fields, timeline_spending
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.positions import ranking_rows
from service.results.benchmark import benchmark_return_pct


def leaderboard(
    conn: sqlite3.Connection, prices: PriceData, rules: MarketRules, day: str
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
    return {
        "market": rules.name,
        "currency": rules.currency,
        "date": day,
        "rankings": rankings,
        "benchmark": benchmark,
    }
