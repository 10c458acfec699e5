"""Storing and reading what explains a model-day: reasoning logs and tool usage."""

from __future__ import annotations

import sqlite3

from service.trading import DayRecord

INSERT_LOG_SQL = """
INSERT INTO reasoning_logs (job_id, date, model, step_number, timestamp, role, content, tool_name)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""
INSERT_TOOL_SQL = """
INSERT INTO tool_usage (job_id, date, model, tool_name, call_count, total_duration_seconds)
VALUES (?, ?, ?, ?, ?, ?)
"""


def insert_day_records(
    conn: sqlite3.Connection, job_id: str, model: str, day: str, record: DayRecord
) -> None:
    """Insert a model-day's logs and tool usage (the caller holds the transaction)."""
    conn.executemany(
        INSERT_LOG_SQL,
        [
            (
                job_id,
                day,
                model,
                log.step_number,
                log.timestamp,
                log.role,
                log.content,
                log.tool_name,
            )
            for log in record.logs
        ],
    )
    conn.executemany(
        INSERT_TOOL_SQL,
        [
            (job_id, day, model, name, stat.call_count, stat.total_duration_seconds)
            for name, stat in sorted(record.tool_usage.items())
        ],
    )
