"""Tests of the trading tools: look-ahead rules, orders and hostile arguments."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from service.agent.news import NewsIndex
from service.agent.tools import ToolResult, TradingTools, tool_definitions
from service.market.catalog import NASDAQ100
from service.portfolio.engine import OrderBook

BookFactory = Callable[..., OrderBook]


@pytest.fixture
def book(make_book: BookFactory) -> OrderBook:
    """A book with 1000 cash and 4 MSFT."""
    return make_book(cash=1000.0, shares={"MSFT": 4})


@pytest.fixture
def tools(book: OrderBook, news: NewsIndex) -> TradingTools:
    """Tools on that book and the three Apple articles."""
    return TradingTools(book, news)


def payload(result: ToolResult) -> Any:
    """The JSON a tool answered."""
    return json.loads(result.content)


def error_of(result: ToolResult) -> str:
    """The error message of a failed call."""
    assert not result.ok
    message = payload(result)["error"]
    assert isinstance(message, str)
    return message


def test_definitions_are_function_schemas() -> None:
    names = [tool["function"]["name"] for tool in tool_definitions(NASDAQ100)]
    assert names == ["get_price_local", "get_portfolio", "buy", "sell", "search_news"]
    for tool in tool_definitions(NASDAQ100):
        parameters = tool["function"]["parameters"]
        assert tool["type"] == "function" and parameters["type"] == "object"
        assert set(parameters["required"]) <= set(parameters["properties"])


class TestGetPriceLocal:
    def test_today_shows_only_the_open(self, tools: TradingTools) -> None:
        result = tools.call("get_price_local", {"symbol": "aapl"})
        assert result.ok
        answer = payload(result)
        assert {key: answer[key] for key in ("symbol", "date", "open")} == {
            "symbol": "AAPL",
            "date": "2025-10-01",
            "open": 102.0,
        }
        assert not {"close", "high", "low", "volume"} & set(answer)

    def test_earlier_day_shows_the_whole_bar(self, tools: TradingTools) -> None:
        result = tools.call("get_price_local", {"symbol": "MSFT", "date": "2025-09-30"})
        assert payload(result) == {
            "symbol": "MSFT",
            "date": "2025-09-30",
            "open": 111.0,
            "high": None,
            "low": None,
            "close": 111.5,
            "volume": None,
        }

    @pytest.mark.parametrize("day", ["2025-10-02", "2026-01-01"])
    def test_later_day_is_refused(self, tools: TradingTools, day: str) -> None:
        message = error_of(tools.call("get_price_local", {"symbol": "AAPL", "date": day}))
        assert "after today (2025-10-01)" in message
        assert "102.77" not in message and "103.0" not in message

    @pytest.mark.parametrize("day", ["20250930", "2025/09/30", "2025-13-01", "yesterday"])
    def test_dates_must_be_iso(self, tools: TradingTools, day: str) -> None:
        assert "YYYY-MM-DD" in error_of(
            tools.call("get_price_local", {"symbol": "AAPL", "date": day})
        )

    @pytest.mark.parametrize(
        ("arguments", "reason"),
        [
            ({"symbol": "ZZZZ"}, "unknown symbol ZZZZ"),
            ({"symbol": "AAPL", "date": "2025-09-28"}, "no price of AAPL on 2025-09-28"),
        ],
    )
    def test_nothing_to_show(self, tools: TradingTools, arguments: Any, reason: str) -> None:
        assert reason in error_of(tools.call("get_price_local", arguments))

    def test_null_date_means_today(self, tools: TradingTools) -> None:
        result = tools.call("get_price_local", {"symbol": "AAPL", "date": None})
        assert payload(result)["date"] == "2025-10-01"


class TestOrders:
    def test_buy_fills_at_the_open(self, tools: TradingTools, book: OrderBook) -> None:
        result = tools.call("buy", {"symbol": "AAPL", "amount": 5})
        assert result.ok
        assert payload(result) == {
            "action": "buy",
            "symbol": "AAPL",
            "amount": 5,
            "price": 102.0,
            "cash_after": 490.0,
            "shares_after": {"MSFT": 4, "AAPL": 5},
        }
        assert book.state.shares == {"MSFT": 4, "AAPL": 5}

    def test_sell_then_portfolio(self, tools: TradingTools) -> None:
        assert payload(tools.call("sell", {"symbol": "MSFT", "amount": "4"}))["cash_after"] == 1448
        portfolio = payload(tools.call("get_portfolio", None))
        assert portfolio == {"date": "2025-10-01", "cash": 1448.0, "shares": {}}

    @pytest.mark.parametrize(
        ("name", "arguments", "reason"),
        [
            ("buy", {"symbol": "AAPL", "amount": -3}, "positive"),
            ("buy", {"symbol": "AAPL", "amount": 0}, "positive"),
            ("buy", {"symbol": "AAPL", "amount": 10**12}, "larger than"),
            ("buy", {"symbol": "AAPL", "amount": 1.5}, "whole number"),
            ("buy", {"symbol": "AAPL", "amount": "lots"}, "whole number"),
            ("buy", {"symbol": "AAPL", "amount": True}, "whole number"),
            ("buy", {"symbol": "AAPL", "amount": [1]}, "whole number"),
            ("buy", {"symbol": "XXXX", "amount": 1}, "unknown symbol XXXX"),
            ("buy", {"symbol": "AAPL", "amount": 10}, "insufficient cash"),
            ("sell", {"symbol": "MSFT", "amount": 5}, "4 held"),
            ("sell", {"symbol": "AAPL", "amount": 1}, "0 held"),
        ],
    )
    def test_rejected_orders_change_nothing(
        self, tools: TradingTools, book: OrderBook, name: str, arguments: Any, reason: str
    ) -> None:
        assert reason in error_of(tools.call(name, arguments))
        assert (book.state.cash, book.state.shares, book.fills) == (1000.0, {"MSFT": 4}, [])


class TestBadCalls:
    def test_unknown_tool(self, tools: TradingTools) -> None:
        message = error_of(tools.call("transfer_funds", {"to": "me"}))
        assert "unknown tool 'transfer_funds'" in message and "get_price_local" in message

    def test_argument_error_is_reported_and_nothing_runs(
        self, tools: TradingTools, book: OrderBook
    ) -> None:
        result = tools.call("buy", None, argument_error="arguments are not valid JSON")
        assert error_of(result) == "invalid arguments for buy: arguments are not valid JSON"
        assert book.fills == []

    @pytest.mark.parametrize(
        ("name", "arguments", "reason"),
        [
            ("buy", {"symbol": "AAPL"}, "missing required argument(s) amount"),
            ("get_portfolio", {"verbose": True}, "unexpected argument(s) verbose"),
            ("sell", {"symbol": "MSFT", "amount": 1, "price": 1}, "unexpected argument(s) price"),
            ("get_price_local", {"symbol": 5}, "symbol must be a string"),
            ("search_news", {"query": ["AAPL"]}, "query must be a string"),
            ("search_news", None, "missing required argument(s) query"),
        ],
    )
    def test_invalid_arguments(
        self, tools: TradingTools, name: str, arguments: Any, reason: str
    ) -> None:
        assert reason in error_of(tools.call(name, arguments))


class TestSearchNews:
    def test_only_news_before_today(self, tools: TradingTools) -> None:
        result = tools.call("search_news", {"query": "apple"})
        assert result.ok
        answer = payload(result)
        assert answer["count"] == 1
        assert [item["title"] for item in answer["items"]] == ["Apple ships more phones"]

    def test_news_of_the_day_is_visible_the_next_day(
        self, make_book: BookFactory, news: NewsIndex
    ) -> None:
        tools = TradingTools(make_book(day="2025-10-02"), news)
        items = payload(tools.call("search_news", {"query": "AAPL"}))["items"]
        assert [item["time_published"][:10] for item in items] == ["2025-10-01", "2025-09-30"]
