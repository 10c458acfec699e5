"""End to end: the example agents of examples/agents, each run as its README says, trade a job
through a real gunicorn and a real huey_consumer; the webhook example refuses stale, replayed
and forged requests; neither agent's secret is in any database row or any process's log."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from service.agent.webhook import SIGNATURE_HEADER, sign
from tests.e2e.processes import (
    REPO,
    Service,
    free_port,
    request,
    running_service,
    start,
    stop,
    wait_for_job,
)

pytestmark = pytest.mark.e2e
EXAMPLES = REPO / "examples" / "agents"
SECRET = "whsec-example-agent-5d1c0e7a9b"
TOKEN = "pull-example-agent-3f8e2a6c41"
JOB = {"start_date": "2025-10-01", "end_date": "2025-10-03"}
STEPS = ("2025-10-02", "2025-10-03")  # 2025-10-01 registers the model: no agent call


@contextmanager
def example(
    script: str, args: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """One of the example agents, run as its README says, stopped at the end."""
    process = start([sys.executable, str(EXAMPLES / script), *args], env, log)
    try:
        yield process
    finally:
        stop(process)


@contextmanager
def service_with(folder: Path, env: dict[str, str], agent_port: int = 8700) -> Iterator[Service]:
    """gunicorn and a consumer on the example's models config (its webhook agent on agent_port),
    with env: the agent's secret under the name the config gives it."""
    config = json.loads((EXAMPLES / "models.json").read_text(encoding="utf-8"))
    for spec in config["models"]:
        if spec.get("agent_url"):
            spec["agent_url"] = spec["agent_url"].replace(":8700/", f":{agent_port}/")
    config["agent_config"].update(max_retries=0, base_delay=0, timeout=30)
    path = folder / "models.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    with running_service(folder, {"CONFIG_PATH": str(path), **env}) as service:
        yield service


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Wait until something accepts connections on port of 127.0.0.1."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the agent exited with {process.returncode}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def results(service: Service, model: str) -> dict[str, dict[str, Any]]:
    """The model's stored days, in full, by date."""
    status, rows = request(f"{service.base}/results?model={model}&detail=full")
    assert status == 200, rows
    return {row["date"]: row for row in rows}


def said(day: dict[str, Any]) -> str:
    """Everything in a stored day's reasoning log."""
    return "\n".join(str(entry["content"]) for entry in day["reasoning"])


def run_job(service: Service, model: str) -> dict[str, Any]:
    """Trigger the model over JOB and wait until the job ends."""
    status, job = request(f"{service.base}/simulate/trigger", {**JOB, "models": [model]})
    assert status == 202, job
    final = wait_for_job(service.base, job["job_id"], timeout=30)
    assert final["status"] == "completed", [d["error"] for d in final["details"] if d["error"]]
    return final


def assert_kept_nowhere(folder: Path, secret: str) -> None:
    """Fail if secret is in any row of the service's databases (as text, or inside a blob, as
    sqlite dumps those: hex) or in any process's log."""
    forms = (secret.upper(), secret.encode().hex().upper())
    for database in folder.glob("*.db"):
        with closing(sqlite3.connect(database)) as conn:
            dump = "\n".join(conn.iterdump())
        assert not any(form in dump.upper() for form in forms), database.name
    logs = sorted(folder.glob("*.log"))
    assert {"web.log", "worker0.log"} <= {log.name for log in logs}
    for log in logs:
        assert secret not in log.read_text(encoding="utf-8", errors="replace"), log.name


def post_signed(url: str, body: dict[str, Any], timestamp: int) -> tuple[int, Any]:
    """POST body to the agent signed with SECRET at timestamp, as the service signs."""
    data = json.dumps(body).encode()  # what request() sends
    return request(url, body, headers={SIGNATURE_HEADER: sign(SECRET, data, timestamp)})


def test_the_webhook_example_trades_and_refuses_replays(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/decide"
    env = {"AGENT_SECRET": SECRET}
    log = tmp_path / "webhook-agent.log"
    with (
        example("webhook_agent.py", ["--port", str(port)], env, log) as agent,
        service_with(tmp_path, env, port) as service,
    ):
        wait_for_port(port, agent)
        run_job(service, "my-webhook-agent")
        days = results(service, "my-webhook-agent")
        assert sorted(days) == ["2025-10-01", *STEPS]
        for step in STEPS:
            roles = [entry["role"] for entry in days[step]["reasoning"]]
            assert roles[:2] == ["user", "assistant"], roles
            assert days[step]["reasoning"][1]["content"].startswith(f"{step}: ")
        trades = [trade for step in STEPS for trade in days[step]["trades"]]
        assert trades and all(trade["amount"] > 0 for trade in trades)

        observation = json.loads(days["2025-10-02"]["reasoning"][0]["content"])
        now = int(time.time())
        fresh = post_signed(url, observation, now)
        assert fresh[0] == 200 and fresh[1]["reasoning"].startswith("2025-10-02: "), fresh
        replayed = post_signed(url, observation, now)
        assert replayed == (401, {"error": "replayed signature: this request was already received"})
        stale = post_signed(url, observation, now - 301)
        assert stale == (401, {"error": "stale timestamp: more than 300 s from now"})
        forged = request(url, observation, headers={SIGNATURE_HEADER: f"t={now},v1=00"})
        assert forged == (401, {"error": "bad signature"})
        unsigned = request(url, observation)
        assert unsigned[0] == 401 and "t=<unix seconds>,v1=<hex>" in unsigned[1]["error"]
    assert_kept_nowhere(tmp_path, SECRET)


def test_the_pull_example_takes_each_step_and_closes_it(tmp_path: Path) -> None:
    env = {"AGENT_TOKEN": TOKEN}
    log = tmp_path / "pull-agent.log"
    with service_with(tmp_path, env) as service:
        args = ["--url", service.base, "--signature", "my-pull-agent", "--steps", "2"]
        with example("pull_agent.py", [*args, "--idle-seconds", "20"], env, log) as agent:
            run_job(service, "my-pull-agent")
            assert agent.wait(timeout=15) == 0
        days = results(service, "my-pull-agent")
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "pull_agent: 2 step(s), stopping", lines
    printed = dict(line.split(" my-pull-agent: ", 1) for line in lines[:-1])
    assert sorted(printed) == list(STEPS), lines
    for step, reasoning in printed.items():
        assert reasoning in said(days[step]), (step, reasoning)
        tools = {usage["tool_name"] for usage in days[step]["tool_usage"]}
        assert "get_portfolio" in tools, tools
    assert any(days[step]["trades"] for step in STEPS)
    assert_kept_nowhere(tmp_path, TOKEN)
    assert not any("Bearer" in path.read_text(errors="replace") for path in tmp_path.glob("*.log"))
