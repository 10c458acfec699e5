"""`schemathesis run --checks all`, every phase, against a live gunicorn: not one failure.

The run reads the published /openapi.json, so every operation it documents is tested; the
stateful phase follows the trigger's links to status, cancel and delete. Two servers: one
open (no API_KEY, nothing declares security) and one with every read behind the key. Each has
a pull agent's step waiting in its session, whose id and tokens schemathesis.toml reads from
the environment, so that the agents' operations are tested on a live session too.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from service.db import connect, init_db
from service.jobs.batch import run_job
from service.jobs.creation import create_job
from service.jobs.planning import JobRequest
from service.market.prices import load_prices
from service.models_config import load_models_config
from service.settings import DEFAULT_CONFIG_PATH, DEFAULT_PRICE_DATA, Settings
from tests.e2e.processes import BIN, REPO, free_port, gunicorn, request, stop, wait_until_up
from tests.markets import nasdaq

pytestmark = pytest.mark.e2e
SEED_MODELS = ["qqq-buy-and-hold", "mock-llm"]
KEY = "schemathesis-k3y-5b2d40"
PULL_TOKEN = "schemathesis-pull-t0ken"
PULL_AGENT = {
    "signature": "st-pull-agent",
    "provider": "external",
    "agent_secret_env": "PULL_AGENT_TOKEN",
}
SERVERS = {
    "open": {},
    "reads-and-writes-behind-a-key": {"API_KEY": KEY, "API_READ_AUTH": "true"},
}
# Bounded so that a run takes well under two minutes on two cores; the seed makes it repeatable.
MAX_EXAMPLES = 40
SEED = 20251001
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def seed(database: Path, config: Path) -> tuple[str, threading.Thread]:
    """Store one small completed job in the database, run in this process; then start a job of
    the pull agent whose one step waits for it (in a thread, until its session is closed)."""
    prices = load_prices(DEFAULT_PRICE_DATA)
    models = json.loads(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    models["models"].append(PULL_AGENT)
    models["agent_config"]["timeout"] = 900
    config.write_text(json.dumps(models), encoding="utf-8")
    settings = Settings(database_path=str(database), config_path=str(config))
    jobs = [JobRequest("2025-09-05", "2025-09-02", SEED_MODELS)]
    jobs.append(JobRequest("2025-09-03", "2025-09-02", [PULL_AGENT["signature"]]))
    with closing(connect(database)) as conn:
        init_db(conn)
        made = [
            create_job(conn, nasdaq(prices), load_models_config(config), job, 366) for job in jobs
        ]
    run_job(settings, nasdaq(prices), made[0].job_id, made[0].first_days)
    waiting = threading.Thread(
        target=run_job, args=(settings, nasdaq(prices), made[1].job_id, made[1].first_days)
    )
    waiting.start()
    return made[0].job_id, waiting


def take_session(base: str) -> dict[str, str]:
    """The variables schemathesis.toml reads: the pull agent's token, its session's id and
    token (the session is handed out once: here)."""
    deadline = time.monotonic() + 30
    url = f"{base}/agents/{PULL_AGENT['signature']}/sessions/next"
    while time.monotonic() < deadline:
        status, handout = request(url, headers={"Authorization": f"Bearer {PULL_TOKEN}"})
        if status == 200:
            return {
                "ST_AGENT_TOKEN": PULL_TOKEN,
                "ST_SESSION_ID": handout["session_id"],
                "ST_SESSION_TOKEN": handout["token"],
            }
        time.sleep(0.1)
    raise AssertionError("the pull agent's session was not handed out")


def close_session(base: str, session: dict[str, str]) -> None:
    """Close the session unless the run did (the waiting step then ends)."""
    request(
        f"{base}/agents/sessions/{session['ST_SESSION_ID']}/close",
        method="POST",
        body={},
        headers={"Authorization": f"Bearer {session['ST_SESSION_TOKEN']}"},
    )


def schemathesis_run(
    base: str, headers: dict[str, str], report: Path, session: dict[str, str]
) -> str:
    """Run the schemathesis CLI against base; its output."""
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(REPO / "schemathesis.toml"),
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
        *[f"--header={name}: {value}" for name, value in headers.items()],
    ]
    env = {**os.environ, **session}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, env=env
    )
    return done.stdout + done.stderr


def operation_count(base: str, headers: dict[str, str]) -> int:
    """How many operations the published document has."""
    status, document = request(f"{base}/openapi.json", headers=headers)
    assert status == 200
    return sum(method in HTTP_METHODS for item in document["paths"].values() for method in item)


def assert_clean(report: dict[str, Any], operations: int, output: str) -> None:
    """Every operation tested in every phase, with no failure, error or warning."""
    tail = output[-6000:]
    assert report["exit_code"] == 0 and report["complete"], tail
    assert (report["failures"], report["errors"]) == ([], []), tail
    assert report["operations"]["tested"] == report["operations"]["total"] == operations
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
    # X-API-Key, so that the agents' operations keep the Authorization of their own tokens.
    headers = {"X-API-Key": KEY} if "API_KEY" in env else {}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = gunicorn(port, env, tmp_path / "web.log")
    try:
        wait_until_up(base, web)
        session = take_session(base)
        output = schemathesis_run(base, headers, tmp_path / "report.json", session)
        operations = operation_count(base, headers)
        close_session(base, session)
        waiting.join(timeout=30)
    finally:
        stop(web)
    assert not waiting.is_alive()
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert_clean(report, operations, output)
