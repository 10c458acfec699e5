"""Tests of the system prompt: what a model sees on its day, and nothing later."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.agent.prompt import FINISH_SIGNAL, render_system_prompt, user_message
from service.agent.tools import tool_definitions
from service.market.asof import AsOfView
from service.market.catalog import NASDAQ100
from service.market.prices import PriceData
from service.portfolio.engine import Holdings


def render(prices: PriceData, holdings: Holdings, day: str) -> str:
    """The system prompt of day."""
    return render_system_prompt(AsOfView(prices, day, NASDAQ100), holdings)


@pytest.mark.parametrize("day_index", [1, 2, 3])
def test_no_close_of_the_day_or_later_nor_any_later_open(prices: PriceData, day_index: int) -> None:
    days = prices.trading_days
    prompt = render(prices, Holdings(1000.0, dict.fromkeys(prices.symbols, 3)), days[day_index])
    for symbol in prices.symbols:
        for later in days[day_index:]:
            assert f"{prices.close(symbol, later):.2f}" not in prompt
            assert later == days[day_index] or f",{prices.open(symbol, later):.2f}" not in prompt


def test_holdings_cash_and_previous_closes(prices: PriceData, today: str) -> None:
    prompt = render(prices, Holdings(1234.5, {"NVDA": 2}), today)
    assert f"Today is {today}" in prompt
    assert "Cash: 1234.50" in prompt
    assert "- NVDA: 2 shares, previous close 121.50 (value 243.00)" in prompt


def test_market_table_has_yesterdays_close_and_todays_open(prices: PriceData, today: str) -> None:
    prompt = render(prices, Holdings(0.0), today)
    yesterday = prices.previous_trading_day(today)
    assert yesterday is not None and f"on or before {yesterday}" in prompt
    assert "\nsymbol,previous_close,today_open\n" in prompt
    for symbol in prices.symbols:
        close, open_ = prices.close(symbol, yesterday), prices.open(symbol, today)
        assert f"\n{symbol},{close:.2f},{open_:.2f}\n" in prompt


def test_rules_tools_and_finish_signal(prices: PriceData, today: str) -> None:
    prompt = render(prices, Holdings(10_000.0), today)
    assert "- No shares held." in prompt
    for phrase in ("whole shares", "today's open", "No shorting, no margin", "selling first"):
        assert phrase in prompt
    for tool in tool_definitions(NASDAQ100):
        assert f"- {tool['function']['name']}(" in prompt
    assert prompt.rstrip().endswith(FINISH_SIGNAL)
    assert "$" not in prompt


def test_first_day_has_no_previous_close(prices: PriceData) -> None:
    prompt = render(prices, Holdings(5.0, {"AAPL": 1}), prices.first_day)
    assert "- AAPL: 1 shares, previous close n/a (value n/a)" in prompt
    assert "\nAAPL,n/a,100.00\n" in prompt


def test_user_message() -> None:
    assert user_message("2025-10-01") == "Please analyze and update today's (2025-10-01) positions."


GOLDEN = Path(__file__).with_name("prompt_nasdaq100.golden.txt")
TOOLS_GOLDEN = Path(__file__).with_name("tools_nasdaq100.golden.json")


def test_nasdaq100_prompt_is_the_golden_text(prices: PriceData, today: str) -> None:
    # The text a nasdaq100 model reads, word for word. Markets with other rules (lots, T+1,
    # decimals) add their own sentences; here only the currency is said, in two places.
    prompt = render(prices, Holdings(1234.5, {"NVDA": 2, "AAPL": 7}), today)
    assert prompt == GOLDEN.read_text(encoding="utf-8")
    assert prompt.count("USD") == 2


def test_nasdaq100_tools_are_the_golden_definitions() -> None:
    # Unchanged by the other markets' rules: the multipleOf of a lot or a step, the sale of a
    # whole holding and T+1 appear only where those rules are.
    assert tool_definitions(NASDAQ100) == json.loads(TOOLS_GOLDEN.read_text(encoding="utf-8"))
