"""Webhook agents (provider http) through the whole service: signed observations, orders placed
and recorded, failures after retries, and the secret nowhere."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from contextlib import closing
from typing import Any

import jsonschema
import pytest
import responses
from flask import Flask
from requests import PreparedRequest

from service.agent.observation import observation_schema
from tests.integration.conftest import AppFactory, ModelsFile, payload

pytestmark = pytest.mark.integration
AGENT_URL = "https://agent.test/decide"
SECRET = "whsec-integration-0123456789"
AGENT = {
    "signature": "hook-agent",
    "name": "Hook agent",
    "provider": "http",
    "agent_url": AGENT_URL,
    "agent_secret_env": "HOOK_AGENT_SECRET",
    "enabled": True,
}
ORDERS = {
    "2025-10-02": [
        {"action": "buy", "symbol": "AAPL", "amount": 3},
        {"action": "buy", "symbol": "NOPE", "amount": 1},
        {"action": "buy", "symbol": "NVDA", "amount": 1e15},
    ],
    "2025-10-03": [{"action": "sell", "symbol": "AAPL", "amount": 1}],
}


@pytest.fixture
def hook_app(models_file: ModelsFile, make_app: AppFactory) -> Flask:
    """The default models plus a webhook agent whose secret is in HOOK_AGENT_SECRET."""
    data = models_file.read()
    data["models"].append(AGENT)
    data["agent_config"].update({"base_delay": 0, "max_retries": 2})
    models_file.write(data)
    return make_app(config_path=str(models_file.path), secrets={"HOOK_AGENT_SECRET": SECRET})


def agent(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
    """An agent that checks the signature as its documentation says, then answers ORDERS."""
    body = request.body if isinstance(request.body, bytes) else b""
    fields = dict(
        part.split("=", 1) for part in request.headers["X-AI-Trader-Signature"].split(",")
    )
    digest = hmac.new(SECRET.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256)
    if not hmac.compare_digest(digest.hexdigest(), fields["v1"]):
        return 401, {}, json.dumps({"error": "bad signature"})
    step = request.headers["X-AI-Trader-Step"]
    answer = {"orders": ORDERS.get(step, []), "reasoning": f"my plan for {step}"}
    return 200, {}, json.dumps(answer)


def run(app: Flask, end: str = "2025-10-03") -> tuple[dict[str, Any], list[Any]]:
    """Trigger the agent from 2025-10-01 to end; the job and the requests the agent got."""
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, AGENT_URL, callback=agent)
        response = app.test_client().post(
            "/simulate/trigger",
            json={"start_date": "2025-10-01", "end_date": end, "models": ["hook-agent"]},
        )
        calls = [call.request for call in mock.calls]
    return payload(response), calls


def test_agent_trades_and_everything_it_sent_and_got_is_shown(hook_app: Flask) -> None:
    job, calls = run(hook_app)
    assert job["status"] == "completed", job
    assert [call.headers["X-AI-Trader-Step"] for call in calls] == ["2025-10-02", "2025-10-03"]
    assert {call.headers["X-AI-Trader-Model"] for call in calls} == {"hook-agent"}
    observation = json.loads(calls[0].body)
    jsonschema.validate(observation, observation_schema())
    assert observation["step"] == "2025-10-02" and observation["portfolio"]["shares"] == {}

    client = hook_app.test_client()
    day = payload(client.get("/results?model=hook-agent&date=2025-10-02&detail=full"))[0]
    assert [(t["action_type"], t["symbol"], t["amount"]) for t in day["trades"]] == [
        ("buy", "AAPL", 3)
    ]
    roles = [(entry["role"], entry["tool_name"]) for entry in day["reasoning"]]
    assert roles == [("user", None), ("assistant", None), *[("tool", "buy")] * 3]
    assert json.loads(day["reasoning"][0]["content"]) == observation
    assert day["reasoning"][1]["content"].startswith("my plan for 2025-10-02\n[tool call] buy(")
    results = [json.loads(entry["content"]) for entry in day["reasoning"][2:]]
    assert results[0]["amount"] == 3 and results[0]["price"] > 0
    assert results[1] == {"error": "unknown symbol NOPE: it is not in the universe"}
    assert "is larger than 10000000 shares" in results[2]["error"]
    assert {u["tool_name"]: u["call_count"] for u in day["tool_usage"]} == {"buy": 3}
    later = payload(client.get("/results?model=hook-agent&date=2025-10-03&detail=full"))[0]
    assert later["holdings"] == {"AAPL": 2}

    page = client.get("/dashboard/models/hook-agent?date=2025-10-02").get_data(as_text=True)
    assert "my plan for 2025-10-02" in page and "unknown symbol NOPE" in page
    answers = [json.dumps(job), page, json.dumps(day), client.get("/models").get_data(True)]
    assert not any(SECRET in text for text in answers)
    assert_secret_not_stored(hook_app)


def assert_secret_not_stored(app: Flask) -> None:
    """Fail if the secret is in any row of the results database."""
    with closing(sqlite3.connect(app.config["SETTINGS"].database_path)) as conn:
        dump = "\n".join(conn.iterdump())
    assert "hook-agent" in dump and SECRET not in dump


def test_agent_down_fails_the_day_after_retries(hook_app: Flask) -> None:
    with responses.RequestsMock() as mock:
        for _ in range(3):
            mock.post(AGENT_URL, status=503, json={"error": "overloaded"})
        response = hook_app.test_client().post(
            "/simulate/trigger",
            json={"start_date": "2025-10-01", "end_date": "2025-10-03", "models": ["hook-agent"]},
        )
        attempts = len(mock.calls)
    job = payload(response)
    assert job["status"] == "partial" and attempts == 3
    failed = [d for d in job["details"] if d["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["date"] == "2025-10-02"
    assert failed[0]["error"] == (
        "WebhookError: agent of hook-agent at https://agent.test/decide: HTTP 503: overloaded;"
        " gave up after 3 attempts"
    )
    assert SECRET not in json.dumps(job)
    assert_secret_not_stored(hook_app)


def test_missing_secret_fails_the_day_without_a_request(
    models_file: ModelsFile, make_app: AppFactory
) -> None:
    data = models_file.read()
    data["models"].append(AGENT)
    models_file.write(data)
    app = make_app(config_path=str(models_file.path))
    with responses.RequestsMock():
        job = payload(
            app.test_client().post(
                "/simulate/trigger",
                json={
                    "start_date": "2025-10-01",
                    "end_date": "2025-10-02",
                    "models": ["hook-agent"],
                },
            )
        )
    (failed,) = [d for d in job["details"] if d["status"] == "failed"]
    assert (
        "HOOK_AGENT_SECRET holding the secret of hook-agent's agent is not set" in failed["error"]
    )


def test_models_lists_a_webhook_agent_without_the_secrets_of_its_url(
    make_app: AppFactory, models_file: ModelsFile
) -> None:
    config = models_file.read()
    url = "https://user:pw@agents.example/step?token=abc"
    config["models"].append({**AGENT, "agent_url": url})
    models_file.write(config)
    client = make_app(config_path=str(models_file.path)).test_client()
    answer = client.get("/models")
    listed = {m["signature"]: m for m in payload(answer)}
    assert listed["hook-agent"]["provider"] == "http"
    assert listed["hook-agent"]["agent_url"] == "https://agents.example/step"
    assert listed["hook-agent"]["agent_secret_env"] == "HOOK_AGENT_SECRET"
    assert "pw" not in answer.get_data(as_text=True) and "abc" not in answer.get_data(as_text=True)
