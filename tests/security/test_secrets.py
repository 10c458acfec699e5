"""Keys stay secret: no LLM key or API key in any answer, stored row or log record."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from flask.testing import FlaskClient
from requests import PreparedRequest

from service import create_app
from service.agent.prompt import FINISH_SIGNAL
from tests.security import dump, json_body

pytestmark = pytest.mark.security

LLM_KEY = "sk-test-SECRET-123"
CONFIG_KEY = "sk-config-SECRET-456"  # AI-Trader configs may hold a key inline
API_KEY = "k3y-SECRET-api-789"
SECRETS = (LLM_KEY, CONFIG_KEY, API_KEY, "SECRET")
BASE_URL = "https://llm.example.test/v1"
COMPLETIONS = f"{BASE_URL}/chat/completions"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
MODEL = "gpt-secret"
JOB = {"start_date": "2025-09-02", "end_date": "2025-09-04", "models": [MODEL]}
PROVIDER_401 = {
    "error": {
        "message": f"Incorrect API key provided: {LLM_KEY}. Find your key in your account.",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
    }
}


@pytest.fixture
def client(
    tmp_path: Path, database_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FlaskClient]:
    """An app with an API key and one OpenAI-compatible model whose key is in the environment."""
    monkeypatch.setenv("OPENAI_API_KEY", LLM_KEY)
    model = {
        "signature": MODEL,
        "name": "GPT behind a mocked endpoint",
        "provider": "openai",
        "basemodel": "gpt-4o-mini",
        "openai_base_url": BASE_URL,
        "openai_api_key": CONFIG_KEY,
        "enabled": True,
    }
    agent = {"max_steps": 4, "max_retries": 0, "base_delay": 0}
    config = tmp_path / "models.json"
    config.write_text(json.dumps({"models": [model], "agent_config": agent}), encoding="utf-8")
    app = create_app(
        {
            "database_path": str(database_path),
            "config_path": str(config),
            "api_key": API_KEY,
            "huey_immediate": True,
        }
    )
    app.config["TESTING"] = True
    yield app.test_client()


def answers(client: FlaskClient, trigger: str, job_id: str) -> str:
    """Every answer the API gives about the job, its results and the service, as one text."""
    urls = [
        f"/simulate/status/{job_id}",
        "/simulate/current",
        "/jobs",
        f"/results?job_id={job_id}&detail=full",
        f"/portfolio/timeseries?model={MODEL}",
        "/leaderboard",
        "/metrics",
        "/models",
        "/health",
        "/openapi.json",
    ]
    texts = [trigger]
    for url in urls:
        response = client.get(url, headers=AUTH)
        assert response.status_code == 200, url
        texts.append(response.get_data(as_text=True))
    texts.append(client.post(f"/simulate/{job_id}/cancel", headers=AUTH).get_data(as_text=True))
    return "\n".join(texts)


def assert_no_secret(text: str) -> None:
    """None of the secrets is in text."""
    assert [secret for secret in SECRETS if secret in text] == []


def run_job(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    """Trigger the job (it runs inline) with every log record captured."""
    caplog.set_level(logging.DEBUG)
    response = client.post("/simulate/trigger", json=JOB, headers=AUTH)
    assert response.status_code == 202, response.json
    job: dict[str, Any] = json_body(response)
    job["answer_text"] = response.get_data(as_text=True)
    return job


def assert_kept_secret(
    client: FlaskClient, job: dict[str, Any], database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """No secret in the API's answers, the stored rows or the log records."""
    assert_no_secret(answers(client, job["answer_text"], job["job_id"]))
    assert_no_secret(dump(database))
    assert caplog.records, "the job logged something"
    assert_no_secret(caplog.text)
    assert_no_secret("\n".join(repr(record.args) for record in caplog.records))


def test_a_refused_key_fails_the_day_with_the_provider_message_and_stays_secret(
    client: FlaskClient, database_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with responses.RequestsMock() as provider:
        provider.add(responses.POST, COMPLETIONS, json=PROVIDER_401, status=401)
        job = run_job(client, caplog)
        sent = provider.calls[0].request.headers["Authorization"]

    assert sent == f"Bearer {LLM_KEY}"  # the key was really used
    details = {detail["date"]: detail for detail in job["details"]}
    assert details["2025-09-02"]["status"] == "completed"  # registration needs no model call
    failed = details["2025-09-03"]
    assert failed["status"] == "failed"
    assert "HTTP 401" in failed["error"] and "Incorrect API key provided" in failed["error"]
    assert details["2025-09-04"]["reason"] == "previous day failed"
    assert job["status"] == "partial"
    assert_kept_secret(client, job, database_path, caplog)


def tool_calling_provider(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
    """Buys 2 AAPL and reads the portfolio, then finishes once the tools answered."""
    messages = json.loads(request.body or b"{}")["messages"]
    if any(message["role"] == "tool" for message in messages):
        message: dict[str, Any] = {"role": "assistant", "content": f"Done. {FINISH_SIGNAL}"}
    else:
        calls = [
            ("call_1", "buy", {"symbol": "AAPL", "amount": 2}),
            ("call_2", "get_portfolio", {}),
        ]
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": i, "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
                for i, n, a in calls
            ],
        }
    usage = {"prompt_tokens": 900, "completion_tokens": 40, "total_tokens": 940}
    return 200, {}, json.dumps({"choices": [{"message": message}], "usage": usage})


def test_a_tool_calling_conversation_keeps_every_key_secret(
    client: FlaskClient, database_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with responses.RequestsMock() as provider:
        provider.add_callback(responses.POST, COMPLETIONS, callback=tool_calling_provider)
        job = run_job(client, caplog)
        assert len(provider.calls) == 4  # two trading days, two model calls each

    assert job["status"] == "completed"
    results = json_body(client.get(f"/results?job_id={job['job_id']}&detail=full", headers=AUTH))
    trading_day = next(row for row in results if row["date"] == "2025-09-03")
    assert [(t["action_type"], t["symbol"], t["amount"]) for t in trading_day["trades"]] == [
        ("buy", "AAPL", 2)
    ]
    assert {usage["tool_name"] for usage in trading_day["tool_usage"]} == {"buy", "get_portfolio"}
    assert any(entry["role"] == "system" for entry in trading_day["reasoning"])
    assert_kept_secret(client, job, database_path, caplog)
