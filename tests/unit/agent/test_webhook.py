"""Tests of webhook agents: signed requests, retries, answers checked, orders placed, records."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import responses

from service.agent.loop import TimeLimitExceeded
from service.agent.pull import SessionRecord
from service.agent.webhook import (
    MAX_ORDERS,
    MODEL_HEADER,
    SIGNATURE_HEADER,
    STEP_HEADER,
    WebhookAgent,
    WebhookError,
    public_url,
    sign,
)
from service.journal import LogEntry
from service.models_config import AgentConfig, ModelSpec
from service.portfolio.engine import OrderBook
from service.settings import Settings
from service.trading import trade_day

URL = "https://agent.example/decide"
SECRET = "whsec-test-0123456789"
OBSERVATION = {"step": "2025-10-01", "cash": 1000.0}
NOW = 1_760_000_000
BookFactory = Callable[..., OrderBook]


class Sleeps(list[float]):
    """A sleep that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    """A recording sleep."""
    return Sleeps()


@pytest.fixture
def agent(sleeps: Sleeps) -> WebhookAgent:
    """An agent with two retries, seeded jitter and a fixed clock."""
    return WebhookAgent(
        URL, SECRET, "bot", max_retries=2, sleep=sleeps, rng=random.Random(3), clock=lambda: NOW
    )


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """All HTTP answered by responses; unused answers fail the test."""
    with responses.RequestsMock() as mock:
        yield mock


