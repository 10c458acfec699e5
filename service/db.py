"""SQLite connections (WAL, foreign keys, busy timeout) and the versioned schema.

schema.sql creates a new database at the current SCHEMA_VERSION (kept in PRAGMA user_version).
A database made by an earlier released version is upgraded in place by the files in
migrations/, `NNNN_what.sql` taking version NNNN-1 to NNNN, all in one transaction: a failed
upgrade leaves the database as it was. A database from a newer version is refused, since this
code cannot know what its columns mean.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "schema.sql"
MIGRATIONS_DIR = ROOT / "migrations"
SCHEMA_VERSION = 5
BUSY_TIMEOUT_MS = 10_000


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection in autocommit mode; write with `transaction()` so each write is short."""
    if str(path) != ":memory:":
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            message = f"unable to open database file: {error.strerror}"
            raise sqlite3.OperationalError(message) from None
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error: all of it or nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        # SQLite has already rolled back by itself after some errors (a full disk).
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class SchemaVersionError(sqlite3.DatabaseError):
    """A database this code cannot use: made by a newer version, or by no version at all."""


def schema_version(conn: sqlite3.Connection) -> int:
    """The version the database's schema is at (0: a new, empty database)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migration_scripts(start: int) -> list[tuple[int, str]]:
    """(version, SQL) of every migration after version start, in order; a gap is an error."""
    found = {int(path.name[:4]): path for path in MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")}
    wanted = range(start + 1, SCHEMA_VERSION + 1)
    missing = [version for version in wanted if version not in found]
    if missing:
        raise SchemaVersionError(f"no migration to schema version {missing[0]} in {MIGRATIONS_DIR}")
    return [(version, found[version].read_text(encoding="utf-8")) for version in wanted]


def _statements(script: str) -> list[str]:
    """The statements of a script, split where SQLite itself sees one end."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending)
            pending = ""
    return statements + ([pending] if pending.strip() else [])


def _upgrade_steps(conn: sqlite3.Connection, version: int) -> list[tuple[int, str]]:
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the database's schema version {version} is newer than this code's "
            f"{SCHEMA_VERSION}: run the release it was made with, or a newer one"
        )
    if version == 0:
        if conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
            raise SchemaVersionError("the database has tables but no schema version")
        return [(SCHEMA_VERSION, SCHEMA_PATH.read_text(encoding="utf-8"))]
    return migration_scripts(version)


def init_db(conn: sqlite3.Connection) -> int:
    """Create or upgrade the schema in one transaction; returns the version it was at.

    Safe to run on every start and every deploy, also by several processes at once: the
    version is read again under the write lock.
    """
    conn.execute("PRAGMA journal_mode = WAL")
    if schema_version(conn) == SCHEMA_VERSION:
        return SCHEMA_VERSION
    with transaction(conn):
        found = schema_version(conn)
        for version, script in _upgrade_steps(conn, found):
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
    return found


def iso_utc(moment: datetime) -> str:
    """A time as ISO 8601 UTC text with milliseconds, the form of every timestamp column."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now() -> str:
    """The current time as stored in every timestamp column."""
    return iso_utc(datetime.now(UTC))
