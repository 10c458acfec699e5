"""Tests of the offline mock LLM: deterministic, and trading through real tool calls."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.agent.client import ChatResponse
from service.agent.loop import run_conversation
from service.agent.mock import MockChatClient
from service.agent.news import NewsIndex
from service.agent.prompt import FINISH_SIGNAL
from service.agent.tools import TradingTools, tool_definitions
from service.market.catalog import NASDAQ100
from service.portfolio.engine import OrderBook

BookFactory = Callable[..., OrderBook]

OPENING = [{"role": "system", "content": "rules"}, {"role": "user", "content": "trade"}]
ROOT = Path(__file__).resolve().parents[3]


def first_turn(signature: str, day: str) -> ChatResponse:
    """The mock's answer to a fresh conversation."""
    return MockChatClient(signature, day, NASDAQ100.watchlist).complete(
        OPENING, tool_definitions(NASDAQ100)
    )


def after_lookup(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation after one assistant turn whose calls answered `results`."""
    tool_messages = [
        {"role": "tool", "tool_call_id": f"call_0_{index}", "content": json.dumps(result)}
        for index, result in enumerate(results)
    ]
    return [*OPENING, {"role": "assistant", "content": "looking"}, *tool_messages]


def test_first_turn_looks_up_prices_and_portfolio() -> None:
    response = first_turn("mock-a", "2025-10-01")
    names = [call.name for call in response.tool_calls]
    assert names[-1] == "get_portfolio" and names[:-1] == ["get_price_local"] * (len(names) - 1)
    symbols = [call.arguments["symbol"] for call in response.tool_calls[:-1] if call.arguments]
    assert 2 <= len(set(symbols)) == len(symbols) <= 3
    assert set(symbols) <= set(NASDAQ100.watchlist)
    usage = response.usage
    assert usage is not None and usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0


def test_same_inputs_same_calls_other_days_differ() -> None:
    days = [f"2025-10-{day:02d}" for day in range(1, 11)]
    turns = [first_turn("mock-a", day).assistant_message for day in days]
    assert turns == [first_turn("mock-a", day).assistant_message for day in days]
    assert len({json.dumps(turn) for turn in turns}) > 1
    other = [first_turn("mock-b", day).assistant_message for day in days]
    assert other != turns


def test_independent_of_python_hash_seed() -> None:
    code = (
        "import json; from service.agent.mock import MockChatClient; "
        "from service.market.catalog import NASDAQ100; "
        "r = MockChatClient('mock-a', '2025-10-01', NASDAQ100.watchlist).complete([], []); "
        "print(json.dumps(r.assistant_message))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert outputs == {
        json.dumps(
            MockChatClient("mock-a", "2025-10-01", NASDAQ100.watchlist)
            .complete([], [])
            .assistant_message
        )
        + "\n"
    }


def test_second_turn_sells_held_and_buys_affordable() -> None:
    messages = after_lookup(
        [
            {"symbol": "AAPL", "date": "2025-10-01", "open": 102.0},
            {"symbol": "NVDA", "date": "2025-10-01", "open": 600.0},
            {"error": "unknown symbol"},
            {"date": "2025-10-01", "cash": 500.0, "shares": {"MSFT": 2}},
        ]
    )
    calls = (
        MockChatClient("mock-a", "2025-10-01", NASDAQ100.watchlist)
        .complete(messages, tool_definitions(NASDAQ100))
        .tool_calls
    )
    orders = [(call.name, call.arguments) for call in calls]
    assert [name for name, _ in orders] == ["sell", "buy"]
    sell, buy = (arguments or {} for _, arguments in orders)
    assert sell["symbol"] == "MSFT" and 1 <= sell["amount"] <= 2
    assert buy["symbol"] == "AAPL" and 1 <= buy["amount"] <= 4


def test_nothing_to_sell_or_afford_finishes() -> None:
    messages = after_lookup(
        [
            {"symbol": "AAPL", "date": "2025-10-01", "open": 102.0},
            {"date": "2025-10-01", "cash": 50.0, "shares": {}},
        ]
    )
    response = MockChatClient("mock-a", "2025-10-01", NASDAQ100.watchlist).complete(
        messages, tool_definitions(NASDAQ100)
    )
    assert response.tool_calls == [] and FINISH_SIGNAL in (response.content or "")


def test_run_through_the_loop_trades_on_the_book(make_book: BookFactory, news: NewsIndex) -> None:
    book = make_book(cash=10_000.0, shares={"NVDA": 5})
    conversation = run_conversation(
        MockChatClient("mock-a", "2025-10-01", NASDAQ100.watchlist),
        TradingTools(book, news),
        "rules",
        "trade",
    )
    assert conversation.finished_by == "finish_signal" and conversation.steps == 3
    assert [fill.action_type for fill in book.fills] == ["sell", "buy"]
    assert book.fills[0].symbol == "NVDA" and book.state.cash != 10_000.0
    assert conversation.tool_usage["get_portfolio"].call_count == 1
    assert conversation.tool_usage["get_price_local"].call_count in (2, 3)
    assert all('"error"' not in entry.content for entry in conversation.messages)
