"""The `full` detail of model-days: every trade, the reasoning log and tool usage."""

from __future__ import annotations

import sqlite3
from typing import Any

DETAIL_SQL = {
    "trades": """
        SELECT model, date, action_id, action_type, symbol, amount, price FROM positions
        WHERE (model, date) IN (VALUES {pairs}) AND action_type IN ('buy', 'sell')
        ORDER BY model, date, action_id""",
    "reasoning": """
        SELECT model, date, step_number, role, content, tool_name, timestamp FROM reasoning_logs
        WHERE (model, date) IN (VALUES {pairs}) ORDER BY model, date, step_number, id""",
    "tool_usage": """
        SELECT model, date, tool_name, call_count, total_duration_seconds FROM tool_usage
        WHERE (model, date) IN (VALUES {pairs}) ORDER BY model, date, tool_name""",
}


def add_full_detail(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    """Attach trades, reasoning and tool_usage lists to each result row, in place."""
    for row in rows:
        row.update(trades=[], reasoning=[], tool_usage=[])
    if not rows:
        return
    by_key = {(row["model"], row["date"]): row for row in rows}
    # Only placeholders are formatted into the SQL; the values travel as parameters.
    pairs = ",".join("(?, ?)" for _ in by_key)
    params = [value for key in by_key for value in key]
    for name, template in DETAIL_SQL.items():
        for found in conn.execute(template.format(pairs=pairs), params):
            item = dict(found)
            by_key[(item.pop("model"), item.pop("date"))][name].append(item)
