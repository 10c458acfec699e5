"""Crash safety: a consumer killed with SIGKILL mid-job loses nothing and stores nothing twice."""

from __future__ import annotations

import signal
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
from tests.e2e.processes import (
    consumer,
    free_port,
    gunicorn,
    request,
    stop,
    wait_for_job,
    wait_until_up,
)

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
    env = {"DATABASE_PATH": str(folder / "trader.db"), "HUEY_PATH": str(folder / "huey.db")}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = gunicorn(port, env, folder / "web.log")
    worker = consumer(env, folder / "worker.log")
    try:
        wait_until_up(base, web)
        status, job = request(f"{base}/simulate/trigger", JOB)
        assert status == 202, job
        if crash:
            worker = crash_and_restart(base, job["job_id"], worker, env, folder)
        final = wait_for_job(base, job["job_id"], timeout=120)
    finally:
        stop(web)
        stop(worker)
    assert final["status"] == "completed", final["progress"]
    return snapshot(folder / "trader.db")


def crash_and_restart(
    base: str, job_id: str, worker: Any, env: dict[str, str], folder: Path
) -> Any:
    """SIGKILL the consumer once some, not all, model-days are done; start a new one."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        progress = request(f"{base}/simulate/status/{job_id}")[1]["progress"]
        if progress["completed"] >= 20:
            break
        time.sleep(0.01)
    stop(worker, signal.SIGKILL)
    progress = request(f"{base}/simulate/status/{job_id}")[1]["progress"]
    assert 0 < progress["completed"] < progress["total"], "the kill must land mid-job"
    return consumer(env, folder / "worker-restarted.log")


def test_killed_consumer_resumes_to_the_same_final_state(tmp_path: Path) -> None:
    uninterrupted = run(tmp_path / "clean", crash=False)
    recovered = run(tmp_path / "crashed", crash=True)
    assert recovered == uninterrupted
    assert "recovery after restart" in (tmp_path / "crashed" / "worker-restarted.log").read_text()


def test_job_stored_but_never_queued_runs_when_a_consumer_starts(tmp_path: Path) -> None:
    """gunicorn killed between storing a job and queueing it: the job still runs."""
    env = {"DATABASE_PATH": str(tmp_path / "trader.db"), "HUEY_PATH": str(tmp_path / "huey.db")}
    with closing(connect(env["DATABASE_PATH"])) as conn:
        init_db(conn)
        job = create_job(
            conn,
            load_prices(DEFAULT_PRICE_DATA),
            load_models_config(DEFAULT_CONFIG_PATH),
            JobRequest("2025-09-30", "2025-09-02"),
            366,
        )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = gunicorn(port, env, tmp_path / "web.log")
    worker = consumer(env, tmp_path / "worker.log")
    try:
        wait_until_up(base, web)
        final = wait_for_job(base, job.job_id)
    finally:
        stop(web)
        stop(worker)
    assert final["status"] == "completed"
    assert final["progress"]["completed"] == final["progress"]["total"]
