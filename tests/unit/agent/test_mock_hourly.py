"""The mock LLM on the hourly markets' bundled bars: one conversation a bar, within the rules
(lots of 100 and T+1 across the bars of a day on sse50_hourly), with no refusal."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from service.agent.loop import run_conversation
from service.agent.mock import MockChatClient
from service.agent.news import parse_news
from service.agent.prompt import render_system_prompt, user_message
from service.agent.tools import TradingTools, tool_definitions
from service.market.asof import AsOfView
from service.market.calendar import day_of
from service.market.catalog import NASDAQ100_HOURLY, SSE50_HOURLY
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings, OrderBook
from tests.unit.hourly import bundled_prices, rule_breaks, run_bars

DAYS = 3
SIGNATURES = [f"mock-{index}" for index in range(4)]
MARKETS = {
    NASDAQ100_HOURLY.name: (NASDAQ100_HOURLY, Holdings(10_000.0)),
    # An odd lot to sell whole, and lots bought on one bar that the day's later bars cannot sell.
    SSE50_HOURLY.name: (SSE50_HOURLY, Holdings(100_000.0, {"600036.SH": 150})),
}


def run(rules: MarketRules, start: Holdings, signature: str) -> tuple[list[OrderBook], list[Any]]:
    """The mock's books over the first DAYS days' bars, and every tool answer it got."""
    prices, answers = bundled_prices(rules), []
    days = sorted({day_of(bar) for bar in prices.trading_days})[:DAYS]

    def converse(book: OrderBook, _: int) -> None:
        conversation = run_conversation(
            MockChatClient(signature, book.view.day, rules.watchlist),
            TradingTools(book, parse_news([], "none")),
            render_system_prompt(book.view, book.state),
            user_message(book.view.day),
        )
        assert conversation.finished_by == "finish_signal"
        answers.extend(json.loads(m.content) for m in conversation.messages if m.role == "tool")

    bars = [bar for bar in prices.trading_days if day_of(bar) in days]
    return run_bars(prices, rules, bars, start, converse), answers


@pytest.mark.parametrize("market", MARKETS)
def test_the_mock_trades_every_bar_within_the_rules(market: str) -> None:
    rules, start = MARKETS[market]
    fills = 0
    for signature in SIGNATURES:
        books, answers = run(rules, start, signature)
        assert [answer for answer in answers if "error" in answer] == []
        assert rule_breaks(rules, books) == []
        assert all("bar" in answer for answer in answers if "cash" in answer)
        fills += sum(len(book.fills) for book in books)
    assert fills >= len(SIGNATURES) * len(books)  # it does trade, not only look


def test_on_sse50_hourly_the_portfolio_tells_what_earlier_bars_bought_cannot_be_sold() -> None:
    held_back = []
    for signature in SIGNATURES:
        _, answers = run(*MARKETS[SSE50_HOURLY.name], signature)
        for answer in answers:
            for symbol, sellable in answer.get("sellable_today", {}).items():
                if sellable < answer["shares"][symbol]:
                    held_back.append((answer["bar"], symbol))
    # Some of them on a bar after the first of its day: bought in an earlier bar.
    assert any(not bar.endswith("10:30:00") for bar, _ in held_back)


def test_without_a_watchlist_the_mock_reads_the_bars_market_table() -> None:
    rules = replace(SSE50_HOURLY, watchlist=())
    prices = bundled_prices(rules)
    view = AsOfView(prices, prices.trading_days[1], rules)
    messages = [
        {"role": "system", "content": render_system_prompt(view, Holdings(100_000.0))},
        {"role": "user", "content": user_message(view.day)},
    ]
    looked_at = set()
    for signature in [f"mock-{index}" for index in range(12)]:
        response = MockChatClient(signature, view.day, ()).complete(
            messages, tool_definitions(rules)
        )
        looked_at |= {call.arguments["symbol"] for call in response.tool_calls if call.arguments}
    assert looked_at <= set(prices.symbols[:10]) and len(looked_at) > 3
