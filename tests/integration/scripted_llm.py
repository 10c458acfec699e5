"""A priced OpenAI-compatible model answered by a scripted API (`responses`), for the tests of
what LLM model-days cost, record and replay. The fixture building an app with it, `app_with`, is
in conftest.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import responses
from flask import Flask
from flask.testing import FlaskClient

LLM_URL = "http://llm.test/v1/chat/completions"
PRICING = {"input": 2.0, "cached_input": 0.5, "output": 8.0}
USAGE = {
    "prompt_tokens": 1000,
    "completion_tokens": 200,
    "total_tokens": 1200,
    "prompt_tokens_details": {"cached_tokens": 400},
    "completion_tokens_details": {"reasoning_tokens": 50},
}
# (600 x 2 + 400 x 0.5 + 200 x 8) / 1e6 per call; two calls a day: a buy, then the finish.
CALL_COST = 0.003
DAY_COST = 2 * CALL_COST
GPT = {
    "signature": "gpt-priced",
    "basemodel": "provider/gpt-priced",
    "openai_base_url": "http://llm.test/v1",
    "api_key_env": "TEST_LLM_KEY",
    "pricing": PRICING,
}


def answer(request: Any) -> tuple[int, dict[str, str], str]:
    """Buy one AAPL when the user has just spoken, finish after the tool's answer."""
    messages = json.loads(request.body)["messages"]
    if messages[-1]["role"] == "user":
        call = {"name": "buy", "arguments": json.dumps({"symbol": "AAPL", "amount": 1})}
        message = {
            "role": "assistant",
            "content": "Buying.",
            "tool_calls": [{"id": "c1", "type": "function", "function": call}],
        }
    else:
        message = {"role": "assistant", "content": "Done. <FINISH_SIGNAL>"}
    body = {"choices": [{"message": message, "finish_reason": "stop"}], "usage": USAGE}
    return 200, {}, json.dumps(body)


AppWith = Callable[..., Flask]


def run(client: FlaskClient, end: str, calls: list[Any] | None = None, **body: Any) -> Any:
    """Trigger gpt-priced from 2025-10-01 to end against the scripted API; the job's answer."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, LLM_URL, callback=answer)
        response = client.post(
            "/simulate/trigger",
            json={"start_date": "2025-10-01", "end_date": end, "models": ["gpt-priced"], **body},
        )
        if calls is not None:
            calls.extend(mock.calls)
    return response
