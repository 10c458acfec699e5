"""Concurrency on real processes: racing triggers, and reads while the consumer writes."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from service.settings import DEFAULT_CONFIG_PATH
from tests.e2e.processes import request, running_service

pytestmark = pytest.mark.e2e
MODELS = ["qqq-buy-and-hold", "momentum-20", "equal-weight-10"]
LONG_RANGE = {"start_date": "2025-06-11", "end_date": "2025-10-29"}
# Lookbacks of the momentum models of the busy service: their job takes seconds, not a blink.
BUSY = range(5, 29, 2)


@pytest.fixture
def web_only(tmp_path: Path) -> Iterator[str]:
    """A web server with no consumer: a job it accepts stays pending, holding its models."""
    with running_service(tmp_path, consumers=0) as running:
        yield running.base


@pytest.fixture
def busy_service(tmp_path: Path) -> Iterator[str]:
    """A web server and a consumer with a dozen built-ins: a job long enough to read during."""
    config = json.loads(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    template = next(m for m in config["models"] if m["signature"] == "momentum-20")
    config["models"] = [
        {**template, "signature": f"momentum-{n}", "params": {"lookback": n}} for n in BUSY
    ]
    path = tmp_path / "models.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    with running_service(tmp_path, {"CONFIG_PATH": str(path)}) as running:
        yield running.base


def in_parallel(calls: list[tuple[str, dict[str, Any] | None]]) -> list[tuple[int, Any]]:
    """Send all the requests at once; status and body of each."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: request(*call), calls))


def test_racing_triggers_for_overlapping_models_one_wins(web_only: str) -> None:
    service = web_only
    # Any two of these pairs share a model, so only one job may hold them.
    pairs = [[MODELS[i % 3], MODELS[(i + 1) % 3]] for i in range(50)]
    calls: list[tuple[str, dict[str, Any] | None]] = [
        (f"{service}/simulate/trigger", {**LONG_RANGE, "models": pair}) for pair in pairs
    ]

    answers = in_parallel(calls)

    assert Counter(status for status, _ in answers) == {202: 1, 409: 49}
    winner = next(body["job_id"] for status, body in answers if status == 202)
    for status, body in answers:
        if status == 409:
            assert f"already in active job {winner}" in body["message"]
    status, jobs = request(f"{service}/jobs")
    assert status == 200 and [job["job_id"] for job in jobs] == [winner]


def wait_for_progress(service: str, job_id: str, model: str) -> None:
    """Wait until the job runs and has stored some days of model."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _, job = request(f"{service}/simulate/status/{job_id}")
        if job["status"] == "running" and model in job["progress"]["last_completed_date"]:
            return
        time.sleep(0.05)
    raise TimeoutError(f"job {job_id} made no progress")


def test_reads_never_fail_while_the_consumer_writes(busy_service: str) -> None:
    service = busy_service
    models = [f"momentum-{n}" for n in BUSY]
    status, job = request(f"{service}/simulate/trigger", {**LONG_RANGE, "models": models})
    assert status == 202, job
    job_id = job["job_id"]
    wait_for_progress(service, job_id, models[0])
    urls = [
        f"/simulate/status/{job_id}",
        "/simulate/current",
        "/jobs",
        f"/results?job_id={job_id}&page_size=100",
        "/results?detail=full&page_size=20",
        f"/portfolio/timeseries?model={models[0]}",
        "/leaderboard",
        "/metrics",
        "/models",
        "/health",
    ]

    answers = in_parallel([(f"{service}{urls[i % len(urls)]}", None) for i in range(100)])

    assert [status for status, _ in answers] == [200] * 100
    assert not [body for _, body in answers if "database is locked" in str(body)]
    _, after = request(f"{service}/simulate/status/{job_id}")
    assert after["status"] == "running", "the reads must overlap the consumer's writes"
