"""The README's commands work as written: the curl walk-through against a real server, bin/run."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.processes import (
    REPO,
    free_port,
    running_service,
    start,
    stop,
    wait_for_job,
    wait_until_up,
)

pytestmark = pytest.mark.e2e


def walkthrough_commands() -> list[str]:
    """The shell commands of the README's curl walk-through, continuation lines joined."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Walk-through with curl", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, "the walk-through has a bash block"
    text = block.group(1).replace("\\\n", " ")
    return [line for line in text.splitlines() if line.strip().startswith("curl")]


def shell(command: str) -> str:
    """Run one command with bash; its output (the command must succeed)."""
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, (command, result.stderr)
    return result.stdout


def test_curl_walkthrough_as_written(tmp_path: Path) -> None:
    with running_service(tmp_path) as service:
        host = service.base.removeprefix("http://")
        commands = [c.replace("localhost:8080", host) for c in walkthrough_commands()]
        job = json.loads(shell(commands[0]))
        assert job["status"] == "pending" and job["progress"]["total"] == 84
        wait_for_job(service.base, job["job_id"])
        for command in commands[1:]:
            output = shell(command.replace("<job_id>", job["job_id"]))
            assert output.strip() and '"code": 4' not in output and '"code": 5' not in output
            if "/simulate/trigger" in command:  # another market's job: read once it ran
                wait_for_job(service.base, json.loads(output)["job_id"])
        board = json.loads(output)
    assert len(commands) == 10
    assert (board["market"], board["currency"]) == ("sse50", "CNY")
    assert len(board["rankings"]) == 3 and board["benchmark"]["symbol"] == "000016.SH"


def test_bin_run_serves_api_worker_and_mcp_on_their_ports(tmp_path: Path) -> None:
    port, mcp = free_port(), free_port()
    env = {
        "PORT": str(port),
        "MCP_PORT": str(mcp),
        "DATABASE_PATH": str(tmp_path / "trader.db"),
        "HUEY_PATH": str(tmp_path / "h.db"),
    }
    run = start([str(REPO / "bin" / "run")], env, tmp_path / "run.log")
    try:
        wait_until_up(f"http://127.0.0.1:{port}", run, timeout=60)
        wait_until_up(f"http://127.0.0.1:{mcp}", run, timeout=60)
    finally:
        stop(run)
    log = (tmp_path / "run.log").read_text()
    assert "release: database" in log and "web.1" in log and "worker.1" in log
    assert "mcp.1" in log
    # Loopback by default, and it says so and how to listen on every interface.
    assert f"Listening at: http://127.0.0.1:{port}" in log
    assert f"bin/run: listening on http://127.0.0.1:{port}" in log and "HOST=0.0.0.0" in log


def test_bin_run_listens_on_the_host_it_is_told(tmp_path: Path) -> None:
    port = free_port()
    env = {
        "HOST": "0.0.0.0",  # noqa: S104 - what the test checks
        "PORT": str(port),
        "MCP_PORT": str(free_port()),
        "DATABASE_PATH": str(tmp_path / "trader.db"),
        "HUEY_PATH": str(tmp_path / "h.db"),
    }
    run = start([str(REPO / "bin" / "run")], env, tmp_path / "run.log")
    try:
        wait_until_up(f"http://127.0.0.1:{port}", run, timeout=60)
    finally:
        stop(run)
    assert f"Listening at: http://0.0.0.0:{port}" in (tmp_path / "run.log").read_text()
