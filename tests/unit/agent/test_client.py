"""Tests of the OpenAI-compatible chat client: parsing, retries and error messages."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import requests
import responses

from service.agent.client import ChatClient, LLMError, parse_message, strip_think

BASE_URL = "https://llm.example/v1/"
URL = "https://llm.example/v1/chat/completions"
KEY = "sk-test-secret-123"
MESSAGES = [{"role": "user", "content": "hi"}]
TOOLS = [{"type": "function", "function": {"name": "get_portfolio", "parameters": {}}}]


def completion(message: dict[str, Any], usage: dict[str, int] | None = None) -> dict[str, Any]:
    """A chat-completions body with one choice."""
    body: dict[str, Any] = {"id": "x", "choices": [{"index": 0, "message": message}]}
    if usage is not None:
        body["usage"] = usage
    return body


TEXT_REPLY = completion({"role": "assistant", "content": "ok"})


class Sleeps(list[float]):
    """A sleep that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    """A recording sleep."""
    return Sleeps()


@pytest.fixture
def client(sleeps: Sleeps) -> ChatClient:
    """A client with two retries and seeded jitter."""
    return ChatClient(
        BASE_URL, KEY, "gpt-test", max_retries=2, base_delay=1.0, sleep=sleeps, rng=random.Random(7)
    )


@pytest.fixture
def mocked() -> Any:
    """All HTTP answered by responses; unused answers fail the test."""
    with responses.RequestsMock() as mock:
        yield mock


class TestRequest:
    def test_posts_model_tools_and_bearer_key(self, client: ChatClient, mocked: Any) -> None:
        mocked.post(URL, json=TEXT_REPLY)
        client.complete(MESSAGES, TOOLS)
        request = mocked.calls[0].request
        assert json.loads(request.body) == {
            "model": "gpt-test",
            "messages": MESSAGES,
            "tools": TOOLS,
            "tool_choice": "auto",
        }
        assert request.headers["Authorization"] == f"Bearer {KEY}"

    def test_body_extras_and_headers_are_sent_as_given(self, mocked: Any) -> None:
        mocked.post(URL, json=TEXT_REPLY)
        extras = {"temperature": 0, "seed": 7, "provider": {"order": ["A", "B"]}}
        headers = {"HTTP-Referer": "https://trader.example", "X-Title": "AI-Trader"}
        ChatClient(BASE_URL, KEY, "m", body_extras=extras, headers=headers).complete(
            MESSAGES, TOOLS
        )
        request = mocked.calls[0].request
        body = json.loads(request.body)
        assert body == {
            "model": "m",
            "messages": MESSAGES,
            "tools": TOOLS,
            "tool_choice": "auto",
            "temperature": 0,
            "seed": 7,
            "provider": {"order": ["A", "B"]},
        }
        assert {name: request.headers[name] for name in headers} == headers
        assert request.headers["Authorization"] == f"Bearer {KEY}"
        assert request.headers["Content-Type"] == "application/json"

    def test_hidden_values_are_masked_in_errors(self, mocked: Any) -> None:
        mocked.post(URL, status=400, json={"error": {"message": "bad token tok-secret-5"}})
        client = ChatClient(
            BASE_URL, KEY, "m", headers={"X-T": "tok-secret-5"}, hidden=("tok-secret-5",)
        )
        with pytest.raises(LLMError) as caught:
            client.complete(MESSAGES, TOOLS)
        assert str(caught.value).endswith("HTTP 400: bad token ***")

    def test_no_authorization_header_without_key(self, mocked: Any) -> None:
        mocked.post(URL, json=TEXT_REPLY)
        ChatClient(BASE_URL, None, "local").complete(MESSAGES, TOOLS)
        assert "Authorization" not in mocked.calls[0].request.headers


class TestParsing:
    def test_text_answer_and_usage(self, client: ChatClient, mocked: Any) -> None:
        usage = {
            "prompt_tokens": 10,
            "completion_tokens": 3,
            "total_tokens": 13,
            "prompt_tokens_details": {"cached_tokens": 4},
            "completion_tokens_details": {"reasoning_tokens": 2},
        }
        mocked.post(URL, json=completion({"role": "assistant", "content": "hold"}, usage))
        response = client.complete(MESSAGES, TOOLS)
        counts = {"prompt_tokens": 10, "completion_tokens": 3, "cached_tokens": 4}
        assert (response.content, response.tool_calls) == ("hold", [])
        assert response.usage == {**counts, "reasoning_tokens": 2}
        assert response.assistant_message == {"role": "assistant", "content": "hold"}

    def test_several_calls_with_object_and_string_arguments(self) -> None:
        response = parse_message(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "a", "function": {"name": "buy", "arguments": {"symbol": "AAPL"}}},
                    {"function": {"name": "sell", "arguments": '{"amount": 2}'}},
                    {"id": "", "function": {"name": "get_portfolio", "arguments": ""}},
                ],
            }
        )
        assert response.content is None
        calls = [(c.id, c.name, c.arguments, c.error) for c in response.tool_calls]
        assert calls == [
            ("a", "buy", {"symbol": "AAPL"}, None),
            ("call_1", "sell", {"amount": 2}, None),
            ("call_2", "get_portfolio", {}, None),
        ]
        wire = [call["function"]["arguments"] for call in response.assistant_message["tool_calls"]]
        assert wire == ['{"symbol": "AAPL"}', '{"amount": 2}', "{}"]

    @pytest.mark.parametrize(
        ("raw", "reason"),
        [('{"symbol": "AAPL"', "not valid JSON"), ("[1, 2]", "JSON object"), (5, "JSON object")],
    )
    def test_unusable_arguments_give_an_error(self, raw: Any, reason: str) -> None:
        message = {"tool_calls": [{"id": "a", "function": {"name": "buy", "arguments": raw}}]}
        call = parse_message(message).tool_calls[0]
        assert call.arguments is None
        assert call.error is not None and reason in call.error
        assert call.raw_arguments == (raw if isinstance(raw, str) else json.dumps(raw))

    def test_think_blocks_removed_but_raw_kept(self) -> None:
        raw = "<think>buy everything?</think>\nHolding. <FINISH_SIGNAL>"
        response = parse_message({"role": "assistant", "content": raw})
        assert response.content == "Holding. <FINISH_SIGNAL>"
        assert response.raw_content == raw
        assert response.assistant_message["content"] == "Holding. <FINISH_SIGNAL>"

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("a<think>x</think>b<think>y\nz</think>c", "abc"),
            ("implicit opening</think> answer", "answer"),
            ("answer <think>cut off by max_tokens", "answer"),
            ("no reasoning", "no reasoning"),
        ],
    )
    def test_strip_think(self, text: str, expected: str) -> None:
        assert strip_think(text) == expected


