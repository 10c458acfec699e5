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

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.agent.observation import observation_schema
from service.db import connect
from service.jobs import pull_desk
from service.jobs.batch import run_job
from service.jobs.lifecycle import next_days_to_run, requeue_interrupted
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
    with closing(connect(app.config["SETTINGS"].database_path)) as conn:
        first = [(model, day) for _, model, day in next_days_to_run(conn)]
    with worker_of(app, created["job_id"], first):
        yield str(created["job_id"])


@contextmanager
def worker_of(app: Flask, job_id: str, first: list[tuple[str, str]]) -> Iterator[None]:
    """Run the job's chains from their first days in a thread until they end."""
    settings = app.config["SETTINGS"]
    thread = threading.Thread(
        target=run_job, args=(settings, markets_from(settings), job_id, first)
    )
    thread.start()
    try:
        yield
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
        schema = payload(client.get("/agents/observation-schema"))
        assert schema == observation_schema()
        jsonschema.validate(first["observation"], schema)
        status = payload(client.get(f"/simulate/status/{job_id}"))
        assert status["progress"]["awaiting_agent"] == 1
        assert "1 waiting for their agent" in client.get("/dashboard").get_data(as_text=True)
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
    page = client.get("/dashboard/models/pull-agent?date=2025-10-02").get_data(as_text=True)
    assert "Apple looks cheap" in page and "get_price_local" in page
    assert "<summary>Observation sent to the agent (JSON)</summary>" in page
    assert TOKEN not in dump(pull_app)
    assert first["token"] not in dump(pull_app) and second["token"] not in dump(pull_app)


def test_sessions_are_taken_with_the_models_own_token_only(
    pull_app: Flask, make_app: AppFactory, models_file: ModelsFile
) -> None:
    client = pull_app.test_client()
    url = "/agents/pull-agent/sessions/next"
    assert client.get(url).status_code == 401
    wrong = client.get(url, headers={"Authorization": "Bearer not-the-token"})
    assert (wrong.status_code, payload(wrong)["message"]) == (
        401,
        "wrong token: not the token of pull-agent",
    )
    for other in ("momentum-20", "nobody"):
        response = client.get(f"/agents/{other}/sessions/next", headers=MODEL_AUTH)
        assert response.status_code == 404
        assert "no pull agent (provider external)" in payload(response)["message"]
    unset = make_app(config_path=str(models_file.path)).test_client()
    response = unset.get(url, headers=MODEL_AUTH)
    assert response.status_code == 401
    assert "PULL_AGENT_TOKEN is not set" in payload(response)["message"]


def test_a_session_token_opens_its_own_session_only(pull_app: Flask) -> None:
    client = pull_app.test_client()
    with worker(pull_app, end_date="2025-10-02", repeats=2):
        one, two = take(client), take(client)
        assert {one["model"], two["model"]} == {"pull-agent:r1", "pull-agent:r2"}
        borrowed = {**two, "token": one["token"]}
        order = {"orders": [{"action": "buy", "symbol": "AAPL", "amount": 1}]}
        for path, body in (("orders", order), ("tools/get_portfolio", {}), ("close", {})):
            response = post(client, borrowed, path, body)
            assert response.status_code == 403, path
            assert payload(response)["message"] == "this token opens another session"
        for headers in ({}, {"Authorization": "Bearer guess"}):
            url = f"/agents/sessions/{two['session_id']}"
            assert client.get(url, headers=headers).status_code == 401
        assert (
            payload(client.get(f"/agents/sessions/{two['session_id']}", headers=auth(two)))[
                "orders"
            ]
            == []
        )
        for session in (one, two):
            payload(post(client, session, "close", {}))


