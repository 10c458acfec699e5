"""Crash safety: a consumer killed with SIGKILL mid-job loses nothing and stores nothing twice."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from service.db import connect, init_db
from service.jobs.creation import create_job
from service.jobs.planning import JobRequest
from service.market.prices import load_prices
from service.models_config import load_models_config
from service.settings import DEFAULT_CONFIG_PATH, DEFAULT_PRICE_DATA
from tests.e2e.processes import Service, request, running_service, wait_for_job
from tests.markets import nasdaq

pytestmark = pytest.mark.e2e
JOB = {"start_date": "2025-06-10", "end_date": "2025-10-29"}
# Every stored column except ids, job ids and timestamps, which differ between two runs.
COMPARED = {
    "positions": "model, date, action_id, action_type, symbol, amount, price, cash,"
    " portfolio_value, daily_profit, daily_return_pct, cumulative_profit, cumulative_return_pct",
    "holdings": "(SELECT model || date || action_id FROM positions p WHERE p.id = position_id),"
    " symbol, quantity",
    "reasoning_logs": "model, date, step_number, role, content, tool_name",
    "tool_usage": "model, date, tool_name, call_count",
    "job_details": "model, date, status, reason",
}


def snapshot(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The comparable content of every table."""
    with sqlite3.connect(database) as conn:
        return {
            table: sorted(conn.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)
            for table, columns in COMPARED.items()
        }


def run(folder: Path, crash: bool) -> dict[str, list[tuple[Any, ...]]]:
    """Run the job through gunicorn and a consumer, killing the consumer mid-job if asked."""
    folder.mkdir()
    with running_service(folder) as service:
        status, job = request(f"{service.base}/simulate/trigger", JOB)
        assert status == 202, job
        if crash:
            kill_mid_job(service, job["job_id"])
        final = wait_for_job(service.base, job["job_id"], timeout=120)
    assert final["status"] == "completed", final["progress"]
    return snapshot(folder / "trader.db")


def kill_mid_job(service: Service, job_id: str) -> None:
    """SIGKILL the consumer once some, not all, model-days are done; start a new one."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        progress = request(f"{service.base}/simulate/status/{job_id}")[1]["progress"]
        if progress["completed"] >= 20:
            break
        time.sleep(0.01)
    service.restart_worker(0)
    progress = request(f"{service.base}/simulate/status/{job_id}")[1]["progress"]
    assert 0 < progress["completed"] < progress["total"], "the kill must land mid-job"


def test_killed_consumer_resumes_to_the_same_final_state(tmp_path: Path) -> None:
    uninterrupted = run(tmp_path / "clean", crash=False)
    recovered = run(tmp_path / "crashed", crash=True)
    assert recovered == uninterrupted
    restarted = tmp_path / "crashed" / "worker0-restarted.log"
    assert "recovery after restart" in restarted.read_text()


def test_job_stored_but_never_queued_runs_when_a_consumer_starts(tmp_path: Path) -> None:
    """gunicorn killed between storing a job and queueing it: the job still runs."""
    with closing(connect(tmp_path / "trader.db")) as conn:
        init_db(conn)
        job = create_job(
            conn,
            nasdaq(load_prices(DEFAULT_PRICE_DATA)),
            load_models_config(DEFAULT_CONFIG_PATH),
            JobRequest("2025-09-30", "2025-09-02"),
            366,
        )
    with running_service(tmp_path) as service:
        final = wait_for_job(service.base, job.job_id)
    assert final["status"] == "completed"
    assert final["progress"]["completed"] == final["progress"]["total"]
