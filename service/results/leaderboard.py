"""The leaderboard: each model's latest stored day on or before a date, ranked by value."""

from __future__ import annotations

import sqlite3
from typing import Any

from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.results.benchmark import benchmark_return_pct
from service.results.queries import MODELS_CTE

# Constant SQL text only; every value is a parameter.
RANKING_SQL = (
    MODELS_CTE  # nosec B608
    + """,
latest AS (
    SELECT model, (SELECT MAX(date) FROM positions AS own
                   WHERE own.model = models.model AND own.date <= ?) AS date
    FROM models WHERE model IS NOT NULL
)
SELECT p.model, p.date, MAX(p.action_id) AS action_id, p.portfolio_value,
       p.cumulative_return_pct, p.daily_return_pct,
       (SELECT MIN(date) FROM positions AS first WHERE first.model = p.model) AS registered,
       (SELECT COUNT(*) FROM positions AS t WHERE t.model = p.model AND t.date <= latest.date
          AND t.action_type IN ('buy', 'sell')) AS trades
FROM positions AS p JOIN latest ON latest.model = p.model AND latest.date = p.date
GROUP BY p.model
ORDER BY p.portfolio_value DESC, p.model
"""
)


def latest_date(conn: sqlite3.Connection) -> str | None:
    """The newest stored day of any model."""
    row = conn.execute("SELECT MAX(date) FROM positions").fetchone()
    return row[0] if row else None


def leaderboard(
    conn: sqlite3.Connection, prices: PriceData, rules: MarketRules, day: str
) -> dict[str, Any]:
    """Rankings on day and the benchmark from the earliest registration among them."""
    rows = [dict(row) for row in conn.execute(RANKING_SQL, (day,))]
    rankings = [
        {
            "rank": rank,
            "model": row["model"],
            "date": row["date"],
            "portfolio_value": row["portfolio_value"],
            "cumulative_return_pct": row["cumulative_return_pct"],
            "daily_return_pct": row["daily_return_pct"],
            "trades": row["trades"],
        }
        for rank, row in enumerate(rows, start=1)
    ]
    start = min((row["registered"] for row in rows), default=None)
    change = benchmark_return_pct(prices, rules.benchmark, start, day) if start else None
    benchmark = {"symbol": rules.benchmark, "start_date": start, "cumulative_return_pct": change}
    return {"date": day, "rankings": rankings, "benchmark": benchmark}
