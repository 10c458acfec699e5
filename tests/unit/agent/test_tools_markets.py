"""The trading tools under other markets' rules: lots, T+1 and decimals, worded for the model."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.agent.news import NewsIndex
from service.agent.tools import TradingTools, tool_definitions
from service.market.asof import AsOfView
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings, OrderBook
from tests.unit.market_shapes import COINS, LOTS, LOTS_T1


def tools_on(
    prices: PriceData, news: NewsIndex, rules: MarketRules, cash: float, **shares: float
) -> TradingTools:
    """Tools on a book of the test universe's today under rules."""
    book = OrderBook(AsOfView(prices, "2025-10-01", rules), Holdings(cash, shares))
    return TradingTools(book, news)


def call(tools: TradingTools, name: str, **arguments: Any) -> Any:
    """A tool's answer as JSON, with whether it succeeded."""
    result = tools.call(name, arguments)
    return json.loads(result.content) | {"ok": result.ok}


def definition(rules: MarketRules, name: str) -> dict[str, Any]:
    """The function definition of one tool."""
    tools = {tool["function"]["name"]: tool["function"] for tool in tool_definitions(rules)}
    return tools[name]


class TestDefinitions:
    def test_lots_are_in_the_buy_schema_and_a_whole_holding_in_the_sell_schema(self) -> None:
        buy, sell = definition(LOTS, "buy"), definition(LOTS, "sell")
        assert buy["parameters"]["properties"]["amount"] == {
            "type": "integer",
            "minimum": 100,
            "multipleOf": 100,
            "description": "Number of shares, in lots of 100",
        }
        assert "in lots of 100" in buy["description"]
        amount = sell["parameters"]["properties"]["amount"]
        assert (amount["type"], amount["minimum"], "multipleOf" in amount) == ("integer", 1, False)
        assert "or all the shares you hold of the symbol" in amount["description"]
        assert "an odd lot is sold whole" in sell["description"]

    def test_decimal_steps_are_in_the_buy_schema(self) -> None:
        amount = definition(COINS, "buy")["parameters"]["properties"]["amount"]
        assert amount == {
            "type": "number",
            "exclusiveMinimum": 0,
            "multipleOf": 0.0001,
            "description": "Number of coins, in steps of 0.0001",
        }
        sell = definition(COINS, "sell")
        assert "multipleOf" not in sell["parameters"]["properties"]["amount"]
        assert "in steps of 0.0001 or all you hold" in sell["description"]

    def test_t_plus_one_is_told_by_the_portfolio_and_the_sell_tools(self) -> None:
        for name in ("get_portfolio", "sell"):
            assert "Shares bought today settle T+1" in definition(LOTS_T1, name)["description"]
        for rules in (LOTS, COINS):
            assert "T+1" not in json.dumps(tool_definitions(rules))


class TestOrders:
    def test_how_many_can_be_bought_is_rounded_down_to_the_lot(
        self, prices: PriceData, news: NewsIndex
    ) -> None:
        # AAPL opens at 102: 10 000 buys 98.04 shares, no lot; 20 000 buys 196.08, one lot.
        answer = call(tools_on(prices, news, LOTS, 20_000.0), "buy", symbol="AAPL", amount=200)
        assert not answer["ok"]
        assert answer["error"].endswith("cash is 20000.00; at most 100 can be bought")
        answer = call(tools_on(prices, news, LOTS, 10_000.0), "buy", symbol="AAPL", amount=100)
        assert answer["error"].endswith("at most 0 can be bought")

    def test_how_many_coins_can_be_bought_is_rounded_down_to_the_step(
        self, prices: PriceData, news: NewsIndex
    ) -> None:
        answer = call(tools_on(prices, news, COINS, 1.0), "buy", symbol="AAPL", amount=1)
        assert answer["error"].endswith("at most 0.0098 can be bought")  # 1 / 102 = 0.00980...
        filled = call(tools_on(prices, news, COINS, 1.0), "buy", symbol="AAPL", amount="0.0098")
        assert (filled["ok"], filled["amount"], filled["shares_after"]) == (
            True,
            0.0098,
            {"AAPL": 0.0098},
        )
        assert filled["cash_after"] == pytest.approx(1 - 0.0098 * 102, abs=1e-12)

    def test_an_odd_lot_is_sold_whole(self, prices: PriceData, news: NewsIndex) -> None:
        tools = tools_on(prices, news, LOTS, 0.0, MSFT=130)
        refused = call(tools, "sell", symbol="MSFT", amount=30)
        assert refused["error"] == (
            "amount must be a positive whole number of shares, in lots of 100, or all 130 shares "
            "held, got 30"
        )
        assert call(tools, "sell", symbol="MSFT", amount=100)["shares_after"] == {"MSFT": 30}
        assert call(tools, "sell", symbol="MSFT", amount="30")["shares_after"] == {}

    def test_the_portfolio_tells_what_can_be_sold_today_under_t_plus_one(
        self, prices: PriceData, news: NewsIndex
    ) -> None:
        tools = tools_on(prices, news, LOTS_T1, 100_000.0, MSFT=300)
        assert call(tools, "get_portfolio")["sellable_today"] == {"MSFT": 300}
        assert call(tools, "buy", symbol="AAPL", amount=100)["ok"]
        assert call(tools, "buy", symbol="MSFT", amount=100)["ok"]
        assert call(tools, "sell", symbol="MSFT", amount=100)["ok"]
        portfolio = call(tools, "get_portfolio")
        assert portfolio["shares"] == {"MSFT": 300, "AAPL": 100}
        assert portfolio["sellable_today"] == {"AAPL": 0, "MSFT": 200}
        refused = call(tools, "sell", symbol="AAPL", amount=100)
        assert "bought today and settle T+1" in refused["error"]
        assert "can be sold from the next trading day; 0 can be sold today" in refused["error"]

    def test_without_settlement_lag_the_portfolio_is_as_before(
        self, prices: PriceData, news: NewsIndex
    ) -> None:
        portfolio = call(tools_on(prices, news, COINS, 5.0, MSFT=0.5), "get_portfolio")
        assert portfolio == {"date": "2025-10-01", "cash": 5.0, "shares": {"MSFT": 0.5}, "ok": True}
