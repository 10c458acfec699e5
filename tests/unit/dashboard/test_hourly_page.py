"""The dashboard's pieces for hourly markets: ?date as a day or a bar, the bar shown and how it
is named, the benchmark's steps, the example job in days, a model's bar from a day."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.market.catalog import NASDAQ100, NASDAQ100_HOURLY, SSE50_HOURLY
from service.market.prices import Bar, PriceData
from service.resources.dashboard.model_day import stored_key
from service.resources.dashboard.page import (
    bar_period,
    bar_place,
    bar_times,
    carried_benchmark,
    example_span,
    parse_date,
    return_heading,
    shown_key,
)

pytestmark = pytest.mark.unit

SSE_TIMES = ("10:30:00", "11:30:00", "14:00:00", "15:00:00")
DAYS = ("2025-10-16", "2025-10-17", "2025-10-20")
KEYS = [f"{day} {time}" for day in DAYS for time in SSE_TIMES]


def bar(close: float | None) -> Bar:
    """A bar opening at 10 and closing at close."""
    return Bar(10.0, None, None, close, 1.0)


@pytest.fixture
def prices() -> PriceData:
    """Three days of four bars of one stock, and an index with a close at 15:00 only."""
    stock = {key: bar(10.0 + index) for index, key in enumerate(KEYS)}
    index = {f"{day} 15:00:00": bar(3000.0 + n) for n, day in enumerate(DAYS)}
    return PriceData({"600519.SH": stock, "000016.SH": index}, "test", ["600519.SH"])


@pytest.mark.parametrize(
    ("text", "bar_time", "key"),
    [
        ("2025-10-03", None, "2025-10-03"),
        ("2025-10-03 12:00", None, "2025-10-03 12:00:00"),
        (" 2025-10-03 12:00:00 ", None, "2025-10-03 12:00:00"),
        ("2025-10-03", "12:00", "2025-10-03 12:00:00"),
        ("2025-10-03", "11:30:00", "2025-10-03 11:30:00"),
        ("2025-10-03", "", "2025-10-03"),  # the picker's "Last bar"
        ("2025-10-03 10:00", "12:00", "2025-10-03 10:00:00"),  # a bar in ?date wins
    ],
)
def test_an_hourly_markets_date_is_a_day_or_a_bar(
    text: str, bar_time: str | None, key: str
) -> None:
    assert parse_date(text, intraday=True, bar=bar_time) == key


@pytest.mark.parametrize("text", ["2025-13-01", "2025-10-03 25:00", "2025-10-03T12", "x", ""])
def test_a_bad_date_of_an_hourly_market_says_both_forms(text: str) -> None:
    with pytest.raises(
        ValueError, match=r"use YYYY-MM-DD \(the day's last bar\) or YYYY-MM-DD HH:MM"
    ):
        parse_date(text, intraday=True)


def test_a_bad_bar_time_is_refused() -> None:
    with pytest.raises(ValueError, match="not a time of a bar: use HH:MM"):
        parse_date("2025-10-03", intraday=True, bar="noon")


@pytest.mark.parametrize("text", ["2025-10-03 12:00", "2025-10-03 12:00:00"])
def test_a_daily_market_takes_days_only_as_before(text: str) -> None:
    assert parse_date("2025-10-03", intraday=False, bar="12:00") == "2025-10-03"
    with pytest.raises(ValueError, match="use YYYY-MM-DD, for example"):
        parse_date(text, intraday=False)


def test_the_bar_picker_offers_each_time_of_the_bars() -> None:
    assert bar_times(KEYS) == list(SSE_TIMES)
    assert bar_times(["2025-10-16", "2025-10-17"]) == []


@pytest.mark.parametrize(
    ("key", "period"),
    [
        ("2025-10-03 10:00:00", "10:00–11:00"),  # NASDAQ-100's bars are named by their start
        ("2025-10-03 15:00:00", "15:00–16:00"),
    ],
)
def test_a_nasdaq_bar_trades_from_its_key_on(key: str, period: str) -> None:
    assert bar_period(key, NASDAQ100_HOURLY) == period


@pytest.mark.parametrize(
    ("key", "period"),
    [
        ("2025-10-16 10:30:00", "09:30–10:30"),  # SSE-50's by their end
        ("2025-10-16 14:00:00", "13:00–14:00"),
    ],
)
def test_an_sse_bar_trades_up_to_its_key(key: str, period: str) -> None:
    assert bar_period(key, SSE50_HOURLY) == period


def test_a_day_has_no_bar_period() -> None:
    assert bar_period("2025-10-16", NASDAQ100) == ""


def test_a_bar_is_placed_in_its_day() -> None:
    assert bar_place("2025-10-17 11:30:00", KEYS) == "bar 2 of 4 of the day"
    assert bar_place("2025-10-17 15:00:00", KEYS) == "the day's last bar"
    assert bar_place("2025-10-17 12:00:00", KEYS) == ""
    assert bar_place("2025-10-17", KEYS) == ""


def test_the_leaderboard_shows_a_bar_of_an_hourly_market(prices: PriceData) -> None:
    latest = KEYS[-1]
    assert shown_key(prices, SSE50_HOURLY, None, latest) == latest
    assert shown_key(prices, SSE50_HOURLY, "2025-10-17", latest) == "2025-10-17 15:00:00"
    assert shown_key(prices, SSE50_HOURLY, "2025-10-18", latest) == "2025-10-17 15:00:00"
    assert shown_key(prices, SSE50_HOURLY, "2025-10-17 12:00:00", latest) == "2025-10-17 11:30:00"
    assert shown_key(prices, SSE50_HOURLY, "2025-10-01", latest) == "2025-10-01"  # before any
    # A daily market shows the day asked for, as it always did.
    assert shown_key(prices, NASDAQ100, "2025-10-18", latest) == "2025-10-18"


def test_a_benchmark_known_at_the_closing_bar_only_is_carried(prices: PriceData) -> None:
    points = [(key, 1.0) for key in KEYS]
    assert carried_benchmark(prices, SSE50_HOURLY, points) is True
    closes = [(key, 1.0) for key in KEYS if key.endswith("15:00:00")]
    assert carried_benchmark(prices, SSE50_HOURLY, closes) is False
    sse50_daily = replace(SSE50_HOURLY, bars_per_day=1)
    assert carried_benchmark(prices, sse50_daily, points) is False


def test_the_example_job_of_an_hourly_market_is_in_days(prices: PriceData) -> None:
    assert example_span(prices, "000016.SH") == ("2025-10-16", "2025-10-20")


def test_return_headings() -> None:
    assert return_heading(NASDAQ100) == "Daily"
    assert return_heading(NASDAQ100_HOURLY) == "Hourly"


def test_a_models_bar_from_a_day_or_a_bar() -> None:
    assert stored_key(KEYS, "2025-10-17") == "2025-10-17 15:00:00"
    assert stored_key(KEYS, "2025-10-17 11:30:00") == "2025-10-17 11:30:00"
    assert stored_key(KEYS, "2025-10-17 12:00:00") is None
    assert stored_key(KEYS, "2025-10-18") is None
    assert stored_key(KEYS, "2025-10-01") is None
    days = list(DAYS)
    assert stored_key(days, "2025-10-17") == "2025-10-17"
    assert stored_key(days, "2025-10-18") is None
