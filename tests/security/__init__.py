"""Security tests; the functions here read back every row of the results database."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from werkzeug.test import TestResponse

TABLES = ("jobs", "job_details", "positions", "holdings", "reasoning_logs", "tool_usage")


def json_body(response: TestResponse) -> Any:
    """The decoded JSON of an answer (None when it is not JSON)."""
    return response.get_json(silent=True)


def table_rows(database: str | Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the six tables, in storage order."""
    with closing(sqlite3.connect(database)) as conn:
        return {
            name: [tuple(row) for row in conn.execute(f"SELECT * FROM {name} ORDER BY rowid")]
            for name in TABLES
        }


def digest(database: str | Path) -> dict[str, tuple[int, str]]:
    """Row count and a SHA-256 of all rows of each table: equal digests, equal contents."""
    return {
        name: (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        for name, rows in table_rows(database).items()
    }


def dump(database: str | Path) -> str:
    """All rows of all tables as one text, in which to look for what must never be stored."""
    return "\n".join(
        f"{name}: {row!r}" for name, rows in table_rows(database).items() for row in rows
    )
