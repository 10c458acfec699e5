"""replace_existing: delete a model's stored days from a day on, and say which ones went."""

from __future__ import annotations

import sqlite3

from service import journal
from service.market.prices import PriceData
from service.portfolio import positions


def replace_days(conn: sqlite3.Connection, prices: PriceData, model: str, first: str) -> str | None:
    """Delete the model's days from first on, the later ones too (they depend on them).

    Runs inside the caller's transaction; returns the job's warning naming the deleted days.
    """
    days = positions.delete_days_from(conn, model, first)
    journal.delete_days_from(conn, model, first)
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
