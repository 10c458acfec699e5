"""A provider's limits hold across three real consumer processes sharing one key."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.processes import request, running_service, wait_for_job
from tests.performance.datagen import write_config
from tests.performance.simulation import stub_models, wait_for_consumers
from tests.performance.stub_llm import STEPS_PER_DAY, StubLLM

pytestmark = pytest.mark.e2e
CONSUMERS = 3  # of 4 worker threads each (tests/e2e/processes.py)
MODELS = 12  # one per worker thread: without the limit, 12 requests would run at once
LIMIT = 4
LATENCY = 0.2
DAYS = ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06"]  # registration, then 3 days


def test_no_request_above_the_groups_concurrency(tmp_path: Path) -> None:
    with StubLLM(LATENCY, max_concurrency=LIMIT) as stub:
        limits = {"rate_limit_group": "stub-key", "max_concurrency": LIMIT}
        models = stub_models(stub, MODELS, "limited", **limits)
        # No retry: a refused request fails its model-day, as well as counting as refused.
        config = write_config(tmp_path / "models.json", models, max_retries=0, timeout=30)
        logs = [tmp_path / f"worker{index}.log" for index in range(CONSUMERS)]
        with running_service(tmp_path, {"CONFIG_PATH": str(config)}, CONSUMERS) as service:
            wait_for_consumers(logs)
            started = time.monotonic()
            body = {"start_date": DAYS[0], "end_date": DAYS[-1]}
            status, job = request(f"{service.base}/simulate/trigger", body)
            assert status == 202, job
            final = wait_for_job(service.base, job["job_id"], timeout=120)
            wall = time.monotonic() - started
        stats = stub.stats()

    print(f"rate-limited run: {stats}, wall {wall:.2f} s")
    assert final["status"] == "completed", final["progress"]
    assert stats["refused"] == 0
    assert stats["calls"] == MODELS * (len(DAYS) - 1) * STEPS_PER_DAY
    assert stats["peak_running"] == LIMIT, "the limit was reached: the run was not serial"
    assert wall >= stats["calls"] * LATENCY / LIMIT
    assert all("model-day completed" in log.read_text() for log in logs), "each took a share"
