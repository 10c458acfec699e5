"""Every market's prompt and tools, word for word, against golden files beside this test.

Daily markets read as they always have; the hourly ones speak of the bar. To see a change, render
the text and compare it with the file: a golden file is rewritten only on purpose.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.agent.prompt import render_system_prompt
from service.agent.tools import tool_definitions
from service.market.asof import AsOfView
from service.market.catalog import CRYPTO10, NASDAQ100_HOURLY, SSE50, SSE50_HOURLY
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings
from tests.unit.hourly import HourlyUniverse, nasdaq_bars, sse_bars

HERE = Path(__file__).parent
DAILY = {SSE50.name: SSE50, CRYPTO10.name: CRYPTO10}
DAILY_HOLDINGS = {SSE50.name: {"NVDA": 250, "AAPL": 100}, CRYPTO10.name: {"NVDA": 0.1352}}
# Each hourly market on the second bar of a day, holding two of its symbols (one an odd lot).
HOURLY: dict[str, tuple[MarketRules, HourlyUniverse, dict[str, float]]] = {
    NASDAQ100_HOURLY.name: (NASDAQ100_HOURLY, nasdaq_bars(), {"NVDA": 2, "AAPL": 7}),
    SSE50_HOURLY.name: (SSE50_HOURLY, sse_bars(), {"600519.SH": 100, "601318.SH": 250}),
}


def golden(name: str) -> str:
    """The text of a golden file."""
    return (HERE / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("market", DAILY)
def test_daily_prompt_is_the_golden_text(prices: PriceData, today: str, market: str) -> None:
    rules: MarketRules = DAILY[market]
    holdings = Holdings(rules.initial_cash, DAILY_HOLDINGS[market])
    prompt = render_system_prompt(AsOfView(prices, today, rules), holdings)
    assert prompt == golden(f"prompt_{market}.golden.txt")


@pytest.mark.parametrize("market", DAILY)
def test_daily_tools_are_the_golden_definitions(market: str) -> None:
    assert tool_definitions(DAILY[market]) == json.loads(golden(f"tools_{market}.golden.json"))


@pytest.mark.parametrize("market", HOURLY)
def test_hourly_prompt_is_the_golden_text(market: str) -> None:
    # The bar and its length, how bars are labelled, this bar's open, the news up to its start;
    # on sse50_hourly T+1 across the day's bars.
    rules, universe, shares = HOURLY[market]
    view = AsOfView(universe.prices(), universe.now, rules)
    prompt = render_system_prompt(view, Holdings(rules.initial_cash, shares))
    assert prompt == golden(f"prompt_{market}.golden.txt")
    for daily in ("Today is", "today's open", "today's orders", "today's high", "today_open"):
        assert daily not in prompt


@pytest.mark.parametrize("market", HOURLY)
def test_hourly_tools_are_the_golden_definitions(market: str) -> None:
    rules = HOURLY[market][0]
    assert tool_definitions(rules) == json.loads(golden(f"tools_{market}.golden.json"))
