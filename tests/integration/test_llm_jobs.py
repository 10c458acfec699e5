"""LLM models through the whole service: the mock provider offline, an OpenAI-compatible API."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any

import pytest
import responses
from flask import Flask

from service.db import connect, init_db
from service.jobs.batch import run_job
from service.jobs.creation import create_job
from service.jobs.planning import JobRequest
from service.market.prices import PriceData
from service.models_config import load_models_config
from service.settings import Settings
from tests.integration.conftest import AppFactory, ModelsFile, payload
from tests.markets import nasdaq

pytestmark = pytest.mark.integration
LLM_URL = "http://llm.test/v1/chat/completions"
GPT = {
    "signature": "gpt-test",
    "name": "gpt-test",
    "basemodel": "provider/gpt-test-1",
    "openai_base_url": "http://llm.test/v1",
    "api_key_env": "TEST_LLM_KEY",
    "enabled": True,
}


def completion(content: str | None, *calls: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """An OpenAI chat completion answer with tool calls."""
    tool_calls = [
        {
            "id": f"c{index}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }
        for index, (name, arguments) in enumerate(calls)
    ]
    message = {"role": "assistant", "content": content, "tool_calls": tool_calls or None}
    usage = {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}
    return {"choices": [{"message": message, "finish_reason": "stop"}], "usage": usage}


@pytest.fixture
def llm_app(models_file: ModelsFile, make_app: AppFactory) -> Flask:
    """The default models plus one OpenAI-compatible model whose key is in TEST_LLM_KEY."""
    data = models_file.read()
    data["models"].append(GPT)
    data["agent_config"]["base_delay"] = 0
    models_file.write(data)
    return make_app(config_path=str(models_file.path), secrets={"TEST_LLM_KEY": "sk-test-key"})


def test_mock_model_trades_offline_through_the_api(client: Any) -> None:
    response = client.post(
        "/simulate/trigger",
        json={"start_date": "2025-10-01", "end_date": "2025-10-08", "models": ["mock-llm"]},
    )
    assert response.status_code == 202
    assert payload(response)["status"] == "completed"
    rows = payload(client.get("/results?model=mock-llm&date=2025-10-02&detail=full"))
    day = rows[0]
    assert day["trades"], "the mock buys on its first trading day"
    assert {"system", "user", "assistant", "tool"} <= {entry["role"] for entry in day["reasoning"]}
    assert {usage["tool_name"] for usage in day["tool_usage"]} >= {"get_price_local", "buy"}
    status = payload(client.get(f"/simulate/status/{rows[0]['job_id']}"))
    assert all(d["prompt_tokens"] for d in status["details"] if d["date"] > "2025-10-01")


def test_openai_compatible_model_scripted_day(llm_app: Flask) -> None:
    client = llm_app.test_client()
    with responses.RequestsMock() as mock:
        mock.post(LLM_URL, json=completion(None, ("get_price_local", {"symbol": "AAPL"})))
        mock.post(LLM_URL, json=completion("Buying.", ("buy", {"symbol": "AAPL", "amount": 3})))
        mock.post(LLM_URL, json=completion("Sell one.", ("sell", {"symbol": "AAPL", "amount": 1})))
        mock.post(LLM_URL, json=completion("Done. <FINISH_SIGNAL>"))
        response = client.post(
            "/simulate/trigger",
            json={"start_date": "2025-10-01", "end_date": "2025-10-02", "models": ["gpt-test"]},
        )
        sent = [json.loads(call.request.body) for call in mock.calls]
        headers = [call.request.headers["Authorization"] for call in mock.calls]
    assert payload(response)["status"] == "completed"
    assert len(sent) == 4
    assert {body["model"] for body in sent} == {"provider/gpt-test-1"}
    assert {tool["function"]["name"] for tool in sent[0]["tools"]} == {
        "get_price_local",
        "get_portfolio",
        "buy",
        "sell",
        "search_news",
    }
    assert sent[0]["tool_choice"] == "auto"
    assert set(headers) == {"Bearer sk-test-key"}
    day = payload(llm_app.test_client().get("/results?model=gpt-test&date=2025-10-02&detail=full"))
    trades = [(t["action_type"], t["symbol"], t["amount"]) for t in day[0]["trades"]]
    assert trades == [("buy", "AAPL", 3), ("sell", "AAPL", 1)]
    assert day[0]["holdings"] == {"AAPL": 2}
    tools = {usage["tool_name"]: usage["call_count"] for usage in day[0]["tool_usage"]}
    assert tools == {"get_price_local": 1, "buy": 1, "sell": 1}


def test_provider_401_fails_the_day_cleanly(llm_app: Flask) -> None:
    client = llm_app.test_client()
    with responses.RequestsMock() as mock:
        mock.post(LLM_URL, status=401, json={"error": {"message": "Incorrect API key provided"}})
        response = client.post(
            "/simulate/trigger",
            json={"start_date": "2025-10-01", "end_date": "2025-10-03", "models": ["gpt-test"]},
        )
    job = payload(response)
    assert job["status"] == "partial"
    failed = [d for d in job["details"] if d["status"] == "failed"]
    assert len(failed) == 1 and "401" in failed[0]["error"]
    assert "Incorrect API key provided" in failed[0]["error"]
    assert "sk-test-key" not in json.dumps(job)
    skipped = [d for d in job["details"] if d["status"] == "skipped"]
    assert [d["reason"] for d in skipped] == ["previous day failed"]
    results = payload(client.get("/results?model=gpt-test"))
    assert [row["date"] for row in results] == ["2025-10-01"], "the failed day stored nothing"


def _run_alone_and_together(
    database: str, prices: PriceData, config_path: str, models: list[str]
) -> list[tuple[Any, ...]]:
    config = load_models_config(config_path)
    request = JobRequest("2025-10-10", "2025-10-01", models)
    with closing(connect(database)) as conn:
        init_db(conn)
        created = create_job(conn, nasdaq(prices), config, request, 366)
    run_job(
        Settings(database_path=str(database)), nasdaq(prices), created.job_id, created.first_days
    )
    with closing(sqlite3.connect(database)) as conn:
        return conn.execute(
            "SELECT model, date, action_id, action_type, symbol, amount, price, cash"
            " FROM positions ORDER BY model, date, action_id"
        ).fetchall()


def test_parallel_models_keep_separate_state(
    tmp_path: Any, models_file: ModelsFile, price_data: PriceData, app: Flask
) -> None:
    data = models_file.read()
    data["models"] += [
        {"signature": "mock-a", "provider": "mock", "enabled": True},
        {"signature": "mock-b", "provider": "mock", "enabled": True},
    ]
    models_file.write(data)
    config = str(models_file.path)
    together = _run_alone_and_together(
        str(tmp_path / "t.db"), price_data, config, ["mock-a", "mock-b"]
    )
    alone_a = _run_alone_and_together(str(tmp_path / "a.db"), price_data, config, ["mock-a"])
    alone_b = _run_alone_and_together(str(tmp_path / "b.db"), price_data, config, ["mock-b"])
    assert together == alone_a + alone_b
    assert alone_a and [row[1:] for row in alone_a] != [row[1:] for row in alone_b]
