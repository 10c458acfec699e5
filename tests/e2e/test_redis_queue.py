"""Scale-out: with HUEY_URL=redis://… two consumers share one job's model-days."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.processes import (
    consumer,
    free_port,
    gunicorn,
    request,
    start,
    stop,
    wait_for_job,
    wait_until_up,
)

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
    env = {"DATABASE_PATH": str(tmp_path / "trader.db"), "HUEY_URL": redis_url}
    port = free_port()
    web = gunicorn(port, env, tmp_path / "web.log")
    workers = [consumer(env, tmp_path / f"worker{index}.log") for index in (1, 2)]
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, web)
        status, job = request(
            f"{base}/simulate/trigger", {"start_date": "2025-08-01", "end_date": "2025-09-30"}
        )
        assert status == 202, job
        final = wait_for_job(base, job["job_id"], timeout=120)
    finally:
        stop(web)
        for worker in workers:
            stop(worker)
    assert final["status"] == "completed"
    assert final["progress"]["completed"] == final["progress"]["total"]
    logs = [(tmp_path / f"worker{index}.log").read_text() for index in (1, 2)]
    assert all("model-day completed" in text for text in logs), "both consumers did work"
