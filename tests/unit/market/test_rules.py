"""MarketRules: quantity steps (whole units, lots, decimals), snapshots, the catalog."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.market.catalog import MARKETS, NASDAQ100, market_rules
from service.market.rules import MarketRules, QuantityError

pytestmark = pytest.mark.unit

LOTS = replace(NASDAQ100, name="lots", lot_size=100)
COINS = replace(NASDAQ100, name="coins", unit="coin", quantity_decimals=4, every_day=True)


@pytest.mark.parametrize(
    ("rules", "amount", "expected"),
    [
        (NASDAQ100, "7", 7),
        (NASDAQ100, 7.0, 7),
        (LOTS, 300, 300),
        (COINS, 0.1352, 0.1352),
        (COINS, "0.30000000000000004", 0.3),
        (COINS, 2, 2.0),
    ],
)
def test_allowed_amounts(rules: MarketRules, amount: object, expected: float) -> None:
    checked = rules.check_quantity(amount)
    assert checked == expected
    assert isinstance(checked, int) == (rules.quantity_decimals == 0)


@pytest.mark.parametrize(
    ("rules", "amount", "message"),
    [
        (NASDAQ100, 2.5, "whole number of shares, got 2.5"),
        (NASDAQ100, 1e-9, "whole number of shares"),
        (LOTS, 150, "in lots of 100, got 150"),
        (COINS, 0.00005, "in steps of 0.0001, got 5e-05"),
        (COINS, -1, "positive, got -1"),
        (COINS, "ten", "got 'ten'"),
    ],
)
def test_refused_amounts_say_which_rule(rules: MarketRules, amount: object, message: str) -> None:
    with pytest.raises(QuantityError, match=message):
        rules.check_quantity(amount)


def test_floor_quantity_rounds_down_to_the_step() -> None:
    assert NASDAQ100.floor_quantity(12.999) == 12
    assert LOTS.floor_quantity(299.0) == 200
    assert COINS.floor_quantity(0.13529) == 0.1352
    assert COINS.floor_quantity(-1.0) == 0


def test_periods_per_year_counts_bars() -> None:
    assert NASDAQ100.periods_per_year == 252
    assert replace(NASDAQ100, bars_per_day=6).periods_per_year == 1512


def test_rules_travel_as_json_and_back() -> None:
    stored = {**COINS.to_dict(), "a_later_field": 1}
    assert MarketRules.from_dict(stored) == COINS


def test_catalog() -> None:
    assert market_rules("nasdaq100") is NASDAQ100
    assert (NASDAQ100.currency, NASDAQ100.benchmark, NASDAQ100.initial_cash) == (
        "USD",
        "QQQ",
        10000.0,
    )
    with pytest.raises(KeyError, match="known: nasdaq100"):
        market_rules("moon")
    assert list(MARKETS) == ["nasdaq100"]
