"""Scale-out: with HUEY_URL=redis://… two consumers share one job's model-days."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.processes import free_port, request, running_service, start, stop, wait_for_job

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed"),
]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A throw-away redis-server on a free loopback port."""
    port = free_port()
    command = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
    ]
    server = start(command, {}, tmp_path / "redis.log")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ping = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True)
        if ping.stdout.strip() == b"PONG":
            break
        time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    stop(server)


def test_two_consumers_share_a_job_through_redis(tmp_path: Path, redis_url: str) -> None:
    with running_service(tmp_path, {"HUEY_URL": redis_url}, consumers=2) as service:
        body = {"start_date": "2025-08-01", "end_date": "2025-09-30"}
        status, job = request(f"{service.base}/simulate/trigger", body)
        assert status == 202, job
        final = wait_for_job(service.base, job["job_id"], timeout=120)
    assert final["status"] == "completed"
    assert final["progress"]["completed"] == final["progress"]["total"]
    logs = [(tmp_path / f"worker{index}.log").read_text() for index in (0, 1)]
    assert all("model-day completed" in text for text in logs), "both consumers did work"
