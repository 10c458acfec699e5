"""The prompt and the tools on hourly markets: they speak of the bar, and on bar B show the closes
of earlier bars, B's open and news published before B began, nothing else of B or later."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.agent.news import NewsIndex, parse_news
from service.agent.prompt import render_system_prompt, user_message
from service.agent.tools import TradingTools
from service.market.asof import AsOfView
from service.market.calendar import day_of
from service.market.catalog import NASDAQ100_HOURLY, SSE50_HOURLY
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings, OrderBook
from tests.unit.agent.conftest import ArticleFactory
from tests.unit.hourly import HIDDEN, HIDDEN_VOLUME, HourlyUniverse, nasdaq_bars, sse_bars

MARKETS = {
    NASDAQ100_HOURLY.name: (NASDAQ100_HOURLY, nasdaq_bars),
    SSE50_HOURLY.name: (SSE50_HOURLY, sse_bars),
}
# Bars of the middle day: its first, one inside it and its last.
POSITIONS = (0, 1, -1)


def universes() -> list[tuple[MarketRules, HourlyUniverse]]:
    """Each market with its model on each of POSITIONS of the middle day."""
    found = []
    for rules, build in MARKETS.values():
        middle = [bar for bar in build().bars if day_of(bar) == build().days[1]]
        found += [(rules, build(middle[position])) for position in POSITIONS]
    return found


IDS = [f"{rules.name} {universe.now}" for rules, universe in universes()]


def tools_on(
    rules: MarketRules,
    universe: HourlyUniverse,
    holdings: Holdings | None = None,
    news: NewsIndex | None = None,
    bought_earlier: dict[str, float] | None = None,
) -> TradingTools:
    """Tools on a book of the universe's bar."""
    view = AsOfView(universe.prices(), universe.now, rules)
    book = OrderBook(view, holdings or Holdings(rules.initial_cash), bought_earlier=bought_earlier)
    return TradingTools(book, news or parse_news([], "none"))


def answer(tools: TradingTools, name: str, **arguments: Any) -> Any:
    """A tool's answer as JSON, with whether it succeeded."""
    result = tools.call(name, arguments)
    return json.loads(result.content) | {"ok": result.ok}


def assert_nothing_hidden(text: str) -> None:
    """No close, high, low or volume of this bar, and nothing of a later bar."""
    assert HIDDEN not in text and HIDDEN_VOLUME not in text


@pytest.mark.parametrize(("rules", "universe"), universes(), ids=IDS)
def test_the_prompt_shows_nothing_of_this_bar_but_its_open(
    rules: MarketRules, universe: HourlyUniverse
) -> None:
    view = AsOfView(universe.prices(), universe.now, rules)
    prompt = render_system_prompt(view, Holdings(rules.initial_cash, {universe.symbols[0]: 100}))
    assert_nothing_hidden(prompt)
    previous = universe.bars[universe.bars.index(universe.now) - 1]
    assert f"Latest close (on or before {previous}) and this bar's open" in prompt
    for symbol in universe.symbols:
        close = universe.quote(symbol, previous)["close"]
        open_ = universe.quote(symbol, universe.now)["open"]
        assert f"\n{symbol},{close:.2f},{open_:.2f}\n" in prompt


@pytest.mark.parametrize(("rules", "universe"), universes(), ids=IDS)
def test_no_answer_of_get_price_local_shows_what_is_hidden(
    rules: MarketRules, universe: HourlyUniverse
) -> None:
    tools, symbol = tools_on(rules, universe), universe.symbols[2].lower()
    asked = [None, *universe.bars, *universe.days, "2025-09-01"]
    answers = [tools.call("get_price_local", {"symbol": symbol, "date": key}) for key in asked]
    for result in answers:
        assert_nothing_hidden(result.content)
    bars_seen = universe.bars.index(universe.now) + 1
    assert sum(result.ok for result in answers) == 1 + bars_seen + len(universe.days) - 1


