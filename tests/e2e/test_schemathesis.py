"""`schemathesis run --checks all`, every phase, against a live gunicorn: not one failure.

The run reads the published /openapi.json, so every operation it documents is tested; the
stateful phase follows the trigger's links to status, cancel and delete. Two servers: one
open (no API_KEY, nothing declares security but the agents' tokens) and one with every read
behind the key. Each has a pull agent's step waiting in its session, whose id and tokens the
run's configuration gives, so that the agents' operations are tested on a live session too.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from service.db import connect, init_db
from service.jobs.batch import run_job
from service.jobs.creation import create_job
from service.jobs.planning import JobRequest
from service.market.directory import markets_from
from service.models_config import load_models_config
from service.settings import DEFAULT_CONFIG_PATH, Settings
from tests.e2e.processes import BIN, REPO, free_port, gunicorn, request, stop, wait_until_up

pytestmark = pytest.mark.e2e
SEED_MODELS = ["qqq-buy-and-hold", "mock-llm"]
KEY = "schemathesis-k3y-5b2d40"
PULL_TOKEN = "schemathesis-pull-t0ken"
PULL_AGENT = {
    "signature": "st-pull-agent",
    "provider": "external",
    "agent_secret_env": "PULL_AGENT_TOKEN",
    "market": "crypto10",
}
SERVERS = {
    "open": {},
    "reads-and-writes-behind-a-key": {"API_KEY": KEY, "API_READ_AUTH": "true"},
}
# Bounded so that a run takes well under two minutes on two cores; the seed makes it repeatable.
MAX_EXAMPLES = 40
SEED = 20251001
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
# The paths that take a pull agent's tokens instead of the API key.
AGENT_SESSION_PATHS = r"^/agents/(sessions/|\{signature\})"


def seed(database: Path, config: Path) -> tuple[str, threading.Thread]:
    """Store one small completed job in the database, run in this process; then start a job of
    the pull agent whose one step waits for it (in a thread, until its session is closed)."""
    models = json.loads(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    models["models"].append(dict(PULL_AGENT))
    models["agent_config"]["timeout"] = 900
    config.write_text(json.dumps(models), encoding="utf-8")
    settings = Settings(database_path=str(database), config_path=str(config))
    markets = markets_from(settings)
    jobs = [JobRequest("2025-09-05", "2025-09-02", SEED_MODELS)]
    jobs.append(JobRequest("2025-09-03", "2025-09-02", [PULL_AGENT["signature"]]))
    with closing(connect(database)) as conn:
        init_db(conn)
        made = [create_job(conn, markets, load_models_config(config), job, 366) for job in jobs]
    # Served disabled: its waiting job keeps its session, and a trigger of crypto10's enabled
    # models is not a 409 for meeting that job (schemathesis would find the trigger refused).
    models["models"][-1]["enabled"] = False
    config.write_text(json.dumps(models), encoding="utf-8")
    run_job(settings, markets, made[0].job_id, made[0].first_days)
    waiting = threading.Thread(
        target=run_job, args=(settings, markets, made[1].job_id, made[1].first_days)
    )
    waiting.start()
    return made[0].job_id, waiting


@dataclass(frozen=True)
class Session:
    """The pull agent's session schemathesis tests the agents' operations on."""

    session_id: str
    token: str


def take_session(base: str) -> Session:
    """Take the pull agent's waiting session (it is handed out once: here)."""
    deadline = time.monotonic() + 30
    url = f"{base}/agents/{PULL_AGENT['signature']}/sessions/next"
    while time.monotonic() < deadline:
        status, handout = request(url, headers={"Authorization": f"Bearer {PULL_TOKEN}"})
        if status == 200:
            return Session(handout["session_id"], handout["token"])
        time.sleep(0.1)
    raise AssertionError("the pull agent's session was not handed out")


