"""replace_existing: delete a model's stored days from a day on, and say which ones went."""

from __future__ import annotations

import sqlite3

from service.market.prices import PriceData

STORED_DAYS_SQL = "SELECT DISTINCT date FROM positions WHERE model = ? AND date >= ? ORDER BY date"
REPLACE_SQL = (
    "DELETE FROM positions WHERE model = ? AND date >= ?",
    "DELETE FROM reasoning_logs WHERE model = ? AND date >= ?",
    "DELETE FROM tool_usage WHERE model = ? AND date >= ?",
)


def replace_days(conn: sqlite3.Connection, prices: PriceData, model: str, first: str) -> str | None:
    """Delete the model's days from first on, the later ones too (they depend on them).

    Runs inside the caller's transaction; returns the job's warning naming the deleted days.
    """
    days = [row[0] for row in conn.execute(STORED_DAYS_SQL, (model, first))]
    for statement in REPLACE_SQL:
        conn.execute(statement, (model, first))
    if not days:
        return None
    noun = "day" if len(days) == 1 else "days"
    return f"{model}: replaced {len(days)} stored {noun} {day_ranges(days, prices)}"


def day_ranges(days: list[str], prices: PriceData) -> str:
    """Sorted days as runs of consecutive trading days: "2025-09-02..2025-09-08, 2025-09-15"."""
    runs: list[list[str]] = []
    for day in days:
        if runs and prices.next_trading_day(runs[-1][-1]) == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}..{run[-1]}" for run in runs)
