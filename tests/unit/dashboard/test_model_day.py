"""The model-day page's pieces: trade values, holdings at the close, the days around."""

from __future__ import annotations

import pytest

from service.market.prices import PriceData, load_prices
from service.resources.dashboard.model_day import Holding, ModelDay, Trade, valued_holdings
from service.settings import DEFAULT_PRICE_DATA

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def prices() -> PriceData:
    """The bundled prices."""
    return load_prices(DEFAULT_PRICE_DATA)


def test_a_trade_is_worth_its_shares_at_its_price() -> None:
    assert Trade("buy", "NFLX", 3, 1227.33).value == pytest.approx(3681.99)


def test_holdings_are_valued_at_the_close_largest_first(prices: PriceData) -> None:
    day = "2025-09-23"
    held = valued_holdings(prices, {"WBD": 101, "APP": 3, "NOPE": 5}, day)
    assert {holding.symbol for holding in held} == {"WBD", "APP", "NOPE"}
    values = [holding.value for holding in held if holding.value is not None]
    assert values == sorted(values, reverse=True)
    app = next(holding for holding in held if holding.symbol == "APP")
    assert app.close == prices.close("APP", day) and app.value == 3 * (app.close or 0)
    assert held[-1] == Holding("NOPE", 5, None) and held[-1].value is None


def test_a_day_off_the_calendar_takes_the_latest_close_before_it(prices: PriceData) -> None:
    (held,) = valued_holdings(prices, {"AAPL": 2}, "2025-09-27")  # a Saturday
    assert held.close == prices.close("AAPL", "2025-09-26")


def day(on: str, days: list[str]) -> ModelDay:
    """A model-day with nothing in it but its place among the stored days."""
    return ModelDay("m", on, {}, [], [], [], [], days)


def test_previous_and_next_stored_days() -> None:
    days = ["2025-09-22", "2025-09-23", "2025-09-25"]
    assert (day(days[0], days).previous_day, day(days[0], days).next_day) == (None, days[1])
    assert (day(days[1], days).previous_day, day(days[1], days).next_day) == (days[0], days[2])
    assert (day(days[2], days).previous_day, day(days[2], days).next_day) == (days[1], None)