def test_hostile_calls_get_clear_answers_and_change_nothing(pull_app: Flask) -> None:
    client = pull_app.test_client()
    with worker(pull_app, end_date="2025-10-02"):
        session = take(client)
        refusals = [
            ("tools/get_price_local", {"symbol": "AAPL", "date": "2025-10-03"}, 403, "after"),
            ("tools/get_price_local", {"symbol": "NOPE"}, 400, "unknown symbol NOPE"),
            ("tools/get_portfolio", {"model": "momentum-20"}, 422, "Unknown field"),
            ("tools/place_order", {}, 404, None),
            ("orders", {"orders": []}, 422, None),
            ("orders", {"orders": [{"action": "buy", "symbol": "AAPL", "amount": -5}]}, 422, None),
            (
                "orders",
                {
                    "orders": [
                        {"action": "buy", "symbol": "AAPL", "amount": 1},
                        {"action": "buy", "symbol": "NVDA", "amount": 1e15},
                    ]
                },
                400,
                "no order was placed",
            ),
            ("orders", {"orders": [{"action": "sell", "symbol": "TSLA", "amount": 1}]}, 400, None),
        ]
        for path, body, code, words in refusals:
            response = post(client, session, path, body)
            assert response.status_code == code, (path, body, response.get_json())
            if words:
                assert words in str(payload(response)), (path, payload(response))
        portfolio = payload(post(client, session, "tools/get_portfolio", {}))
        assert (portfolio["cash"], portfolio["shares"]) == (10_000, {})
        payload(post(client, session, "close", {"reasoning": "nothing worth it"}))
        closed = post(client, session, "tools/get_portfolio", {})
        assert closed.status_code == 409
        assert "is closed" in payload(closed)["message"]
    results = payload(client.get("/results?model=pull-agent&detail=full&date=2025-10-02"))
    assert results[0]["holdings"] == {} and results[0]["trades"] == []
    log = "\n".join(str(entry["content"]) for entry in results[0]["reasoning"])
    assert "no order was placed" not in log  # the refusals' own reasons are:
    assert "NVDA" in log and "nothing worth it" in log


def test_an_unanswered_session_expires_and_fails_its_step(
    pull_app: Flask, models_file: ModelsFile, caplog: pytest.LogCaptureFixture
) -> None:
    models_file.update_agent(timeout=1)
    client = pull_app.test_client()
    with worker(pull_app) as job_id:
        session = take(client)
        time.sleep(1.2)
        response = post(client, session, "close", {})
        assert response.status_code == 410
        assert "expired" in payload(response)["message"]
    status = payload(client.get(f"/simulate/status/{job_id}"))
    assert status["status"] == "partial"  # the registration day completed
    steps = {row["date"]: row for row in status["details"]}
    assert steps["2025-10-02"]["status"] == "failed"
    assert "did not close session" in steps["2025-10-02"]["error"]
    assert steps["2025-10-03"]["reason"] == "previous day failed"
    assert session["token"] not in caplog.text and TOKEN not in caplog.text


def test_a_step_requeued_after_a_crash_opens_a_new_session(pull_app: Flask) -> None:
    client = pull_app.test_client()
    settings = pull_app.config["SETTINGS"]
    with worker(pull_app, end_date="2025-10-02") as job_id:
        lost = take(client)
        with closing(connect(settings.database_path)) as conn:
            # What a consumer starting after a crash does: the step it was waiting on is pending.
            assert requeue_interrupted(conn) == [(job_id, "pull-agent", "2025-10-02")]
    response = post(client, lost, "tools/get_portfolio", {})
    assert response.status_code == 409
    with worker_of(pull_app, job_id, [("pull-agent", "2025-10-02")]):
        again = take(client)
        assert again["session_id"] != lost["session_id"]
        payload(post(client, again, "close", {}))
    assert payload(client.get(f"/simulate/status/{job_id}"))["status"] == "completed"


def test_a_session_keeps_a_bounded_number_of_calls(
    pull_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pull_desk, "MAX_SESSION_CALLS", 3)
    client = pull_app.test_client()
    with worker(pull_app, end_date="2025-10-02"):
        session = take(client)
        order = {"orders": [{"action": "buy", "symbol": "AAPL", "amount": 1}]}
        for path, body in (("tools/get_portfolio", {}), ("orders", order), ("orders", order)):
            assert post(client, session, path, body).status_code == 200
        refused = post(client, session, "tools/get_portfolio", {})
        assert refused.status_code == 400
        assert "holds 3 calls and orders" in payload(refused)["message"]
        assert payload(post(client, session, "close", {}))["orders"] == 2
    held = payload(client.get("/results?model=pull-agent&date=2025-10-02"))[0]["holdings"]
    assert held == {"AAPL": 2}
