"""What explains a model-step: its messages, tool usage and tokens, and the tables keeping them.

The owner of reasoning_logs and tool_usage: simulated and imported days are recorded through
insert_day_records, in the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One message of the conversation as stored in reasoning_logs."""

    step_number: int
    role: str
    content: str
    tool_name: str | None
    timestamp: str


@dataclass(slots=True)
class ToolStat:
    """How often one tool was called and how long it ran in total."""

    call_count: int = 0
    total_duration_seconds: float = 0.0


@dataclass
class DayRecord:
    """What a model-day leaves besides its trades: messages, tool usage and tokens."""

    logs: list[LogEntry] = field(default_factory=list)
    tool_usage: dict[str, ToolStat] = field(default_factory=dict)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


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
