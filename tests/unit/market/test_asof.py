"""The as-of view of day D: earlier closes and D's open only, never D's close or later."""

from __future__ import annotations

import pytest

from service.market.asof import AsOfView, LookAheadError
from service.market.catalog import NASDAQ100
from tests.unit.pricebuilder import build_prices

pytestmark = pytest.mark.unit

THU, FRI, MON, TUE = "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07"
PRICES = build_prices(
    {
        "AAPL": {
            THU: (255.0, 257.13, 42e6),
            FRI: (257.5, 258.02, 49e6),
            MON: (257.99, 256.69, 44e6),
            TUE: (256.81, 256.48, 31e6),
        },
        "MSFT": {THU: (517.0, 515.74), FRI: (516.5, 517.35), MON: (518.61, 528.57)},
    }
)


@pytest.fixture
def view() -> AsOfView:
    """The view of Monday, the first trading day after a weekend."""
    return AsOfView(PRICES, MON, NASDAQ100)


@pytest.mark.parametrize("day", [MON, TUE, "2025-12-31"])
def test_close_of_today_or_later_is_refused(view: AsOfView, day: str) -> None:
    with pytest.raises(LookAheadError, match=f"close of {day} is not known on {MON}"):
        view.close("AAPL", day)


@pytest.mark.parametrize("day", [TUE, "2026-01-02"])
def test_later_bar_is_refused(view: AsOfView, day: str) -> None:
    with pytest.raises(LookAheadError):
        view.bar("AAPL", day)


def test_open_of_today_and_earlier_closes_are_visible(view: AsOfView) -> None:
    assert view.open("AAPL") == 257.99
    assert view.close("AAPL", FRI) == 258.02
    assert view.close("MSFT", THU) == 515.74


def test_bar_of_today_holds_only_the_open(view: AsOfView) -> None:
    assert view.bar("AAPL", MON) == {"open": 257.99}


def test_bar_of_an_earlier_day_is_whole(view: AsOfView) -> None:
    bar = view.bar("AAPL", FRI)
    assert bar["close"] == 258.02
    assert bar["volume"] == 49e6
    assert view.bar("AAPL", "2025-10-04") == {}


def test_closes_before_never_include_today(view: AsOfView) -> None:
    assert view.closes_before("AAPL", 10) == [257.13, 258.02]
    assert view.closes_before("AAPL", 1) == [258.02]
    assert AsOfView(PRICES, THU, NASDAQ100).closes_before("AAPL", 5) == []


def test_closes_before_a_day_off_stop_at_the_last_trading_day() -> None:
    assert AsOfView(PRICES, "2025-10-05", NASDAQ100).closes_before("AAPL", 2) == [257.13, 258.02]


def test_last_close_is_the_previous_trading_day(view: AsOfView) -> None:
    assert view.previous_day() == FRI
    assert view.last_close("MSFT") == 517.35
    assert AsOfView(PRICES, THU, NASDAQ100).last_close("AAPL") is None


def test_last_close_of_a_vanished_symbol_is_its_latest_one() -> None:
    assert AsOfView(PRICES, "2025-10-08", NASDAQ100).last_close("MSFT") == 528.57
    assert AsOfView(PRICES, TUE, NASDAQ100).open("MSFT") is None
