"""The status ETA: each model at the pace of its own completed days, else of its kind, else null."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from service.db import connect, init_db
from service.jobs.status import job_status

pytestmark = pytest.mark.unit

JOB = "job-1"
PROVIDERS = {
    "qqq": "builtin",
    "gpt": "openai",
    "claude": "openai",
    "gemini": "openai",
    "mock-a": "mock",
}
JOB_SQL = (
    "INSERT INTO jobs (job_id, status, start_date, end_date, models, config, created_at,"
    " started_at) VALUES (?, 'running', '2025-09-01', '2025-09-30', ?, ?, ?, ?)"
)
DETAIL_SQL = (
    "INSERT INTO job_details (job_id, date, model, status, duration_seconds) VALUES (?, ?, ?, ?, ?)"
)
STARTED = "2025-12-01T10:00:00+00:00"


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A results database holding one running job of the five models."""
    with closing(connect(tmp_path / "trader.db")) as connection:
        init_db(connection)
        models = [{"signature": s, "provider": p} for s, p in PROVIDERS.items()]
        config = json.dumps({"models": models, "agent_config": {}})
        connection.execute(JOB_SQL, (JOB, json.dumps(list(PROVIDERS)), config, STARTED, STARTED))
        yield connection


def add_days(
    conn: sqlite3.Connection,
    model: str,
    durations: list[float | None],
    pending: int,
    running: int = 0,
) -> None:
    """Completed days taking durations, then running and pending ones, in date order."""
    statuses = [("completed", seconds) for seconds in durations]
    statuses += [("running", None)] * running + [("pending", None)] * pending
    for day, (status, seconds) in enumerate(statuses, start=1):
        conn.execute(DETAIL_SQL, (JOB, f"2025-09-{day:02d}", model, status, seconds))


def eta(conn: sqlite3.Connection) -> float | None:
    status = job_status(conn, JOB)
    assert status is not None
    value: float | None = status["progress"]["eta_seconds"]
    return value


def test_each_model_is_estimated_from_its_own_days_and_the_slowest_is_the_eta(
    conn: sqlite3.Connection,
) -> None:
    # The case: fast built-in days done, LLM days at about 1 s each still to go.
    add_days(conn, "qqq", [0.01] * 9, pending=1)
    add_days(conn, "gpt", [0.9, 1.0, 1.1], pending=16, running=1)

    assert eta(conn) == pytest.approx(17 * 1.0)


def test_a_model_without_completed_days_takes_the_pace_of_its_kind(
    conn: sqlite3.Connection,
) -> None:
    add_days(conn, "qqq", [0.01] * 9, pending=1)
    add_days(conn, "gpt", [0.5, 1.5, 1.0, 1.0], pending=16)
    add_days(conn, "claude", [], pending=20)

    # claude: 20 days × gpt's 1.0 s, not the 0.01 s of the built-in days.
    assert eta(conn) == pytest.approx(20 * 1.0)


def test_the_kinds_pace_is_the_mean_over_its_completed_days(conn: sqlite3.Connection) -> None:
    add_days(conn, "gpt", [1.0], pending=1)
    add_days(conn, "gemini", [4.0, 4.0, 4.0], pending=1)
    add_days(conn, "claude", [], pending=10)

    # (1 + 4 + 4 + 4) / 4 completed days of the openai models, for claude's 10 days.
    assert eta(conn) == pytest.approx(10 * 13 / 4)


@pytest.mark.parametrize(
    "setup",
    [
        # Nothing completed yet.
        {"qqq": ([], 10), "gpt": ([], 10)},
        # The mock model has no day of its own and no other mock model has one.
        {"qqq": ([0.01] * 5, 5), "mock-a": ([], 10)},
        # A model missing from the config snapshot has no kind to go by.
        {"gpt": ([1.0], 5), "unknown": ([], 5)},
        # Completed days without a duration are no basis.
        {"gpt": ([None, None], 10)},
    ],
)
def test_the_eta_is_null_until_every_model_has_a_basis(
    conn: sqlite3.Connection, setup: dict[str, tuple[list[float | None], int]]
) -> None:
    for model, (durations, pending) in setup.items():
        add_days(conn, model, durations, pending)

    assert eta(conn) is None


def test_the_eta_is_zero_when_nothing_remains(conn: sqlite3.Connection) -> None:
    add_days(conn, "qqq", [], pending=0)
    conn.execute(DETAIL_SQL, (JOB, "2025-09-01", "gpt", "failed", 3.0))
    conn.execute(DETAIL_SQL, (JOB, "2025-09-02", "gpt", "skipped", None))

    assert eta(conn) == 0.0


def test_failed_days_are_no_basis(conn: sqlite3.Connection) -> None:
    conn.execute(DETAIL_SQL, (JOB, "2025-09-01", "qqq", "failed", 30.0))
    add_days(conn, "gpt", [2.0], pending=3)

    assert eta(conn) == pytest.approx(3 * 2.0)
