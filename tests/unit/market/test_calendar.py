"""Bar keys are opaque sortable text: days and intraday bars flow through the same code."""

from __future__ import annotations

import json

import pytest

from service.market.calendar import bar_key, calendar_days, day_of
from service.market.prices import parse_lines

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2025-10-01", "2025-10-01"),
        ("2025-10-01 10:00:00", "2025-10-01 10:00:00"),
        ("2025-11-19 15:00", "2025-11-19 15:00:00"),
        (" 2025-10-01 ", "2025-10-01"),
    ],
)
def test_bar_keys(text: str, key: str) -> None:
    assert bar_key(text) == key


@pytest.mark.parametrize("text", ["2025-9-2", "2025-10-01T10:00:00", "10:00", "2025-10-32", ""])
def test_what_is_not_a_bar_key(text: str) -> None:
    with pytest.raises(ValueError):
        bar_key(text)


def test_days_of_bars_and_calendar_days() -> None:
    assert day_of("2025-10-01 15:00:00") == day_of("2025-10-01") == "2025-10-01"
    assert calendar_days("2025-10-01 10:00:00", "2025-10-03 15:00:00") == 3
    assert calendar_days("2025-10-01", "2025-10-01") == 1


def test_intraday_bars_have_a_calendar_of_their_own() -> None:
    bars = {
        "2025-10-01 10:00:00": {"1. buy price": "1", "4. sell price": "2"},
        "2025-10-01 11:00:00": {"1. buy price": "2", "4. sell price": "3"},
        "2025-10-02 10:00:00": {"1. buy price": "3"},
    }
    line = json.dumps({"Meta Data": {"2. Symbol": "AAA"}, "Time Series (60min)": bars})

    prices = parse_lines([line], "hourly.jsonl")

    assert prices.trading_days == ("2025-10-01 10:00:00", "2025-10-01 11:00:00")
    assert prices.next_trading_day("2025-10-01 10:00:00") == "2025-10-01 11:00:00"
    assert prices.previous_trading_day("2025-10-02 10:00:00") == "2025-10-01 11:00:00"
    assert prices.open("AAA", "2025-10-02 10:00:00") == 3.0
