"""End to end: a real gunicorn and a real huey_consumer run a job of three built-in models."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.processes import request, running_service, wait_for_job

pytestmark = pytest.mark.e2e
MODELS = ["qqq-buy-and-hold", "momentum-20", "equal-weight-10"]


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A running web server and consumer sharing a temporary database and queue."""
    with running_service(tmp_path) as running:
        yield running.base, tmp_path


def table_counts(database: Path) -> dict[str, int]:
    """Row counts of the six tables."""
    tables = ("jobs", "job_details", "positions", "holdings", "reasoning_logs", "tool_usage")
    with sqlite3.connect(database) as conn:
        return {name: conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for name in tables}


def test_three_builtin_models_through_the_queue(service: tuple[str, Path]) -> None:
    base, folder = service
    status, job = request(
        f"{base}/simulate/trigger",
        {"start_date": "2025-09-02", "end_date": "2025-09-30", "models": MODELS},
    )
    assert status == 202, job
    assert job["status"] == "pending"
    assert job["progress"]["total"] == 3 * 21

    final = wait_for_job(base, job["job_id"])

    assert final["status"] == "completed"
    assert final["progress"]["completed"] == 63
    assert final["progress"]["percent"] == 100.0
    counts = table_counts(folder / "trader.db")
    assert counts["jobs"] == 1
    assert counts["job_details"] == 63
    assert counts["positions"] >= 63
    assert counts["holdings"] > 0
    assert counts["reasoning_logs"] == 60  # one explanation per trading day, none at registration
    status, board = request(f"{base}/leaderboard?date=2025-09-30")
    assert status == 200
    assert sorted(row["model"] for row in board["rankings"]) == sorted(MODELS)
    assert [row["rank"] for row in board["rankings"]] == [1, 2, 3]
    assert board["benchmark"]["symbol"] == "QQQ"
    assert board["benchmark"]["start_date"] == "2025-09-02"


def test_cancel_mid_job_with_a_real_consumer(service: tuple[str, Path]) -> None:
    base, _ = service
    status, job = request(
        f"{base}/simulate/trigger", {"start_date": "2025-06-10", "end_date": "2025-10-29"}
    )
    assert status == 202, job
    status, cancelled = request(f"{base}/simulate/{job['job_id']}/cancel", {}, method="POST")
    assert status == 200 and cancelled["status"] == "cancelled"
    final = wait_for_job(base, job["job_id"])
    deadline = time.monotonic() + 30
    while final["progress"]["running"] and time.monotonic() < deadline:
        time.sleep(0.1)  # the model-days running at the cancel finish on their own
        final = request(f"{base}/simulate/status/{job['job_id']}")[1]
    reasons = {d["reason"] for d in final["details"] if d["status"] == "skipped"}
    assert final["status"] == "cancelled"
    assert final["progress"]["running"] == final["progress"]["pending"] == 0
    assert final["progress"]["skipped"] == cancelled["cancelled_model_days"] > 0
    assert reasons == {"cancelled"}
    assert request(f"{base}/simulate/{job['job_id']}/cancel", {}, method="POST")[0] == 409
