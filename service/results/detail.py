"""The `full` detail of model-days: every trade, the reasoning log and tool usage."""

from __future__ import annotations

import sqlite3
from typing import Any

from service.jobs.spending import Spending, day_spending
from service.journal import day_messages, day_tool_usage
from service.portfolio.positions import day_trades

DETAIL = {"trades": day_trades, "reasoning": day_messages, "tool_usage": day_tool_usage}


def add_full_detail(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    """Attach trades, reasoning and tool_usage lists, tokens and cost to each row, in place."""
    spending = day_spending(conn, [(row["job_id"], row["model"], row["date"]) for row in rows])
    for row in rows:
        row.update(trades=[], reasoning=[], tool_usage=[])
        key = (row["job_id"], row["model"], row["date"])
        row.update(spending.get(key, Spending()).to_dict())
    if not rows:
        return
    by_key = {(row["model"], row["date"]): row for row in rows}
    for name, read in DETAIL.items():
        for item in read(conn, list(by_key)):
            by_key[(item.pop("model"), item.pop("date"))][name].append(item)
