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
from service.market.catalog import CRYPTO10, SSE50
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings

HERE = Path(__file__).parent
DAILY = {SSE50.name: SSE50, CRYPTO10.name: CRYPTO10}
DAILY_HOLDINGS = {SSE50.name: {"NVDA": 250, "AAPL": 100}, CRYPTO10.name: {"NVDA": 0.1352}}


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
