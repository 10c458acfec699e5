"""Kept answers in a real deployment: four gunicorn processes, a consumer writing meanwhile."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.processes import request, running_service, wait_for_job

pytestmark = pytest.mark.e2e
MODEL = "momentum-20"
READS = {
    "leaderboard": "/leaderboard",
    "results": "/results?date=2025-09-30",
    "timeseries": f"/portfolio/timeseries?model={MODEL}",
    "metrics": f"/metrics?model={MODEL}",
}
ROUNDS = 40  # enough requests for every process to answer each read from its memory


def stored_value(database: Path) -> float:
    """The model's last end-of-day value, rounded as the API shows it."""
    with closing(sqlite3.connect(database)) as conn:
        row = conn.execute(
            "SELECT portfolio_value, MAX(action_id) FROM positions WHERE model = ?"
            " GROUP BY date ORDER BY date DESC LIMIT 1",
            (MODEL,),
        ).fetchone()
    return round(float(row[0]), 2)


def last_value(name: str, answer: Any) -> tuple[str | None, float | None]:
    """The newest day and the model's value on it, from any of the reads."""
    if name == "leaderboard":
        mine = [row for row in answer["rankings"] if row["model"] == MODEL]
        return answer["date"], mine[0]["portfolio_value"] if mine else None
    if name == "results":
        mine = [row for row in answer if row["model"] == MODEL]
        return (mine[0]["date"], mine[0]["portfolio_value"]) if mine else (None, None)
    if name == "timeseries":
        return answer["series"][-1]["date"], answer["series"][-1]["portfolio_value"]
    return answer["end_date"], None


def test_reads_during_a_run_never_outlive_it(tmp_path: Path) -> None:
    with running_service(tmp_path) as service:
        status, job = request(
            f"{service.base}/simulate/trigger",
            {"start_date": "2025-09-02", "end_date": "2025-09-30"},
        )
        assert status == 202, job
        while request(f"{service.base}/simulate/status/{job['job_id']}")[1]["status"] in (
            "pending",
            "running",
        ):
            for path in READS.values():
                request(service.base + path)  # answers of the run's middle get kept
        assert wait_for_job(service.base, job["job_id"])["status"] == "completed"
        final = stored_value(tmp_path / "trader.db")
        for _ in range(ROUNDS):
            for name, path in READS.items():
                status, answer = request(service.base + path)
                assert status == 200, (name, answer)
                day, value = last_value(name, answer)
                assert day == "2025-09-30", (name, answer)
                assert value in (None, final), (name, value, final)
