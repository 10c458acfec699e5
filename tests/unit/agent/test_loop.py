"""Tests of the agent loop: tool execution, stop conditions and what gets recorded."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses

from service.agent.client import ChatClient, ChatResponse, LLMError, parse_message
from service.agent.loop import DayLimits, TimeLimitExceeded, run_conversation
from service.agent.news import NewsIndex
from service.agent.tools import TradingTools, tool_definitions
from service.journal import LogEntry, ToolStat
from service.market.catalog import NASDAQ100
from service.portfolio.engine import OrderBook

BookFactory = Callable[..., OrderBook]

URL = "https://llm.example/v1/chat/completions"
KEY = "sk-loop-key"
NOW = datetime(2025, 10, 1, 13, 30, tzinfo=UTC)
STAMP = "2025-10-01T13:30:00.000Z"


def call(call_id: str, name: str, arguments: Any) -> dict[str, Any]:
    """One tool call in OpenAI format."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def turn(content: str | None, *calls: dict[str, Any]) -> dict[str, Any]:
    """One assistant message in OpenAI format."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = list(calls)
    return message


class ScriptedClient:
    """Answers with the given assistant messages in order, keeping what it was sent."""

    def __init__(self, *turns: dict[str, Any], usage: dict[str, int] | None = None) -> None:
        self.turns: Iterator[dict[str, Any]] = iter(turns)
        self.usage = usage
        self.sent: list[list[dict[str, Any]]] = []

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> ChatResponse:
        """The next scripted turn."""
        self.sent.append(messages)
        return parse_message(next(self.turns), self.usage)


@pytest.fixture
def tools(make_book: BookFactory, news: NewsIndex) -> TradingTools:
    """Tools on a book with 1000 cash and 4 MSFT."""
    return TradingTools(make_book(cash=1000.0, shares={"MSFT": 4}), news)


def run(client: Any, tools: TradingTools, max_steps: int | DayLimits = 30) -> Any:
    """run_conversation with a clock ticking 0.25 s per reading and a fixed time."""
    ticks = itertools.count(0.0, 0.25)
    return run_conversation(
        client, tools, "SYSTEM", "USER", max_steps, clock=lambda: next(ticks), now=lambda: NOW
    )


SCRIPT = [
    turn(
        None,
        call("c1", "get_price_local", '{"symbol": "AAPL", "date": "2025-09-30"}'),
        call("c2", "get_portfolio", {}),
    ),
    turn("Buying Apple.", call("c3", "buy", '{"symbol": "AAPL", "amount": 5}')),
    turn(None, call("c4", "sell", {"symbol": "MSFT", "amount": 2})),
    turn("<think>enough?</think>All set. <FINISH_SIGNAL>"),
]
BAR = {"open": 101.0, "high": None, "low": None, "close": 101.5, "volume": None}
BUY = {"action": "buy", "symbol": "AAPL", "amount": 5, "price": 102.0, "cash_after": 490.0}
SELL = {"action": "sell", "symbol": "MSFT", "amount": 2, "price": 112.0, "cash_after": 714.0}
EXPECTED_LOG = [
    (0, "system", "SYSTEM", None),
    (0, "user", "USER", None),
    (
        1,
        "assistant",
        '[tool call] get_price_local({"symbol": "AAPL", "date": "2025-09-30"})\n'
        "[tool call] get_portfolio({})",
        None,
    ),
    (1, "tool", json.dumps({"symbol": "AAPL", "date": "2025-09-30", **BAR}), "get_price_local"),
    (
        1,
        "tool",
        json.dumps({"date": "2025-10-01", "cash": 1000.0, "shares": {"MSFT": 4}}),
        "get_portfolio",
    ),
    (2, "assistant", 'Buying Apple.\n[tool call] buy({"symbol": "AAPL", "amount": 5})', None),
    (2, "tool", json.dumps({**BUY, "shares_after": {"MSFT": 4, "AAPL": 5}}), "buy"),
    (3, "assistant", '[tool call] sell({"symbol": "MSFT", "amount": 2})', None),
    (3, "tool", json.dumps({**SELL, "shares_after": {"MSFT": 2, "AAPL": 5}}), "sell"),
    (4, "assistant", "<think>enough?</think>All set. <FINISH_SIGNAL>", None),
]


def test_scripted_conversation_over_http(tools: TradingTools) -> None:
    with responses.RequestsMock() as mock:
        for index, message in enumerate(SCRIPT):
            usage = {"prompt_tokens": 100 * (index + 1), "completion_tokens": 10, "total_tokens": 0}
            mock.post(URL, json={"choices": [{"message": message}], "usage": usage})
        client = ChatClient("https://llm.example/v1", KEY, "gpt-5", sleep=lambda _: None)
        conversation = run(client, tools)
        bodies = [json.loads(sent.request.body or b"") for sent in mock.calls]
        headers = [sent.request.headers["Authorization"] for sent in mock.calls]

    assert [(f.action_type, f.symbol, f.amount, f.price) for f in tools.book.fills] == [
        ("buy", "AAPL", 5, 102.0),
        ("sell", "MSFT", 2, 112.0),
    ]
    assert conversation.messages == [LogEntry(*entry, STAMP) for entry in EXPECTED_LOG]
    assert conversation.tool_usage == {
        name: ToolStat(1, 0.25) for name in ("get_price_local", "get_portfolio", "buy", "sell")
    }
    assert conversation.usage == {"prompt_tokens": 1000, "completion_tokens": 40}
    assert (conversation.finished_by, conversation.steps) == ("finish_signal", 4)
    assert headers == [f"Bearer {KEY}"] * 4
    assert {(b["model"], b["tool_choice"], json.dumps(b["tools"])) for b in bodies} == {
        ("gpt-5", "auto", json.dumps(tool_definitions(NASDAQ100)))
    }
    assert bodies[0]["messages"] == [
        {"role": "system", "content": "SYSTEM"},
        {"role": "user", "content": "USER"},
    ]
    assert bodies[1]["messages"][2] == turn(
        None,
        call("c1", "get_price_local", '{"symbol": "AAPL", "date": "2025-09-30"}'),
        call("c2", "get_portfolio", "{}"),
    )
    assert [(m["role"], m["tool_call_id"]) for m in bodies[1]["messages"][3:]] == [
        ("tool", "c1"),
        ("tool", "c2"),
    ]
    assert bodies[3]["messages"][-1]["content"] == EXPECTED_LOG[8][2]


def test_calls_sent_with_the_finish_signal_still_run(tools: TradingTools) -> None:
    client = ScriptedClient(
        turn("Selling. <FINISH_SIGNAL>", call("a", "sell", '{"symbol": "MSFT", "amount": 1}'))
    )
    conversation = run(client, tools)
    assert (conversation.finished_by, conversation.steps) == ("finish_signal", 1)
    assert tools.book.state.shares == {"MSFT": 3}


def test_signal_inside_think_block_does_not_finish(tools: TradingTools) -> None:
    client = ScriptedClient(
        turn("<think>then say <FINISH_SIGNAL></think>Checking.", call("a", "get_portfolio", "")),
        turn("Holding."),
    )
    conversation = run(client, tools)
    assert (conversation.finished_by, conversation.steps) == ("no_tool_calls", 2)


def test_max_steps(tools: TradingTools) -> None:
    client = ScriptedClient(*[turn(None, call(f"c{i}", "get_portfolio", "{}")) for i in range(5)])
    conversation = run(client, tools, max_steps=3)
    assert (conversation.finished_by, conversation.steps, len(client.sent)) == ("max_steps", 3, 3)
    assert conversation.tool_usage == {"get_portfolio": ToolStat(3, 0.75)}
    assert conversation.usage is None


def test_several_calls_run_in_order_selling_first_frees_cash(tools: TradingTools) -> None:
    client = ScriptedClient(
        turn(
            None,
            call("a", "sell", '{"symbol": "MSFT", "amount": 4}'),
            call("b", "buy", {"symbol": "NVDA", "amount": 11}),
        ),
        turn("Done."),
    )
    run(client, tools)
    assert [fill.action_type for fill in tools.book.fills] == ["sell", "buy"]
    assert tools.book.state.shares == {"NVDA": 11}


def test_bad_calls_become_tool_errors_and_the_loop_goes_on(tools: TradingTools) -> None:
    client = ScriptedClient(
        turn(
            "Trying.",
            call("a", "buy", '{"symbol": "AAPL", "amount": 5'),
            call("b", "launch_rocket", "{}"),
            call("c", "buy", {"symbol": "AAPL", "amount": -1}),
        ),
        turn("Giving up."),
    )
    conversation = run(client, tools)
    errors = [json.loads(m["content"])["error"] for m in client.sent[1] if m["role"] == "tool"]
    assert "not valid JSON" in errors[0] and "unknown tool" in errors[1]
    assert "positive" in errors[2]
    assert client.sent[1][2]["tool_calls"][0]["function"]["arguments"] == "{}"
    assert '[tool call] buy({"symbol": "AAPL", "amount": 5)' in conversation.messages[2].content
    assert conversation.finished_by == "no_tool_calls" and tools.book.fills == []


def test_llm_error_propagates(tools: TradingTools) -> None:
    class Failing:
        """A client whose provider refuses the key."""

        def complete(self, messages: Any, tools: Any) -> ChatResponse:
            """Fail as a provider would."""
            raise LLMError("HTTP 401: bad key")

    with pytest.raises(LLMError, match="bad key"):
        run(Failing(), tools)


def test_real_clock_and_timestamps(tools: TradingTools) -> None:
    client = ScriptedClient(turn(None, call("a", "get_portfolio", "{}")), turn("ok"))
    conversation = run_conversation(client, tools, "S", "U")
    assert conversation.tool_usage["get_portfolio"].total_duration_seconds >= 0
    stamp = datetime.fromisoformat(conversation.messages[0].timestamp)
    assert stamp.utcoffset() == timedelta(0)


def test_max_steps_must_be_positive(tools: TradingTools) -> None:
    with pytest.raises(ValueError, match="max_steps"):
        run(ScriptedClient(), tools, max_steps=0)


LOOKUP = turn(None, call("a", "get_portfolio", "{}"))
PRICED = {"input": 1.0, "output": 10.0}
# 1000 x 1 + 40 x 10 per million: 0.0014 USD per answer.
ANSWER_USAGE = {"prompt_tokens": 1000, "completion_tokens": 40}


def test_the_day_budget_ends_the_conversation_after_the_answer_that_reached_it(
    tools: TradingTools,
) -> None:
    client = ScriptedClient(LOOKUP, LOOKUP, LOOKUP, usage=ANSWER_USAGE)
    limits = DayLimits(max_steps=30, max_cost_usd=0.0025, pricing=PRICED)

    conversation = run(client, tools, limits)

    assert len(client.sent) == 2 and conversation.finished_by == "budget_reached"
    last = conversation.messages[-1]
    assert (last.role, last.step_number) == ("system", 2)
    assert "budget of 0.0025 USD was reached (0.0028 USD spent)" in last.content
    assert limits.spent(conversation.usage) == pytest.approx(0.0028)


def test_a_day_budget_without_pricing_never_stops_a_conversation(tools: TradingTools) -> None:
    client = ScriptedClient(LOOKUP, LOOKUP, turn("done"), usage=ANSWER_USAGE)

    conversation = run(client, tools, DayLimits(max_cost_usd=0.0))

    assert len(client.sent) == 3 and conversation.finished_by == "no_tool_calls"


def test_a_day_longer_than_max_seconds_stops_before_the_next_model_call(
    tools: TradingTools,
) -> None:
    client = ScriptedClient(*[LOOKUP] * 10)

    # The test clock reads 0.25 s further at every look: a step takes about a second.
    with pytest.raises(TimeLimitExceeded, match=r"max_seconds_per_day \(2 s\).*before model call"):
        run(client, tools, DayLimits(max_seconds=2))
    assert 1 < len(client.sent) < 10