class TestGetPriceLocal:
    def test_this_bar_by_default_only_its_open(self) -> None:
        universe = nasdaq_bars()
        found = answer(tools_on(NASDAQ100_HOURLY, universe), "get_price_local", symbol="aapl")
        assert found == {
            "symbol": "AAPL",
            "bar": "2025-10-01 11:00:00",
            "open": universe.quote("AAPL", universe.now)["open"],
            "note": "this bar's high, low, close and volume are unknown until the bar ends",
            "ok": True,
        }

    @pytest.mark.parametrize(
        "written",
        ["2025-10-01 10:00:00", "2025-10-01 10:00", "2025-10-01T10:00:00", " 2025-10-01T10:00"],
    )
    def test_an_earlier_bar_whole(self, written: str) -> None:
        universe = nasdaq_bars()
        tools = tools_on(NASDAQ100_HOURLY, universe)
        found = answer(tools, "get_price_local", symbol="MSFT", date=written)
        quote = universe.quote("MSFT", "2025-10-01 10:00:00")
        assert found == {"symbol": "MSFT", "bar": "2025-10-01 10:00:00", **quote, "ok": True}

    def test_today_is_its_earlier_bars_whole_then_this_bars_open(self) -> None:
        universe = sse_bars("2025-10-10 14:00:00")
        found = answer(
            tools_on(SSE50_HOURLY, universe),
            "get_price_local",
            symbol="600036.SH",
            date="2025-10-10",
        )
        earlier = ["2025-10-10 10:30:00", "2025-10-10 11:30:00"]
        assert found["bars"] == [
            *({"bar": bar, **universe.quote("600036.SH", bar)} for bar in earlier),
            {
                "bar": "2025-10-10 14:00:00",
                "open": universe.quote("600036.SH", universe.now)["open"],
            },
        ]
        assert found["date"] == "2025-10-10"
        assert (
            found["note"]
            == "of this bar (2025-10-10 14:00:00) only the open is known until the bar ends"
        )

    def test_an_earlier_day_is_each_of_its_bars_whole(self) -> None:
        universe = sse_bars()
        found = answer(
            tools_on(SSE50_HOURLY, universe),
            "get_price_local",
            symbol="600036.SH",
            date="2025-10-09",
        )
        assert [bar["bar"][11:] for bar in found["bars"]] == [
            "10:30:00",
            "11:30:00",
            "14:00:00",
            "15:00:00",
        ]
        assert all(
            set(bar) == {"bar", "open", "high", "low", "close", "volume"} for bar in found["bars"]
        )
        assert "note" not in found

    @pytest.mark.parametrize(
        ("date", "reason"),
        [
            ("2025-10-01 12:00:00", "2025-10-01 12:00:00 is after this bar (2025-10-01 11:00:00)"),
            ("2025-10-02", "2025-10-02 is after today (2025-10-01)"),
            ("2025-10-02 10:00", "2025-10-02 10:00:00 is after this bar"),
        ],
    )
    def test_later_bars_and_days_are_refused(self, date: str, reason: str) -> None:
        found = answer(
            tools_on(NASDAQ100_HOURLY, nasdaq_bars()), "get_price_local", symbol="AAPL", date=date
        )
        assert not found["ok"] and reason in found["error"]
        assert "only closes of earlier bars and this bar's open can be seen" in found["error"]

    @pytest.mark.parametrize(
        ("date", "reason"),
        [
            (
                "2025-10-01 10:30",
                "no price of AAPL in the bar 2025-10-01 10:30:00; today's bars so far are "
                "10:00:00, 11:00:00",
            ),
            (
                "2025-09-30 09:00",
                "the bars of 2025-09-30 are 10:00:00, 11:00:00, 12:00:00, 13:00:00, 14:00:00, "
                "15:00:00",
            ),
            (
                "2025-09-28 10:00",
                "no price of AAPL in the bar 2025-09-28 10:00:00 (not a trading day?)",
            ),
            ("2025-09-28", "no price of AAPL on 2025-09-28 (not a trading day?)"),
            ("20251001 10:00", "date must be a bar, YYYY-MM-DD HH:MM:SS, or a day, YYYY-MM-DD"),
            ("2025-10-01 25:00", "date must be a bar"),
            ("this morning", "date must be a bar"),
        ],
    )
    def test_what_is_not_a_bar_says_which_are(self, date: str, reason: str) -> None:
        found = answer(
            tools_on(NASDAQ100_HOURLY, nasdaq_bars()), "get_price_local", symbol="AAPL", date=date
        )
        assert not found["ok"] and reason in found["error"]


