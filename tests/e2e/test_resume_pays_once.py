"""A consumer killed mid-conversation: the resumed model-days pay no answered request twice.

Three LLM models talk to a local OpenAI-compatible stub that counts requests. The same job runs
once uninterrupted and once with the consumer SIGKILLed while conversations are half done; the
second run may send only one request more per conversation that was waiting for an answer at
the kill, and must store the same rows.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.processes import Service, request, running_service, wait_for_job
from tests.e2e.test_crash import snapshot
from tests.performance.stub_llm import StubLLM

pytestmark = pytest.mark.e2e
MODELS = ["stub-a", "stub-b", "stub-c"]
JOB = {"start_date": "2025-10-01", "end_date": "2025-10-08", "models": MODELS}
RECORDED = (
    "SELECT model, date, step_number, request_hash, response FROM reasoning_logs"
    " WHERE request_hash IS NOT NULL ORDER BY model, date, step_number"
)
HALF_DONE = """
SELECT COUNT(*) FROM job_details AS d
WHERE d.status = 'running' AND EXISTS (
    SELECT 1 FROM reasoning_logs AS r
    WHERE r.model = d.model AND r.date = d.date AND r.request_hash IS NOT NULL)
"""
RUNNING = "SELECT COUNT(*) FROM job_details WHERE status = 'running'"


def models_config(folder: Path, base_url: str) -> Path:
    """Three LLM models of the stub."""
    models = [
        {"signature": name, "basemodel": "stub-model", "openai_base_url": base_url}
        for name in MODELS
    ]
    path = folder / "models.json"
    path.write_text(json.dumps({"models": models, "agent_config": {"base_delay": 0}}))
    return path


def query(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(folder / "trader.db") as conn:
        return conn.execute(sql).fetchall()


def kill_mid_conversation(service: Service) -> int:
    """SIGKILL the consumer while a model-day has recorded answers and waits for another;
    how many model-days were running (each may have been waiting for an answer)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if query(service.folder, HALF_DONE)[0][0] >= 1:
            break
        time.sleep(0.02)
    running = query(service.folder, RUNNING)[0][0]
    service.restart_worker(0)
    assert running >= 1, "the kill must land mid-conversation"
    return int(running)


def run(folder: Path, crash: bool) -> tuple[int, int, dict[str, Any]]:
    """(requests sent, model-days waiting at the kill, stored rows) of one run of the job."""
    folder.mkdir()
    with StubLLM(latency=0.3) as stub:
        env = {"CONFIG_PATH": str(models_config(folder, stub.base_url))}
        with running_service(folder, env) as service:
            status, job = request(f"{service.base}/simulate/trigger", JOB)
            assert status == 202, job
            waiting = kill_mid_conversation(service) if crash else 0
            final = wait_for_job(service.base, job["job_id"], timeout=120)
        calls = stub.calls
    assert final["status"] == "completed", final["details"]
    rows = {**snapshot(folder / "trader.db"), "recorded": query(folder, RECORDED)}
    return calls, waiting, rows


def test_a_killed_conversation_resumes_without_paying_twice(tmp_path: Path) -> None:
    clean_calls, _, clean_rows = run(tmp_path / "clean", crash=False)
    calls, waiting, rows = run(tmp_path / "crashed", crash=True)

    assert clean_calls == 2 * 5 * len(MODELS)  # two calls a day, five trading days
    assert clean_calls <= calls <= clean_calls + waiting
    assert rows == clean_rows
    assert len(rows["recorded"]) == clean_calls
