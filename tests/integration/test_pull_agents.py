"""Pull agents (provider external) through the whole service: a worker thread runs the job's
model-steps while the test, as the agent, takes each session over the API, reads, orders and
closes; and every way an agent may misbehave is refused without changing anything."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.db import connect
from service.jobs.batch import run_job
from service.jobs.lifecycle import next_days_to_run
from service.market.directory import markets_from
from tests.integration.conftest import AppFactory, ModelsFile, payload

pytestmark = pytest.mark.integration
TOKEN = "pull-token-integration-0123456789"
AGENT = {
    "signature": "pull-agent",
    "name": "Pull agent",
    "provider": "external",
    "agent_secret_env": "PULL_AGENT_TOKEN",
    "enabled": True,
}
MODEL_AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def pull_app(models_file: ModelsFile, make_app: AppFactory, tmp_path: Path) -> Flask:
    """The default models plus a pull agent whose token is in PULL_AGENT_TOKEN; jobs are queued
    for the worker thread of `worker`, never run inline."""
    data = models_file.read()
    data["models"].append(AGENT)
    data["agent_config"].update({"timeout": 30})
    models_file.write(data)
    return make_app(
        config_path=str(models_file.path),
        secrets={"PULL_AGENT_TOKEN": TOKEN},
        huey_immediate=False,
        huey_path=str(tmp_path / "huey.db"),
    )


@contextmanager
def worker(app: Flask, **job: Any) -> Iterator[str]:
    """Trigger a job of the pull agent and run its model-steps in a thread, as a consumer
    would; yields the job's id and waits for the thread at the end."""
    body = {"start_date": "2025-10-01", "end_date": "2025-10-03", "models": ["pull-agent"], **job}
    created = payload(app.test_client().post("/simulate/trigger", json=body))
    settings = app.config["SETTINGS"]
    with closing(connect(settings.database_path)) as conn:
        first = [(model, day) for job_id, model, day in next_days_to_run(conn)]
    thread = threading.Thread(
        target=run_job, args=(settings, markets_from(settings), created["job_id"], first)
    )
    thread.start()
    try:
        yield str(created["job_id"])
    finally:
        thread.join(timeout=60)
        assert not thread.is_alive()


def take(client: FlaskClient, signature: str = "pull-agent", wait: float = 20) -> dict[str, Any]:
    """Poll for the agent's next session as an agent does, until one is handed out."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        response = client.get(f"/agents/{signature}/sessions/next", headers=MODEL_AUTH)
        if response.status_code == 200:
            return dict(payload(response))
        assert response.status_code == 204
        assert response.headers["Retry-After"] == "1"
        time.sleep(0.05)
    raise AssertionError("no session was handed out")


def auth(session: dict[str, Any]) -> dict[str, str]:
    """The headers of a call in the session."""
    return {"Authorization": f"Bearer {session['token']}"}


def post(client: FlaskClient, session: dict[str, Any], path: str, body: Any) -> Any:
    """POST to one of the session's paths with its token."""
    url = f"/agents/sessions/{session['session_id']}/{path}"
    return client.post(url, json=body, headers=auth(session))


def dump(app: Flask) -> str:
    """Every row of the database as SQL text."""
    with closing(sqlite3.connect(app.config["SETTINGS"].database_path)) as conn:
        return "\n".join(conn.iterdump())


def test_an_agent_takes_each_step_reads_orders_and_closes(pull_app: Flask) -> None:
    client = pull_app.test_client()
    with worker(pull_app) as job_id:
        first = take(client)
        assert first["step"] == "2025-10-02"
        assert first["observation"]["step"] == "2025-10-02"
        assert first["observation"]["portfolio"]["cash"] == 10_000
        status = payload(client.get(f"/simulate/status/{job_id}"))
        assert status["progress"]["awaiting_agent"] == 1
        price = payload(post(client, first, "tools/get_price_local", {"symbol": "AAPL"}))
        assert set(price) >= {"open", "symbol"} and "close" not in price
        placed = payload(
            post(
                client,
                first,
                "orders",
                {"orders": [{"action": "buy", "symbol": "AAPL", "amount": 3}]},
            )
        )
        assert placed["fills"][0]["amount"] == 3
        assert placed["portfolio"]["shares"] == {"AAPL": 3}
        closed = payload(post(client, first, "close", {"reasoning": "Apple looks cheap"}))
        assert closed == {**closed, "state": "closed", "orders": 1}
        second = take(client)
        assert second["step"] == "2025-10-03"
        assert second["observation"]["portfolio"]["shares"] == {"AAPL": 3}
        post(
            client,
            second,
            "orders",
            {"orders": [{"action": "sell", "symbol": "AAPL", "amount": 1}]},
        )
        payload(post(client, second, "close", {}))
    status = payload(client.get(f"/simulate/status/{job_id}"))
    assert status["status"] == "completed"
    days = {
        row["date"]: row for row in payload(client.get("/results?model=pull-agent&detail=full"))
    }
    assert {day: row["holdings"].get("AAPL") for day, row in days.items()} == {
        "2025-10-01": None,
        "2025-10-02": 3,
        "2025-10-03": 2,
    }
    log = "\n".join(str(entry["content"]) for entry in days["2025-10-02"]["reasoning"])
    assert "Apple looks cheap" in log and '"step": "2025-10-02"' in log
    assert '[tool call] get_price_local({"symbol": "AAPL"})' in log
    assert {tool["tool_name"]: tool["call_count"] for tool in days["2025-10-02"]["tool_usage"]} == {
        "get_price_local": 1,
        "buy": 1,
    }
    assert TOKEN not in dump(pull_app)
    assert first["token"] not in dump(pull_app) and second["token"] not in dump(pull_app)