class TestPortfolio:
    def test_names_the_bar(self) -> None:
        found = answer(
            tools_on(NASDAQ100_HOURLY, nasdaq_bars(), Holdings(5.0, {"AAPL": 3})), "get_portfolio"
        )
        assert found == {
            "bar": "2025-10-01 11:00:00",
            "cash": 5.0,
            "shares": {"AAPL": 3},
            "ok": True,
        }

    def test_t_plus_one_holds_across_the_bars_of_the_day(self) -> None:
        # 300 held when the day began, 100 of them bought in its first bar: 200 are sellable.
        universe = sse_bars()
        tools = tools_on(
            SSE50_HOURLY,
            universe,
            Holdings(100_000.0, {"600036.SH": 300}),
            bought_earlier={"600036.SH": 100},
        )
        assert answer(tools, "get_portfolio")["sellable_today"] == {"600036.SH": 200}
        assert answer(tools, "buy", symbol="601318.SH", amount=100)["ok"]
        assert answer(tools, "sell", symbol="600036.SH", amount=200)["ok"]
        portfolio = answer(tools, "get_portfolio")
        assert portfolio["shares"] == {"600036.SH": 100, "601318.SH": 100}
        assert portfolio["sellable_today"] == {"600036.SH": 0, "601318.SH": 0}
        refused = answer(tools, "sell", symbol="600036.SH", amount=100)
        assert "settle T+1, so they can be sold from the next trading day" in refused["error"]


class TestNews:
    @pytest.fixture
    def news(self, make_article: ArticleFactory) -> NewsIndex:
        """Articles around the SSE's morning bars of 2025-10-10 (09:30-10:30, 10:30-11:30)."""
        times = (
            "20251010T091500",
            "20251010T094500",
            "20251010T102959",
            "20251010T103000",
            "20251010T111500",
        )
        return parse_news(
            [make_article(time, f"news at {time[9:]}", ("600036.SH",)) for time in times], "t"
        )

    @pytest.mark.parametrize(
        ("bar", "seen"),
        [
            ("2025-10-10 10:30:00", ["news at 091500"]),  # began at 09:30
            ("2025-10-10 11:30:00", ["news at 102959", "news at 094500", "news at 091500"]),
            (
                "2025-10-10 14:00:00",
                [
                    "news at 111500",
                    "news at 103000",
                    "news at 102959",
                    "news at 094500",
                    "news at 091500",
                ],
            ),
        ],
    )
    def test_before_the_start_of_a_bar_labelled_by_its_end(
        self, news: NewsIndex, bar: str, seen: list[str]
    ) -> None:
        found = answer(
            tools_on(SSE50_HOURLY, sse_bars(bar), news=news), "search_news", query="600036"
        )
        assert [item["title"] for item in found["items"]] == seen
        start = {
            "2025-10-10 10:30:00": "09:30",
            "2025-10-10 11:30:00": "10:30",
            "2025-10-10 14:00:00": "13:00",
        }
        assert found["published_before"] == f"2025-10-10 {start[bar]}:00"

    def test_before_the_start_of_a_bar_labelled_by_its_start(
        self, make_article: ArticleFactory
    ) -> None:
        news = parse_news(
            [
                make_article(time, time, ("AAPL",))
                for time in ("20251001T105959", "20251001T110000")
            ],
            "t",
        )
        found = answer(
            tools_on(NASDAQ100_HOURLY, nasdaq_bars(), news=news), "search_news", query="AAPL"
        )
        assert [item["title"] for item in found["items"]] == ["20251001T105959"]
        assert found["published_before"] == "2025-10-01 11:00:00"


def test_the_user_message_names_the_bar() -> None:
    assert (
        user_message("2025-10-01 11:00:00")
        == "Please analyze and update this bar's (2025-10-01 11:00:00) positions."
    )
