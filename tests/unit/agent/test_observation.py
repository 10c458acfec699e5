"""Tests of a webhook agent's observation: the prompt's information, its schema, no look-ahead."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources

import jsonschema
import pytest

from service.agent.news import NewsIndex
from service.agent.observation import build_observation, observation_schema
from service.agent.prompt import render_system_prompt
from service.agent.tools import TradingTools
from service.market.asof import AsOfView
from service.market.catalog import NASDAQ100_HOURLY, SSE50_HOURLY
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings, OrderBook
from tests.unit.hourly import HIDDEN, HIDDEN_VOLUME, HourlyUniverse, nasdaq_bars, sse_bars

BookFactory = Callable[..., OrderBook]


def check(observation: object) -> None:
    """Fail unless the observation is valid against the published schema."""
    jsonschema.validate(observation, observation_schema(), cls=jsonschema.Draft202012Validator)


def test_schema_is_a_valid_json_schema_in_the_package() -> None:
    jsonschema.Draft202012Validator.check_schema(observation_schema())
    text = resources.files("service.agent").joinpath("observation.schema.json").read_text("utf-8")
    assert json.loads(text) == observation_schema()


def test_daily_observation_holds_what_the_prompt_holds(
    make_book: BookFactory, news: NewsIndex
) -> None:
    book = make_book(cash=1000.0, shares={"MSFT": 4})
    observation = build_observation("agent-1", TradingTools(book, news))
    check(observation)
    assert observation["model"] == "agent-1"
    assert (observation["step"], observation["previous_step"]) == ("2025-10-01", "2025-09-30")
    assert observation["portfolio"] == {"date": "2025-10-01", "cash": 1000.0, "shares": {"MSFT": 4}}
    assert observation["market"][0] == {"symbol": "AAPL", "previous_close": 101.5, "open": 102.0}
    assert [row["symbol"] for row in observation["market"]] == list(book.view.symbols)
    prompt = render_system_prompt(book.view, book.state)
    for row in observation["market"]:
        assert f"{row['symbol']},{row['previous_close']:.2f},{row['open']:.2f}" in prompt
    assert observation["rules"]["order_rule"] in prompt
    assert observation["rules"]["currency"] == "USD"


def test_daily_observation_never_shows_the_close_nor_later_news(
    make_book: BookFactory, news: NewsIndex
) -> None:
    observation = build_observation("agent-1", TradingTools(make_book(), news))
    # The universe's closes of today and later end in .77.
    assert ".77" not in json.dumps(observation)
    assert [item["title"] for item in observation["news"]] == ["Apple ships more phones"]
    assert observation["news_before"] == "2025-10-01"


@pytest.mark.parametrize(
    ("universe", "rules"), [(nasdaq_bars(), NASDAQ100_HOURLY), (sse_bars(), SSE50_HOURLY)]
)
def test_hourly_observation_shows_only_the_bar_open(
    universe: HourlyUniverse, rules: MarketRules
) -> None:
    view = AsOfView(universe.prices(), universe.now, rules)
    book = OrderBook(view, Holdings(5000.0, {universe.symbols[0]: 100}))
    observation = build_observation("agent-h", TradingTools(book, NewsIndex([])))
    check(observation)
    text = json.dumps(observation)
    assert HIDDEN not in text and HIDDEN_VOLUME not in text
    assert observation["step"] == universe.now and observation["rules"]["intraday"]
    if view.rules.settlement_days:
        assert observation["portfolio"]["sellable_today"] == {universe.symbols[0]: 100}
        assert observation["rules"]["settlement_rule"]
