"""Replaying imported lines: a state that disagrees with its order is noted, never changed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.importer.reader import PositionLine
from service.importer.replay import replay_notes, trade_price
from service.market.catalog import NASDAQ100
from service.portfolio.engine import ActionType
from tests.unit.pricebuilder import build_prices

pytestmark = pytest.mark.unit

DAY = "2025-10-02"
PRICES = build_prices({"AAA": {DAY: (10, 11)}, "BTC": {DAY: (0.1, 0.2)}, "BBB": {DAY: (None, 5)}})
STORED = "the file's positions are stored"
# Decimal quantities, so that only the replay itself can disagree in these tests.
COINS = replace(NASDAQ100, quantity_decimals=4)
START = PositionLine(1, "2025-10-01", 0, "init", None, None, None, 1000.0, {"AAA": 2})


def line(
    kind: ActionType = "hold",
    symbol: str | None = None,
    amount: float | None = None,
    cash: float = 1000.0,
    price: float | None = None,
    **shares: float,
) -> PositionLine:
    """Line 2 of a file, after START."""
    return PositionLine(2, DAY, 1, kind, symbol, amount, price, cash, shares)


@pytest.mark.parametrize(
    "after",
    [
        line("buy", "AAA", 3, 970.0, AAA=5),
        line("sell", "AAA", 2, 1020.0),
        line("buy", "AAA", 3, 970.0049, AAA=5),
        line("sell", "AAA", 1, 1099.0, price=99.0, AAA=1),
        line("buy", "BTC", 0.25, 999.975, AAA=2, BTC=0.25),
        line(AAA=2),
    ],
)
def test_a_line_that_is_its_order_replayed_has_no_note(after: PositionLine) -> None:
    assert replay_notes([START, after], PRICES, COINS) == []


@pytest.mark.parametrize(
    ("after", "note"),
    [
        (
            line("buy", "AAA", 3, 969.99, AAA=5),
            "buy 3 AAA at 10: expected cash 970, the file says cash 969.99",
        ),
        (
            line("buy", "AAA", 3, 970.0, AAA=4),
            "buy 3 AAA at 10: expected AAA 5, the file says AAA 4",
        ),
        (
            line("sell", "AAA", 3, 1030.0),
            "sell 3 AAA at 10: expected AAA -1, the file says AAA 0",
        ),
        (
            line("sell", "AAA", 1, 1010.0, price=12.5, AAA=1, BBB=1),
            "sell 1 AAA at 12.5: expected cash 1012.5, BBB 0, the file says cash 1010, BBB 1",
        ),
        (line(cash=900.0, AAA=2), "hold: expected cash 1000, the file says cash 900"),
        (line("buy", "BBB", 1, 995.0, AAA=2, BBB=1), "buy 1 BBB: no open of BBB on 2025-10-02"),
        (line("buy", "ZZZ", 1, 995.0, AAA=2, ZZZ=1), "buy 1 ZZZ: no open of ZZZ on 2025-10-02"),
    ],
)
def test_a_line_that_disagrees_with_its_replay_is_noted(after: PositionLine, note: str) -> None:
    assert replay_notes([START, after], PRICES, COINS) == [(2, f"{note}; {STORED}")]


def test_fractional_quantities_agree_up_to_float_noise() -> None:
    held = line("buy", "BTC", 0.1, 999.99, AAA=2, BTC=0.1)
    more = PositionLine(3, DAY, 2, "buy", "BTC", 0.2, None, 999.97, {"AAA": 2, "BTC": 0.3})

    assert 0.1 + 0.2 != 0.3
    assert replay_notes([START, held, more], PRICES, COINS) == []


def test_each_line_is_replayed_from_the_state_the_file_gives_before_it() -> None:
    off = line("buy", "AAA", 1, 900.0, AAA=3)
    then = PositionLine(3, DAY, 2, "buy", "AAA", 1, None, 890.0, {"AAA": 4})

    assert [number for number, _ in replay_notes([START, off, then], PRICES, COINS)] == [2]


def test_the_price_of_a_trade_is_the_lines_own_else_the_open() -> None:
    assert trade_price(line("buy", "AAA", 1, price=9.5), PRICES) == 9.5
    assert trade_price(line("buy", "AAA", 1), PRICES) == 10.0
    assert trade_price(line("buy", "BBB", 1), PRICES) is None
    assert trade_price(line(), PRICES) is None


def test_an_amount_the_market_would_not_allow_is_stored_with_a_note() -> None:
    half = PositionLine(2, DAY, 1, "buy", "AAA", 0.5, 10.0, 995.0, {"AAA": 2.5})

    notes = replay_notes([START, half], PRICES, NASDAQ100)

    message = "amount must be a positive whole number of shares, got 0.5 on NASDAQ-100"
    assert notes == [(2, f"buy 0.5 AAA: {message}")]


# Lots of 100 under T+1, like SSE-50.
LOTS = replace(COINS, quantity_decimals=0, lot_size=100, settlement_days=1, label="Lots")
NEXT_DAY = "2025-10-03"
NEXT_PRICES = build_prices({"AAA": {DAY: (10, 11), NEXT_DAY: (10, 12)}})
HELD = PositionLine(1, "2025-10-01", 0, "init", None, None, None, 1000.0, {"AAA": 150})


def test_a_sale_of_a_whole_odd_lot_is_allowed_and_a_part_of_it_is_noted() -> None:
    whole = PositionLine(2, DAY, 1, "sell", "AAA", 150, None, 2500.0, {})
    part = PositionLine(2, DAY, 1, "sell", "AAA", 50, None, 1500.0, {"AAA": 100})

    assert replay_notes([HELD, whole], PRICES, LOTS) == []
    assert replay_notes([HELD, part], PRICES, LOTS) == [
        (
            2,
            "sell 50 AAA: amount must be a positive whole number of shares, in lots of 100,"
            " got 50 on Lots",
        )
    ]


def test_a_sale_of_units_bought_the_same_day_is_noted_under_t_plus_1() -> None:
    bought = PositionLine(2, DAY, 1, "buy", "AAA", 100, None, 0.0, {"AAA": 250})
    sold = PositionLine(3, DAY, 2, "sell", "AAA", 200, None, 2000.0, {"AAA": 50})
    next_day = PositionLine(4, NEXT_DAY, 3, "sell", "AAA", 50, None, 2500.0, {})

    notes = replay_notes([HELD, bought, sold, next_day], NEXT_PRICES, LOTS)

    assert notes == [
        (
            3,
            "sell 200 AAA: only 150 were held before 2025-10-02, and units bought that day"
            f" settle T+1 on Lots; {STORED}",
        )
    ]
    # Without T+1 the same lines are in order.
    assert replay_notes([HELD, bought, sold, next_day], NEXT_PRICES, COINS) == []


def test_sales_of_one_day_draw_on_its_start_together() -> None:
    first = PositionLine(2, DAY, 1, "sell", "AAA", 100, None, 2000.0, {"AAA": 50})
    second = PositionLine(3, DAY, 2, "sell", "AAA", 50, None, 2500.0, {})

    assert replay_notes([HELD, first, second], PRICES, LOTS) == []


BAR = "2025-10-02 10:30:00"
LATER_BAR = "2025-10-02 11:30:00"
NEXT_DAY_BAR = "2025-10-03 10:30:00"
BAR_PRICES = build_prices({"AAA": {BAR: (10, 11), LATER_BAR: (10, 11), NEXT_DAY_BAR: (10, 12)}})
HELD_AT_BAR = replace(HELD, date="2025-10-02 08:30:00")


def test_units_bought_in_an_earlier_bar_of_the_day_are_not_settled_under_t_plus_1() -> None:
    bought = PositionLine(2, BAR, 1, "buy", "AAA", 100, None, 0.0, {"AAA": 250})
    sold = PositionLine(3, LATER_BAR, 2, "sell", "AAA", 200, None, 2000.0, {"AAA": 50})
    next_day = PositionLine(4, NEXT_DAY_BAR, 3, "sell", "AAA", 50, None, 2500.0, {})

    notes = replay_notes([HELD_AT_BAR, bought, sold, next_day], BAR_PRICES, LOTS)

    # The bars of a day are one day of settlement; the next day's first bar starts another.
    assert notes == [
        (
            3,
            "sell 200 AAA: only 150 were held before 2025-10-02, and units bought that day"
            f" settle T+1 on Lots; {STORED}",
        )
    ]


def test_an_order_at_a_bar_is_replayed_at_that_bars_open() -> None:
    bought = PositionLine(2, LATER_BAR, 1, "buy", "AAA", 1, None, 989.0, {"AAA": 151})

    assert trade_price(bought, BAR_PRICES) == 10.0
    assert replay_notes([HELD_AT_BAR, bought], BAR_PRICES, COINS) == [
        (2, f"buy 1 AAA at 10: expected cash 990, the file says cash 989; {STORED}")
    ]
