"""The mock LLM under other markets' rules: it learns them from the prompt and the tools and
trades within them, with no watchlist to lean on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.agent.loop import run_conversation
from service.agent.mock import MockChatClient
from service.agent.news import NewsIndex
from service.agent.prompt import render_system_prompt, user_message
from service.agent.tools import TradingTools, tool_definitions
from service.market.asof import AsOfView
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings, OrderBook
from tests.unit.market_shapes import COINS, LOTS_T1

DAYS = ("2025-09-30", "2025-10-01", "2025-10-02")
SIGNATURES = [f"mock-{index}" for index in range(12)]


def trade_days(
    prices: PriceData, news: NewsIndex, rules: MarketRules, signature: str, start: Holdings
) -> tuple[list[OrderBook], list[str]]:
    """The mock's books over DAYS, each from the day before; every tool answer it got."""
    books, answers, holdings = [], [], start
    for day in DAYS:
        book = OrderBook(AsOfView(prices, day, rules), holdings)
        conversation = run_conversation(
            MockChatClient(signature, day, rules.watchlist),
            TradingTools(book, news),
            render_system_prompt(book.view, book.state),
            user_message(day),
        )
        assert conversation.finished_by == "finish_signal"
        answers += [entry.content for entry in conversation.messages if entry.role == "tool"]
        books.append(book)
        holdings = book.state
    return books, answers


@pytest.mark.parametrize(
    ("rules", "start"),
    [
        (LOTS_T1, Holdings(100_000.0, {"AAPL": 250, "MSFT": 40})),  # odd lots
        (COINS, Holdings(50_000.0, {"AAPL": 1.5, "NVDA": 0.123456})),  # one off the step
    ],
    ids=["lots and T+1", "decimals"],
)
def test_the_mock_trades_within_the_rules_with_no_refusal(
    prices: PriceData, news: NewsIndex, rules: MarketRules, start: Holdings
) -> None:
    fills = 0
    for signature in SIGNATURES:
        books, answers = trade_days(prices, news, rules, signature, start)
        assert not [answer for answer in answers if '"error"' in answer]
        for book in books:
            whole_holdings = tuple(book.start.shares.values())
            for fill in book.fills:
                assert fill.amount in (rules.floor_quantity(fill.amount), *whole_holdings)
            fills += len(book.fills)
    assert fills >= len(SIGNATURES) * len(DAYS)  # it does trade, not only look


def test_without_a_watchlist_the_mock_looks_at_the_first_symbols_of_the_prompt(
    prices: PriceData,
) -> None:
    view = AsOfView(prices, "2025-10-01", LOTS_T1)
    assert LOTS_T1.watchlist == ()
    messages = [
        {"role": "system", "content": render_system_prompt(view, Holdings(1000.0))},
        {"role": "user", "content": user_message(view.day)},
    ]
    symbols = set()
    for signature in SIGNATURES:
        response = MockChatClient(signature, view.day, ()).complete(
            messages, tool_definitions(LOTS_T1)
        )
        symbols |= {call.arguments["symbol"] for call in response.tool_calls if call.arguments}
    assert symbols <= set(sorted(prices.symbols)[:10]) and len(symbols) > 3


def test_with_no_symbol_to_look_at_the_mock_only_asks_for_the_portfolio() -> None:
    response = MockChatClient("mock-a", "2025-10-01", ()).complete([], [])
    assert [call.name for call in response.tool_calls] == ["get_portfolio"]


def after_lookup(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation after a look-up whose calls answered results."""
    tools = [
        {"role": "tool", "tool_call_id": f"call_0_{index}", "content": json.dumps(result)}
        for index, result in enumerate(results)
    ]
    return [{"role": "user", "content": "trade"}, {"role": "assistant", "content": "look"}, *tools]


def orders(rules: MarketRules, results: list[dict[str, Any]], signature: str) -> dict[str, Any]:
    """The mock's second turn: its orders by action."""
    response = MockChatClient(signature, "2025-10-01", ()).complete(
        after_lookup(results), tool_definitions(rules)
    )
    return {call.name: call.arguments for call in response.tool_calls}


def test_the_mock_sells_only_what_can_be_sold_today() -> None:
    portfolio = {
        "date": "2025-10-01",
        "cash": 0.0,
        "shares": {"AAPL": 300, "MSFT": 150, "NVDA": 50},
        # AAPL: 200 bought today; MSFT: 100 bought today, its settled 50 are not the whole.
        "sellable_today": {"AAPL": 100, "MSFT": 50, "NVDA": 50},
    }
    sold = [orders(LOTS_T1, [portfolio], signature)["sell"] for signature in SIGNATURES]
    assert {(order["symbol"], order["amount"]) for order in sold} == {("AAPL", 100), ("NVDA", 50)}


def test_the_mock_buys_in_lots_and_in_steps() -> None:
    quote = {"symbol": "AAPL", "date": "2025-10-01", "open": 102.0}
    for signature in SIGNATURES:
        portfolio = {"date": "2025-10-01", "cash": 30_000.0, "shares": {}}
        lots = orders(LOTS_T1, [quote, portfolio], signature)["buy"]["amount"]
        assert lots in (100, 200) and isinstance(lots, int)  # 30 000 buys 2 lots at 102
        coins = orders(COINS, [quote, {**portfolio, "cash": 1.0}], signature)["buy"]["amount"]
        assert 0.0009 <= coins <= 0.0049 and COINS.check_quantity(coins) == coins
    poor = {"date": "2025-10-01", "cash": 10_000.0, "shares": {}}
    assert "buy" not in orders(LOTS_T1, [quote, poor], "mock-a")  # 98 shares: not one lot
