"""What explains a model-step: its messages, tool usage and tokens, and the tables keeping them.

The owner of reasoning_logs and tool_usage: simulated and imported days are recorded through
insert_day_records, in the caller's transaction. An assistant turn keeps the hash of the request
and the response it answered: written as soon as it arrives (a day cut short keeps what it
paid for) and again with the whole day, which replaces every earlier row of that model-day.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One message of the conversation as stored in reasoning_logs."""

    step_number: int
    role: str
    content: str
    tool_name: str | None
    timestamp: str
    request_hash: str | None = None
    response: str | None = None  # JSON, as service.agent.recording writes it


@dataclass(slots=True)
class ToolStat:
    """How often one tool was called and how long it ran in total."""

    call_count: int = 0
    total_duration_seconds: float = 0.0


@dataclass
class DayRecord:
    """What a model-day leaves besides its trades: messages, tool usage, tokens and cost."""

    logs: list[LogEntry] = field(default_factory=list)
    tool_usage: dict[str, ToolStat] = field(default_factory=dict)
    # The token counts the provider reported (prompt, completion, cached, reasoning), if any.
    usage: dict[str, int] = field(default_factory=dict)
    cost_usd: float | None = None
    budget_reached: bool = False  # the model's max_cost_usd_per_day stopped the day


INSERT_LOG_SQL = """
INSERT INTO reasoning_logs
    (job_id, date, model, step_number, timestamp, role, content, tool_name, request_hash, response)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
RECORDED_SQL = """
SELECT request_hash, response FROM reasoning_logs
WHERE model = ? AND date = ? AND request_hash IS NOT NULL AND (? IS NULL OR job_id = ?)
ORDER BY id
"""
INSERT_TOOL_SQL = """
INSERT INTO tool_usage (job_id, date, model, tool_name, call_count, total_duration_seconds)
VALUES (?, ?, ?, ?, ?, ?)
"""


def _log_row(job_id: str, model: str, day: str, log: LogEntry) -> tuple[Any, ...]:
    return (
        job_id,
        day,
        model,
        log.step_number,
        log.timestamp,
        log.role,
        log.content,
        log.tool_name,
        log.request_hash,
        log.response,
    )


def insert_day_records(
    conn: sqlite3.Connection, job_id: str, model: str, day: str, record: DayRecord
) -> None:
    """Store a model-day's logs and tool usage in place of any earlier row of that model-day:
    the turns a cut-short attempt recorded, the conversation of a day that failed before
    (the caller holds the transaction)."""
    conn.execute("DELETE FROM reasoning_logs WHERE model = ? AND date = ?", (model, day))
    conn.executemany(INSERT_LOG_SQL, [_log_row(job_id, model, day, log) for log in record.logs])
    conn.executemany(
        INSERT_TOOL_SQL,
        [
            (job_id, day, model, name, stat.call_count, stat.total_duration_seconds)
            for name, stat in sorted(record.tool_usage.items())
        ],
    )


def insert_recorded_turn(
    conn: sqlite3.Connection, job_id: str, model: str, day: str, entry: LogEntry
) -> None:
    """Keep one answered request of a model-day still running (the caller's transaction)."""
    conn.execute(INSERT_LOG_SQL, _log_row(job_id, model, day, entry))


def recorded_responses(
    conn: sqlite3.Connection, model: str, day: str, job_id: str | None = None
) -> dict[str, str]:
    """Request hash to recorded response of a model-day (of one job, or of any)."""
    return dict(conn.execute(RECORDED_SQL, (model, day, job_id, job_id)).fetchall())


REASONING_SQL = """
SELECT model, date, step_number, role, content, tool_name, timestamp FROM reasoning_logs
WHERE (model, date) IN (VALUES {pairs}) ORDER BY model, date, step_number, id"""
TOOL_USAGE_SQL = """
SELECT model, date, tool_name, call_count, total_duration_seconds FROM tool_usage
WHERE (model, date) IN (VALUES {pairs}) ORDER BY model, date, tool_name"""
MODEL_LOGS_SQL = """
SELECT date, role, content, tool_name FROM reasoning_logs
WHERE model = ? ORDER BY date, step_number, id
"""


def _of_days(
    conn: sqlite3.Connection, template: str, days: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    # Only placeholders are formatted into the SQL; the values travel as parameters.
    sql = template.format(pairs=",".join("(?, ?)" for _ in days))
    return [dict(row) for row in conn.execute(sql, [value for day in days for value in day])]


def day_messages(conn: sqlite3.Connection, days: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The stored messages of the given (model, date) pairs, in conversation order."""
    return _of_days(conn, REASONING_SQL, days)


def day_tool_usage(conn: sqlite3.Connection, days: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The tool usage of the given (model, date) pairs."""
    return _of_days(conn, TOOL_USAGE_SQL, days)


def model_messages(conn: sqlite3.Connection, model: str) -> list[sqlite3.Row]:
    """Every stored message of a model, by date and step."""
    return list(conn.execute(MODEL_LOGS_SQL, (model,)))


def delete_days_from(conn: sqlite3.Connection, model: str, first: str) -> None:
    """Delete a model's messages and tool usage from first on ('' for all of them)."""
    for table in ("reasoning_logs", "tool_usage"):
        # The table names are fixed words of this module, never input.
        conn.execute(f"DELETE FROM {table} WHERE model = ? AND date >= ?", (model, first))  # nosec B608
