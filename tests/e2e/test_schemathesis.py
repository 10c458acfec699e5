"""`schemathesis run --checks all`, every phase, against a live gunicorn: not one failure.

The run reads the published /openapi.json, so every operation it documents is tested; the
stateful phase follows the trigger's links to status, cancel and delete. Two servers: one
open (no API_KEY, nothing declares security) and one with every read behind the key.
"""

from __future__ import annotations

import json
import subprocess
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
SERVERS = {
    "open": {},
    "reads-and-writes-behind-a-key": {"API_KEY": KEY, "API_READ_AUTH": "true"},
}
# Bounded so that a run takes well under two minutes on two cores; the seed makes it repeatable.
MAX_EXAMPLES = 40
SEED = 20251001
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def seed(database: Path) -> str:
    """Store one small completed job in the database, run in this process."""
    prices = load_prices(DEFAULT_PRICE_DATA)
    job = JobRequest("2025-09-05", "2025-09-02", SEED_MODELS)
    with closing(connect(database)) as conn:
        init_db(conn)
        created = create_job(
            conn, nasdaq(prices), load_models_config(DEFAULT_CONFIG_PATH), job, 366
        )
    run_job(
        Settings(database_path=str(database)), nasdaq(prices), created.job_id, created.first_days
    )
    return created.job_id


def schemathesis_run(base: str, headers: dict[str, str], report: Path) -> str:
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
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
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
    seed(tmp_path / "trader.db")
    env = {"DATABASE_PATH": str(tmp_path / "trader.db"), "HUEY_PATH": str(tmp_path / "huey.db")}
    env.update(SERVERS[server])
    headers = {"Authorization": f"Bearer {KEY}"} if "API_KEY" in env else {}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = gunicorn(port, env, tmp_path / "web.log")
    try:
        wait_until_up(base, web)
        output = schemathesis_run(base, headers, tmp_path / "report.json")
        operations = operation_count(base, headers)
    finally:
        stop(web)
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert_clean(report, operations, output)