def agents_config(folder: Path, session: Session) -> Path:
    """schemathesis.toml with the pull agent's tokens, by security scheme, and its signature
    and session for the operations that take them."""
    lines = [(REPO / "schemathesis.toml").read_text(encoding="utf-8")]
    for scheme, token in (("agentToken", PULL_TOKEN), ("sessionToken", session.token)):
        lines += [f"[auth.openapi.{scheme}]", f'bearer = "{token}"']
    lines += [
        "[[operations]]",
        'include-path-regex = "^/agents/\\\\{signature\\\\}/"',
        f'parameters = {{ signature = "{PULL_AGENT["signature"]}" }}',
        "[[operations]]",
        'include-path-regex = "^/agents/sessions/"',
        f'parameters = {{ session_id = "{session.session_id}" }}',
    ]
    path = folder / "schemathesis-agents.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def close_session(base: str, session: Session) -> None:
    """Close the session unless the run did (the waiting step then ends)."""
    request(
        f"{base}/agents/sessions/{session.session_id}/close",
        method="POST",
        body={},
        headers={"Authorization": f"Bearer {session.token}"},
    )


def schemathesis_run(base: str, config: Path, report: Path, *options: str) -> str:
    """Run the schemathesis CLI against base; its output."""
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        f"{base}/openapi.json",
        "--checks=all",
        "--phases=examples,coverage,fuzzing,stateful",
        f"--max-examples={MAX_EXAMPLES}",
        f"--seed={SEED}",
        "--generation-database=none",
        "--no-color",
        "--report=json",
        f"--report-json-path={report}",
        *options,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    return done.stdout + done.stderr


def operation_count(base: str, headers: dict[str, str]) -> tuple[int, int]:
    """How many operations the published document has: the agents' sessions' and the others."""
    status, document = request(f"{base}/openapi.json", headers=headers)
    assert status == 200
    operations = [
        path
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    ]
    agents = sum(re.match(AGENT_SESSION_PATHS, path) is not None for path in operations)
    return agents, len(operations) - agents


def assert_clean(report: dict[str, Any], operations: int, output: str) -> None:
    """Every operation tested in every phase, with no failure, error or warning."""
    tail = output[-6000:]
    assert report["exit_code"] == 0 and report["complete"], tail
    assert (report["failures"], report["errors"]) == ([], []), tail
    assert report["operations"]["tested"] == report["operations"]["selected"] == operations
    assert {name: phase["status"] for name, phase in report["phases"].items()} == {
        "examples": "success",
        "coverage": "success",
        "fuzzing": "success",
        "stateful": "success",
    }, tail
    assert {name: found for name, found in report["warnings"].items() if found} == {}, tail


@pytest.mark.parametrize("server", list(SERVERS))
def test_schemathesis_finds_nothing_wrong(tmp_path: Path, server: str) -> None:
    _, waiting = seed(tmp_path / "trader.db", tmp_path / "models.json")
    env = {
        "DATABASE_PATH": str(tmp_path / "trader.db"),
        "HUEY_PATH": str(tmp_path / "huey.db"),
        "CONFIG_PATH": str(tmp_path / "models.json"),
        "PULL_AGENT_TOKEN": PULL_TOKEN,
    }
    env.update(SERVERS[server])
    headers = {"Authorization": f"Bearer {KEY}"} if "API_KEY" in env else {}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = gunicorn(port, env, tmp_path / "web.log")
    try:
        wait_until_up(base, web)
        session = take_session(base)
        # Two runs: the agents' sessions with their own tokens (first: the other run may
        # cancel and delete the session's job), then everything else with the key (a header
        # on every request would replace those tokens).
        path_filter = f"--exclude-path-regex={AGENT_SESSION_PATHS}"
        outputs = {
            "agents": schemathesis_run(
                base,
                agents_config(tmp_path, session),
                tmp_path / "report-agents.json",
                path_filter.replace("exclude", "include"),
            ),
            "api": schemathesis_run(
                base,
                REPO / "schemathesis.toml",
                tmp_path / "report-api.json",
                path_filter,
                *[f"--header={name}: {value}" for name, value in headers.items()],
            ),
        }
        agents, others = operation_count(base, headers)
        close_session(base, session)
        waiting.join(timeout=30)
    finally:
        stop(web)
    assert not waiting.is_alive()
    for run, operations in (("api", others), ("agents", agents)):
        report = json.loads((tmp_path / f"report-{run}.json").read_text(encoding="utf-8"))
        assert_clean(report, operations, outputs[run])
        assert report["operations"]["total"] == others + agents
    assert agents == 7
