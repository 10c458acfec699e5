"""Request options of an LLM model through the service: the request sent, /models, the job."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any

import pytest
import responses
from flask import Flask

from tests.integration.conftest import AppFactory, ModelsFile, payload
from tests.integration.test_llm_jobs import GPT, LLM_URL, completion
from tests.unit.agent.test_request_options import OPTIONS as UNIT_OPTIONS

pytestmark = pytest.mark.integration
SECRET = "route-secret-9"
# The unit tests' options, plus a literal header next to the one read from a variable.
OPTIONS: dict[str, Any] = {
    **UNIT_OPTIONS,
    "extra_headers": {"HTTP-Referer": "https://trader.example", **UNIT_OPTIONS["extra_headers"]},
}
ONE_DAY = {"start_date": "2025-10-01", "end_date": "2025-10-02", "models": ["gpt-test"]}


def options_app(models_file: ModelsFile, make_app: AppFactory, secrets: dict[str, str]) -> Flask:
    """The default models plus the OpenAI-compatible model with every request option set."""
    data = models_file.read()
    data["models"].append({**GPT, "request_options": OPTIONS})
    data["agent_config"]["base_delay"] = 0
    models_file.write(data)
    return make_app(config_path=str(models_file.path), secrets=secrets)


def test_request_is_exactly_what_the_config_says(
    models_file: ModelsFile, make_app: AppFactory
) -> None:
    app = options_app(models_file, make_app, {"TEST_LLM_KEY": "sk-test-key", "ROUTE_TOKEN": SECRET})
    with responses.RequestsMock() as mock:
        mock.post(LLM_URL, json=completion("Holding. <FINISH_SIGNAL>"))
        job = payload(app.test_client().post("/simulate/trigger", json=ONE_DAY))
        request = mock.calls[0].request
    assert job["status"] == "completed"
    body = json.loads(request.body)
    expected = {key: value for key, value in OPTIONS.items() if not key.startswith("extra_")}
    expected |= OPTIONS["extra_body"]
    assert set(body) == {"model", "messages", "tools", "tool_choice", *expected}
    for key, value in expected.items():
        assert (key, body[key]) == (key, value)
    assert (body["model"], body["tool_choice"]) == ("provider/gpt-test-1", "auto")
    assert request.headers["HTTP-Referer"] == "https://trader.example"
    assert request.headers["X-Title"] == "AI-Trader"
    assert request.headers["X-Route-Token"] == SECRET
    assert request.headers["Authorization"] == "Bearer sk-test-key"
    with closing(sqlite3.connect(app.config["SETTINGS"].database_path)) as conn:
        (stored,) = conn.execute(
            "SELECT config FROM jobs WHERE job_id = ?", (job["job_id"],)
        ).fetchone()
    assert SECRET not in stored
    assert json.loads(stored)["models"][0]["request_options"] == OPTIONS


def test_models_shows_the_options_never_the_secret(
    models_file: ModelsFile, make_app: AppFactory
) -> None:
    app = options_app(models_file, make_app, {"ROUTE_TOKEN": SECRET})
    response = app.test_client().get("/models")
    assert SECRET not in response.get_data(as_text=True)
    models = {model["signature"]: model for model in payload(response)}
    assert models["gpt-test"]["request_options"] == OPTIONS
    assert models["mock-llm"]["request_options"] == {}


def test_unset_header_variable_fails_the_model_day_before_any_request(
    models_file: ModelsFile, make_app: AppFactory
) -> None:
    app = options_app(models_file, make_app, {"TEST_LLM_KEY": "sk-test-key"})
    with responses.RequestsMock() as mock:
        job = payload(app.test_client().post("/simulate/trigger", json=ONE_DAY))
        assert not mock.calls
    failed = [day for day in job["details"] if day["status"] == "failed"]
    assert [day["error"] for day in failed] == [
        "HeaderValueError: header X-Route-Token: environment variable ROUTE_TOKEN is not set"
    ]
