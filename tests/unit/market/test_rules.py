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
    with pytest.raises(KeyError, match="known: nasdaq100, sse50, crypto10, nasdaq100_hourly"):
        market_rules("moon")
    assert list(MARKETS) == ["nasdaq100", "sse50", "crypto10", "nasdaq100_hourly", "sse50_hourly"]


def test_the_hourly_markets_are_their_daily_markets_in_bars() -> None:
    us, cn = market_rules("nasdaq100_hourly"), market_rules("sse50_hourly")
    assert (us.bars_per_day, us.periods_per_year, us.labelled_by_end) == (6, 1512, False)
    assert (cn.bars_per_day, cn.periods_per_year, cn.labelled_by_end) == (4, 968, True)
    assert (cn.lot_size, cn.settlement_days, cn.currency) == (100, 1, "CNY")
    assert us.intraday and cn.intraday and not NASDAQ100.intraday


def test_the_markets_follow_ai_traders_rules() -> None:
    sse50, crypto10 = market_rules("sse50"), market_rules("crypto10")
    assert (sse50.currency, sse50.initial_cash, sse50.benchmark) == ("CNY", 100_000.0, "000016.SH")
    assert (sse50.lot_size, sse50.settlement_days, sse50.periods_per_year) == (100, 1, 242)
    assert sse50.check_quantity(300) == 300
    with pytest.raises(QuantityError, match="lots of 100"):
        sse50.check_quantity(150)
    assert (crypto10.currency, crypto10.initial_cash, crypto10.benchmark) == (
        "USDT",
        50_000.0,
        "CD5",
    )
    assert (crypto10.step, crypto10.settlement_days, crypto10.periods_per_year) == (0.0001, 0, 365)
    assert crypto10.check_quantity("0.1352") == 0.1352
    with pytest.raises(QuantityError, match="steps of 0.0001"):
        crypto10.check_quantity(0.00005)


@pytest.mark.parametrize(
    ("rules", "amount", "held", "expected"),
    [
        (LOTS, 200, 250, 200),  # lots of an odd holding
        (LOTS, 250, 250, 250),  # the whole odd holding
        (LOTS, "50", 50, 50),  # an odd lot alone
        (LOTS, 300, 300, 300),
        (COINS, 0.023456, 0.023456000000000002, 0.023456000000000002),  # whole, noise and all
        (COINS, 0.0234, 0.023456, 0.0234),
        (NASDAQ100, 10.5, 10.5, 10.5),  # an imported fractional holding
        (NASDAQ100, 3, 2, 3),  # the holdings rule is the book's, not the quantity rule's
    ],
)
def test_a_sale_is_on_the_step_or_the_whole_holding(
    rules: MarketRules, amount: object, held: float, expected: float
) -> None:
    assert rules.check_sale(amount, held) == expected


@pytest.mark.parametrize(
    ("rules", "amount", "held", "message"),
    [
        (LOTS, 50, 250, "in lots of 100, or all 250 shares held, got 50"),
        (LOTS, 150, 300, r"in lots of 100, got 150$"),  # a holding on the lot sells in lots
        (LOTS, 50, 0, r"in lots of 100, got 50$"),
        (LOTS, -250, 250, "positive, got -250"),
        (COINS, 0.02345, 0.123456789, "or all 0.123456789 coins held, got 0.02345"),
        (NASDAQ100, 2.5, 5, r"whole number of shares, got 2.5$"),
    ],
)
def test_a_refused_sale_says_which_rule(
    rules: MarketRules, amount: object, held: float, message: str
) -> None:
    with pytest.raises(QuantityError, match=message):
        rules.check_sale(amount, held)


def test_tidy_removes_float_noise_and_keeps_odd_quantities() -> None:
    assert COINS.tidy(0.1 + 0.2) == 0.3
    assert COINS.tidy(0.3 - 0.1) == 0.2
    assert COINS.tidy(0.023456) == 0.023456
    assert LOTS.tidy(250) == 250 and isinstance(LOTS.tidy(300.0), int)
    assert NASDAQ100.tidy(7) == 7 and isinstance(NASDAQ100.tidy(7), int)


def test_what_a_symbol_is_called() -> None:
    assert NASDAQ100.asset == "stock"
    assert COINS.asset == "coin"
