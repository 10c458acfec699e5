"""DELETE of a cancelled job with a real consumer, while its last model-day runs and after."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.processes import Service, request, running_service
from tests.performance.datagen import write_config
from tests.performance.stub_llm import StubLLM

pytestmark = pytest.mark.e2e
MODEL = "slow-llm"
LATENCY = 0.4  # seconds per LLM call; a trading day makes two
JOB_TABLES = ("jobs", "job_details", "positions", "reasoning_logs", "tool_usage")


@pytest.fixture
def slow_service(tmp_path: Path) -> Iterator[tuple[Service, StubLLM]]:
    """gunicorn and a consumer whose only model calls an LLM that answers slowly."""
    with StubLLM(LATENCY) as stub:
        spec = {
            "signature": MODEL,
            "provider": "openai",
            "basemodel": "stub",
            "openai_base_url": stub.base_url,
            "api_key_env": "STUB_LLM_KEY",
        }
        config = write_config(tmp_path / "models.json", [spec], max_retries=0, timeout=30)
        env = {"CONFIG_PATH": str(config), "STUB_LLM_KEY": "unused"}
        with running_service(tmp_path, env) as service:
            yield service, stub


def status_of(service: Service, job_id: str) -> dict[str, Any]:
    """The job's status answer."""
    code, body = request(f"{service.base}/simulate/status/{job_id}")
    assert code == 200, body
    return dict(body)


def wait(condition: Any, what: str, timeout: float = 30) -> None:
    """Poll until condition() is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def cancel_during_a_trading_day(service: Service) -> str:
    """Trigger a long job, cancel it while a trading day (not the registration) calls the LLM."""
    code, job = request(
        f"{service.base}/simulate/trigger",
        {"start_date": "2025-06-10", "end_date": "2025-10-29"},
    )
    assert code == 202, job
    job_id = str(job["job_id"])

    def trading_day_runs() -> bool:
        progress = status_of(service, job_id)["progress"]
        return bool(progress["completed"] >= 1 and progress["running"] == 1)

    wait(trading_day_runs, "a running trading day")
    code, cancelled = request(f"{service.base}/simulate/{job_id}/cancel", {}, method="POST")
    assert code == 200 and cancelled["cancelled_model_days"] > 0
    return job_id


def rows_of(service: Service, job_id: str) -> dict[str, int]:
    """How many rows each table holds for the job."""
    with closing(sqlite3.connect(service.env["DATABASE_PATH"])) as conn:
        return {
            table: conn.execute(
                f"SELECT COUNT(*) FROM {table} WHERE job_id = ?",  # noqa: S608 - fixed names
                (job_id,),
            ).fetchone()[0]
            for table in JOB_TABLES
        }


def test_delete_right_after_the_cancel(slow_service: tuple[Service, StubLLM]) -> None:
    service, stub = slow_service
    job_id = cancel_during_a_trading_day(service)

    code, body = request(f"{service.base}/jobs/{job_id}", method="DELETE")

    assert code == 204, body
    time.sleep(2 * LATENCY + 1.5)  # the day that was running gets its answer, tries to keep it
    # and stops there: with its job gone it may store nothing, so it asks for nothing more.
    assert 1 <= stub.calls <= 2
    assert rows_of(service, job_id) == dict.fromkeys(JOB_TABLES, 0)
    assert request(f"{service.base}/results?model={MODEL}")[1] == []


def test_delete_once_the_cancelled_job_has_ended(slow_service: tuple[Service, StubLLM]) -> None:
    service, _ = slow_service
    job_id = cancel_during_a_trading_day(service)

    wait(lambda: status_of(service, job_id)["completed_at"] is not None, "the job's end")
    final = status_of(service, job_id)
    code, body = request(f"{service.base}/jobs/{job_id}", method="DELETE")

    assert final["status"] == "cancelled" and final["progress"]["running"] == 0
    assert final["progress"]["completed"] >= 2  # the day running at the cancel was stored
    assert code == 204, body
    assert rows_of(service, job_id) == dict.fromkeys(JOB_TABLES, 0)