def verify(secret: str, body: bytes, header: str) -> int:
    """What an agent does: recompute the signature over the raw body; the timestamp."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(
        secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(expected, fields["v1"])
    return int(fields["t"])


class TestSigning:
    def test_request_is_signed_and_names_model_and_step(
        self, agent: WebhookAgent, mocked: responses.RequestsMock
    ) -> None:
        mocked.post(URL, json={"orders": [], "reasoning": "hold"})
        answer = agent.decide("2025-10-01", OBSERVATION)
        assert (answer.orders, answer.reasoning) == ([], "hold")
        request = mocked.calls[0].request
        body = request.body
        assert isinstance(body, bytes) and json.loads(body) == OBSERVATION
        assert verify(SECRET, body, request.headers[SIGNATURE_HEADER]) == NOW
        assert request.headers[MODEL_HEADER] == "bot"
        assert request.headers[STEP_HEADER] == "2025-10-01"
        assert request.headers["Content-Type"] == "application/json"
        assert SECRET not in str(request.headers) and SECRET.encode() not in body

    def test_signature_depends_on_secret_time_and_body(self) -> None:
        base = sign("s", b"{}", 1)
        assert base.startswith("t=1,v1=") and len(base.split("v1=")[1]) == 64
        assert len({base, sign("t", b"{}", 1), sign("s", b"{} ", 1), sign("s", b"{}", 2)}) == 4

    def test_each_retry_is_signed_at_its_own_time(
        self, sleeps: Sleeps, mocked: responses.RequestsMock
    ) -> None:
        times = iter([NOW, NOW + 5])
        agent = WebhookAgent(URL, SECRET, "bot", sleep=sleeps, clock=lambda: next(times))
        mocked.post(URL, status=503)
        mocked.post(URL, json={})
        agent.decide("2025-10-01", OBSERVATION)
        stamps = [
            verify(SECRET, call.request.body, call.request.headers[SIGNATURE_HEADER])  # type: ignore[arg-type]
            for call in mocked.calls
        ]
        assert stamps == [NOW, NOW + 5]


class TestRetries:
    def test_429_503_and_timeout_are_retried_then_succeed(
        self, sleeps: Sleeps, mocked: responses.RequestsMock
    ) -> None:
        agent = WebhookAgent(URL, SECRET, "bot", max_retries=3, sleep=sleeps, rng=random.Random(1))
        mocked.post(URL, status=429, headers={"Retry-After": "2"})
        mocked.post(URL, status=503)
        mocked.post(URL, body=requests.Timeout("read timed out"))
        mocked.post(URL, json={"orders": [{"action": "buy", "symbol": "AAPL", "amount": 1}]})
        answer = agent.decide("2025-10-01", OBSERVATION)
        assert [order.symbol for order in answer.orders] == ["AAPL"]
        assert len(mocked.calls) == 4
        assert sleeps[0] == 2.0 and 2.0 <= sleeps[1] < 4.0 and 4.0 <= sleeps[2] < 8.0

    def test_fails_after_max_retries_with_the_last_failure(
        self, agent: WebhookAgent, mocked: responses.RequestsMock
    ) -> None:
        for _ in range(3):
            mocked.post(URL, status=502, json={"error": "bad gateway"})
        with pytest.raises(WebhookError) as error:
            agent.decide("2025-10-01", OBSERVATION)
        assert str(error.value) == (
            "agent of bot at https://agent.example/decide: HTTP 502: bad gateway;"
            " gave up after 3 attempts"
        )

    def test_other_statuses_fail_at_once(
        self, agent: WebhookAgent, mocked: responses.RequestsMock
    ) -> None:
        mocked.post(URL, status=401, json={"error": f"bad signature, expected {SECRET}"})
        with pytest.raises(WebhookError, match="HTTP 401: bad signature") as error:
            agent.decide("2025-10-01", OBSERVATION)
        assert SECRET not in str(error.value) and "***" in str(error.value)
        assert len(mocked.calls) == 1

    def test_url_credentials_and_query_never_shown(
        self, sleeps: Sleeps, mocked: responses.RequestsMock
    ) -> None:
        url = "https://user:pw@agent.example:8443/hook?token=abc"
        assert public_url(url) == "https://agent.example:8443/hook"
        agent = WebhookAgent(url, SECRET, "bot", max_retries=0, sleep=sleeps)
        mocked.post(re.compile(r"https://.*/hook.*"), body=requests.ConnectionError("refused"))
        with pytest.raises(WebhookError) as error:
            agent.decide("2025-10-01", OBSERVATION)
        assert "pw" not in str(error.value) and "token" not in str(error.value)
        assert "ConnectionError; gave up after 1 attempts" in str(error.value)

    def test_retries_stop_at_max_seconds_per_day(
        self, sleeps: Sleeps, mocked: responses.RequestsMock
    ) -> None:
        seconds = iter([0.0, 1.0, 9.0])
        agent = WebhookAgent(
            URL,
            SECRET,
            "bot",
            max_retries=5,
            sleep=sleeps,
            max_seconds=5,
            elapsed=lambda: next(seconds),
        )
        mocked.post(URL, status=503)
        with pytest.raises(
            TimeLimitExceeded, match=r"max_seconds_per_day \(5 s\): stopped after 9.0"
        ):
            agent.decide("2025-10-01", OBSERVATION)
        assert len(mocked.calls) == 1


class TestAnswers:
    @pytest.mark.parametrize(
        ("body", "problem"),
        [
            ("not json", "answer is not JSON: not json"),
            (json.dumps([1]), "the answer must be a JSON object"),
            (json.dumps({"orders": "buy"}), "Not a valid list"),
            (json.dumps({"orders": [{"action": "short", "symbol": "A", "amount": 1}]}), "action"),
            (json.dumps({"orders": [{"action": "buy", "symbol": "A", "amount": 0}]}), "amount"),
            (json.dumps({"orders": [{"action": "buy", "symbol": "A", "amount": "x"}]}), "amount"),
            (json.dumps({"orders": [{"action": "buy", "amount": 1}]}), "symbol"),
            (
                json.dumps({"orders": [{"action": "buy", "symbol": "A" * 33, "amount": 1}]}),
                "symbol",
            ),
            (json.dumps({"reasoning": 5}), "reasoning"),
            (
                json.dumps({"orders": [{"action": "buy", "symbol": "A", "amount": 1}] * 101}),
                "orders",
            ),
        ],
    )
    def test_invalid_answers_fail_at_once_and_say_why(
        self, agent: WebhookAgent, mocked: responses.RequestsMock, body: str, problem: str
    ) -> None:
        mocked.post(URL, body=body)
        with pytest.raises(WebhookError, match="invalid answer|not JSON") as error:
            agent.decide("2025-10-01", OBSERVATION)
        assert problem in str(error.value)
        assert len(mocked.calls) == 1
        assert MAX_ORDERS == 100

    def test_extra_fields_are_ignored_and_reasoning_optional(
        self, agent: WebhookAgent, mocked: responses.RequestsMock
    ) -> None:
        order = {"action": "sell", "symbol": "msft", "amount": "2", "note": "x"}
        mocked.post(URL, json={"orders": [order], "version": 2})
        answer = agent.decide("2025-10-01", OBSERVATION)
        assert answer.reasoning == ""
        assert [(o.action, o.symbol, o.amount) for o in answer.orders] == [("sell", "msft", 2.0)]


class NoReplay:
    """A ResponseLog of a model-day run for the first time."""

    replaying = False

    def recorded(self) -> dict[str, str]:
        return {}

    def record(self, entry: LogEntry) -> None:
        raise AssertionError("a webhook agent records nothing before its day is stored")


class NoSession:
    """A SessionHost a webhook agent must never use: its answer comes back on the request."""

    def open(self, record: SessionRecord, timeout: float) -> None:
        raise AssertionError("a webhook agent opens no session")

    def wait(self) -> SessionRecord:
        raise AssertionError("a webhook agent waits for no session")


def http_spec(**changes: Any) -> ModelSpec:
    """An http model whose secret is in AGENT_SECRET."""
    fields = {"agent_url": URL, "agent_secret_env": "AGENT_SECRET", **changes}
    return ModelSpec("bot", "Bot", provider="http", **fields)


SETTINGS = Settings(secrets={"AGENT_SECRET": SECRET})
FAST = AgentConfig(max_retries=1, base_delay=0.0)


class TestTradeDay:
    def test_orders_are_filled_or_rejected_and_everything_recorded(
        self, make_book: BookFactory, mocked: responses.RequestsMock
    ) -> None:
        book = make_book(cash=1000.0, shares={"MSFT": 4})
        orders = [
            {"action": "sell", "symbol": "MSFT", "amount": 4},
            {"action": "buy", "symbol": "aapl", "amount": 3},
            {"action": "buy", "symbol": "NOPE", "amount": 1},
            {"action": "buy", "symbol": "NVDA", "amount": 1e12},
            {"action": "sell", "symbol": "TSLA", "amount": 1},
        ]
        mocked.post(URL, json={"orders": orders, "reasoning": "rotate into Apple"})
        record = trade_day(http_spec(), FAST, book, 3, SETTINGS, NoReplay(), NoSession())

        assert [(f.action_type, f.symbol, f.amount) for f in book.fills] == [
            ("sell", "MSFT", 4),
            ("buy", "AAPL", 3),
        ]
        roles = [(entry.role, entry.tool_name) for entry in record.logs]
        assert roles == [("user", None), ("assistant", None)] + [
            ("tool", order["action"]) for order in orders
        ]
        sent = json.loads(record.logs[0].content)
        assert sent == json.loads(mocked.calls[0].request.body or b"")
        assert sent["portfolio"]["shares"] == {"MSFT": 4}
        said = record.logs[1].content.splitlines()
        assert said[0] == "rotate into Apple"
        assert said[1] == '[tool call] sell({"symbol": "MSFT", "amount": 4.0})'
        results = [json.loads(entry.content) for entry in record.logs[2:]]
        assert results[1]["price"] == 102.0 and results[1]["amount"] == 3
        assert results[2]["error"] == "unknown symbol NOPE: it is not in the universe"
        assert "error" in results[3] and "error" in results[4]
        assert {name: stat.call_count for name, stat in record.tool_usage.items()} == {
            "buy": 3,
            "sell": 2,
        }
        assert record.cost_usd is None and not record.usage

    def test_echoed_secret_is_masked_in_the_record(
        self, make_book: BookFactory, mocked: responses.RequestsMock
    ) -> None:
        order = {"action": "buy", "symbol": SECRET, "amount": 1}
        mocked.post(URL, json={"orders": [order], "reasoning": f"my secret is {SECRET}"})
        record = trade_day(http_spec(), FAST, make_book(), 3, SETTINGS, NoReplay(), NoSession())
        text = "\n".join(entry.content for entry in record.logs)
        assert SECRET.lower() not in text.lower() and "my secret is ***" in text

    def test_failure_after_retries_fails_the_day(
        self, make_book: BookFactory, mocked: responses.RequestsMock
    ) -> None:
        mocked.post(URL, body=requests.Timeout())
        mocked.post(URL, status=500)
        book = make_book()
        with pytest.raises(WebhookError, match="HTTP 500.*gave up after 2 attempts"):
            trade_day(http_spec(), FAST, book, 3, SETTINGS, NoReplay(), NoSession())
        assert not book.fills

    def test_missing_secret_fails_before_any_request(self, make_book: BookFactory) -> None:
        with pytest.raises(WebhookError, match="AGENT_SECRET holding the secret of bot's agent"):
            trade_day(http_spec(), FAST, make_book(), 3, Settings(), NoReplay(), NoSession())

    def test_a_replay_asks_no_agent(self, make_book: BookFactory) -> None:
        log = NoReplay()
        log.replaying = True
        with pytest.raises(WebhookError, match="cannot be replayed"):
            trade_day(http_spec(), FAST, make_book(), 3, SETTINGS, log, NoSession())