class TestRetries:
    def test_429_honours_retry_after(self, client: ChatClient, mocked: Any, sleeps: Sleeps) -> None:
        mocked.post(
            URL, status=429, headers={"Retry-After": "7"}, json={"error": {"message": "slow"}}
        )
        mocked.post(URL, json=TEXT_REPLY)
        assert client.complete(MESSAGES, TOOLS).content == "ok"
        assert sleeps == [7.0]

    def test_503_twice_then_success_backs_off(
        self, client: ChatClient, mocked: Any, sleeps: Sleeps
    ) -> None:
        mocked.post(URL, status=503, body="upstream down")
        mocked.post(URL, status=503, body="upstream down")
        mocked.post(URL, json=TEXT_REPLY)
        assert client.complete(MESSAGES, TOOLS).content == "ok"
        assert len(mocked.calls) == 3
        assert 1.0 <= sleeps[0] <= 2.0 and 2.0 <= sleeps[1] <= 4.0

    def test_delays_are_capped(self, mocked: Any, sleeps: Sleeps) -> None:
        mocked.post(URL, status=500, headers={"Retry-After": "3600"})
        mocked.post(URL, status=500)
        mocked.post(URL, status=500)
        client = ChatClient(BASE_URL, KEY, "m", max_retries=2, base_delay=45.0, sleep=sleeps)
        with pytest.raises(LLMError, match="HTTP 500"):
            client.complete(MESSAGES, TOOLS)
        assert sleeps == [60.0, 60.0]

    @pytest.mark.parametrize(
        "error",
        [requests.exceptions.Timeout("read timed out"), requests.ConnectionError("refused")],
    )
    def test_network_errors_retried_then_fail(
        self, client: ChatClient, mocked: Any, sleeps: Sleeps, error: Exception
    ) -> None:
        mocked.post(URL, body=error)
        with pytest.raises(LLMError, match=f"{type(error).__name__}.*gave up after 3 attempts"):
            client.complete(MESSAGES, TOOLS)
        assert len(mocked.calls) == 3 and len(sleeps) == 2


class TestFailures:
    def test_401_fails_at_once_with_provider_message_and_no_key(
        self, client: ChatClient, mocked: Any, sleeps: Sleeps
    ) -> None:
        error = {"error": {"message": f"Incorrect API key provided: {KEY}", "code": "invalid_key"}}
        mocked.post(URL, status=401, json=error)
        with pytest.raises(LLMError) as caught:
            client.complete(MESSAGES, TOOLS)
        message = str(caught.value)
        assert "401" in message and "Incorrect API key provided" in message
        assert KEY not in message
        assert len(mocked.calls) == 1 and sleeps == []

    def test_error_body_that_is_not_json_is_shortened(
        self, client: ChatClient, mocked: Any
    ) -> None:
        mocked.post(URL, status=400, body="<html>" + "x" * 1000)
        with pytest.raises(LLMError, match=r"HTTP 400: <html>x+\.\.\.$"):
            client.complete(MESSAGES, TOOLS)

    def test_success_status_with_malformed_json(self, client: ChatClient, mocked: Any) -> None:
        mocked.post(URL, body='{"choices": [', content_type="application/json")
        with pytest.raises(LLMError, match="not JSON"):
            client.complete(MESSAGES, TOOLS)

    @pytest.mark.parametrize(
        ("body", "reason"),
        [
            ({"choices": []}, "no choices"),
            ({"error": {"message": "model overloaded"}}, "model overloaded"),
            ({"choices": [{"index": 0}]}, "no message"),
        ],
    )
    def test_success_status_without_a_message(
        self, client: ChatClient, mocked: Any, body: dict[str, Any], reason: str
    ) -> None:
        mocked.post(URL, json=body)
        with pytest.raises(LLMError, match=reason):
            client.complete(MESSAGES, TOOLS)

    def test_bad_base_url_is_an_llm_error(self) -> None:
        with pytest.raises(LLMError, match="gpt-test"):
            ChatClient("not-a-url", KEY, "gpt-test").complete(MESSAGES, TOOLS)
