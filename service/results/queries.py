"""End-of-day results: one row per model-day, with holdings, filtered and paginated."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

# The row with the highest action_id of a (model, date) is its end of day; SQLite takes the
# bare columns of a MAX() aggregate from that row.
END_OF_DAY_SELECT = """
SELECT id, job_id, model, date, MAX(action_id) AS action_id, cash, portfolio_value,
       daily_profit, daily_return_pct, cumulative_profit, cumulative_return_pct
FROM positions
"""
# The distinct models of positions by a loose index scan: one index seek per model instead of a
# scan of every row, so the cost follows the number of models, not the size of the table.
MODELS_CTE = """
WITH RECURSIVE models(model) AS (
    SELECT MIN(model) FROM positions
    UNION ALL
    SELECT (SELECT MIN(model) FROM positions WHERE model > models.model)
    FROM models WHERE models.model IS NOT NULL
)
"""
FILTERS = {
    "job_id": "job_id = ?",
    "model": "model = ?",
    "date": "date = ?",
    "start_date": "date >= ?",
    "end_date": "date <= ?",
}


@dataclass(frozen=True)
class ResultFilter:
    """Filters of GET /results; None means not filtered."""

    job_id: str | None = None
    model: str | None = None
    date: str | None = None
    start_date: str | None = None
    end_date: str | None = None

    def where(self) -> tuple[str, list[str]]:
        """A WHERE clause of fixed fragments and its parameters."""
        clauses, params = [], []
        for name, fragment in FILTERS.items():
            value = getattr(self, name)
            if value is not None:
                clauses.append(fragment)
                params.append(value)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def count_results(conn: sqlite3.Connection, filters: ResultFilter) -> int:
    """How many model-days match."""
    where, params = filters.where()
    # `where` is made of the fixed FILTERS fragments; the values are parameters.
    sql = "SELECT COUNT(*) FROM (SELECT 1 FROM positions" + where + " GROUP BY date, model)"  # nosec B608
    return int(conn.execute(sql, params).fetchone()[0])


def holdings_of(conn: sqlite3.Connection, position_ids: list[int]) -> dict[int, dict[str, int]]:
    """Holdings after each of the given positions rows."""
    found: dict[int, dict[str, int]] = {position_id: {} for position_id in position_ids}
    marks = ",".join("?" * len(position_ids))
    sql = "SELECT position_id, symbol, quantity FROM holdings WHERE position_id IN (" + marks + ")"  # nosec B608
    for position_id, symbol, quantity in conn.execute(sql, position_ids):
        found[position_id][symbol] = quantity
    return found


def end_of_day_results(
    conn: sqlite3.Connection, filters: ResultFilter, limit: int, offset: int
) -> list[dict[str, Any]]:
    """A page of end-of-day rows, by date then model, each with its holdings."""
    where, params = filters.where()
    sql = END_OF_DAY_SELECT + where + " GROUP BY date, model ORDER BY date, model LIMIT ? OFFSET ?"
    rows = [dict(row) for row in conn.execute(sql, [*params, limit, offset])]
    holdings = holdings_of(conn, [row["id"] for row in rows]) if rows else {}
    for row in rows:
        row["holdings"] = holdings[row.pop("id")]
    return rows


def job_exists(conn: sqlite3.Connection, job_id: str) -> bool:
    """Whether a job with this id exists."""
    return conn.execute("SELECT 1 FROM jobs WHERE job_id = ?", (job_id,)).fetchone() is not None
