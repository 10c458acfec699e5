"""The system prompt under other markets' rules: currency, unit, lots and settlement, in words."""

from __future__ import annotations

from service.agent.prompt import render_system_prompt
from service.market.asof import AsOfView
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings
from tests.unit.market_shapes import COINS, LOTS, LOTS_T1


def render(prices: PriceData, rules: MarketRules, holdings: Holdings) -> str:
    """The system prompt of the test universe's today under rules."""
    return render_system_prompt(AsOfView(prices, "2025-10-01", rules), holdings)


def test_lots_and_t_plus_one_in_plain_words(prices: PriceData) -> None:
    prompt = render(prices, LOTS_T1, Holdings(100_000.0, {"NVDA": 250}))
    assert "portfolio of Lots 50 stocks" in prompt
    assert "Portfolio before today's orders (amounts in CNY):\n- Cash: 100000.00\n" in prompt
    assert "today's open of every symbol, in CNY:" in prompt
    assert "- NVDA: 250 shares, previous close 121.50 (value 30375.00)" in prompt
    assert (
        "- Orders are in lots of 100 shares: amount is a multiple of 100, except that a sell may "
        "also be all the shares you hold of a symbol."
    ) in prompt
    assert (
        "- Shares bought today settle T+1: they can be sold from the next trading day. "
        "Everything held before today can be sold today; get_portfolio tells how many shares of "
        "each holding can be sold today.\n"
    ) in prompt
    for absent in ("USD", "$", "whole shares: amount is a positive integer"):
        assert absent not in prompt


def test_lots_without_settlement_lag_say_nothing_of_settlement(prices: PriceData) -> None:
    prompt = render(prices, LOTS, Holdings(100_000.0))
    assert "in lots of 100" in prompt
    assert "T+1" not in prompt and "settle" not in prompt


def test_coins_in_steps_and_their_currency(prices: PriceData) -> None:
    prompt = render(prices, COINS, Holdings(50_000.0, {"AAPL": 0.1352}))
    assert prompt.startswith(
        "You are a coin trading agent managing a portfolio of Crypto 10 coins. Today is 2025-10-01."
    )
    assert "(amounts in USDT)" in prompt and "in USDT:" in prompt
    assert "- AAPL: 0.1352 coins, previous close 101.50 (value 13.72)" in prompt
    assert "Orders are in coins, in steps of 0.0001: amount is a multiple of it" in prompt
    assert "a sell needs that many coins held" in prompt
    assert "against the running cash and coins" in prompt
    assert "- No coins held." in render(prices, COINS, Holdings(50_000.0))
    for absent in ("USD ", "USD)", "$", "shares", "stock", "T+1"):
        assert absent not in prompt
