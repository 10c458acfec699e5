"""Scale-out: with HUEY_URL=redis://… two consumers share one job's model-days."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.settings import DEFAULT_CONFIG_PATH
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
    # A model's days run one after another in one worker: with more models than one consumer
    # has workers (4), the other consumer must take some of them.
    config = json.loads(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    template = next(m for m in config["models"] if m["signature"] == "momentum-20")
    config["models"] = [
        {**template, "signature": f"momentum-{n}", "params": {"lookback": n}}
        for n in range(5, 21, 2)
    ]
    models = tmp_path / "models.json"
    models.write_text(json.dumps(config), encoding="utf-8")
    env = {"HUEY_URL": redis_url, "CONFIG_PATH": str(models)}
    with running_service(tmp_path, env, consumers=2) as service:
        body = {"start_date": "2025-08-01", "end_date": "2025-09-30"}
        status, job = request(f"{service.base}/simulate/trigger", body)
        assert status == 202, job
        final = wait_for_job(service.base, job["job_id"], timeout=120)
    assert final["status"] == "completed"
    assert final["progress"]["completed"] == final["progress"]["total"]
    logs = [(tmp_path / f"worker{index}.log").read_text() for index in (0, 1)]
    assert all("model-day completed" in text for text in logs), "both consumers did work"
