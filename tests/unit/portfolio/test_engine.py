"""The order book, hand-computed: fills at the open, cash checks, amounts, costs, valuation."""

from __future__ import annotations

from typing import Any

import pytest

from service.market.asof import AsOfView
from service.market.catalog import NASDAQ100
from service.market.rules import MAX_ORDER_UNITS, QuantityError
from service.portfolio.engine import Holdings, OrderBook, OrderError
from tests.unit.pricebuilder import build_prices

pytestmark = pytest.mark.unit

THU, FRI = "2025-10-02", "2025-10-03"
# NOOPEN trades on Thursday but has only a close on Friday, the day of the book.
PRICES = build_prices(
    {
        "AAPL": {THU: (98.0, 99.0), FRI: (100.0, 110.0)},
        "MSFT": {THU: (249.0, 250.0), FRI: (250.25, 240.5)},
        "NVDA": {THU: (180.0, 181.0), FRI: (187.5, 187.62)},
        "NOOPEN": {THU: (39.0, 40.0), FRI: (None, 42.0)},
    }
)


def book(cash: float, fee_bps: float = 0.0, slippage_bps: float = 0.0, **shares: int) -> OrderBook:
    """A Friday book starting from cash and shares."""
    return OrderBook(
        AsOfView(PRICES, FRI, NASDAQ100), Holdings(cash, shares), fee_bps, slippage_bps
    )


def test_buy_then_sell_to_the_cent() -> None:
    orders = book(1000.0)
    fill = orders.buy("MSFT", 3)
    assert (fill.action_type, fill.symbol, fill.amount, fill.price) == ("buy", "MSFT", 3, 250.25)
    assert fill.cash_after == pytest.approx(249.25, abs=1e-9)
    assert fill.holdings_after == {"MSFT": 3}
    orders.sell("MSFT", 1)
    last = orders.sell("MSFT", 2)
    assert last.action_type == "sell"
    assert last.cash_after == pytest.approx(1000.0, abs=1e-9)
    assert last.holdings_after == {}  # a sold-out position disappears, never 0
    assert [f.holdings_after for f in orders.fills] == [{"MSFT": 3}, {"MSFT": 2}, {}]


def test_sale_frees_cash_for_a_later_buy_the_same_day() -> None:
    orders = book(60.0, AAPL=2)
    with pytest.raises(OrderError, match="insufficient cash"):
        orders.buy("MSFT", 1)
    orders.sell("AAPL", 2)
    orders.buy("MSFT", 1)
    assert orders.state.cash == pytest.approx(9.75, abs=1e-9)
    assert orders.state.shares == {"MSFT": 1}


def test_insufficient_cash_changes_nothing() -> None:
    orders = book(500.0, AAPL=1)
    with pytest.raises(OrderError, match=r"costs 500\.50, cash is 500\.00"):
        orders.buy("MSFT", 2)
    assert orders.state == Holdings(500.0, {"AAPL": 1})
    assert orders.fills == []


def test_exactly_affordable_buy_is_accepted() -> None:
    orders = book(500.5)
    orders.buy("MSFT", 2)
    assert orders.state.cash == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(("held", "amount"), [({"AAPL": 2}, 3), ({}, 1), ({"MSFT": 5}, 1)])
def test_overselling_is_rejected_and_changes_nothing(held: dict[str, int], amount: int) -> None:
    orders = book(10.0, **held)
    with pytest.raises(OrderError, match="no shorting"):
        orders.sell("AAPL", amount)
    assert orders.state == Holdings(10.0, held)
    assert orders.fills == []


BAD_AMOUNTS: list[Any] = [
    *(0, -1, "-3", 2.5, "2.5", 1e-9, True, False, "ten", "", None, [1], {"n": 1}),
    *(float("nan"), float("inf"), MAX_ORDER_UNITS + 1, 1e12),
]


@pytest.mark.parametrize("amount", BAD_AMOUNTS, ids=repr)
def test_bad_amount_is_rejected(amount: Any) -> None:
    with pytest.raises(QuantityError, match="amount"):
        NASDAQ100.check_quantity(amount)
    orders = book(1000.0, AAPL=5)
    for action in (orders.buy, orders.sell):
        with pytest.raises(OrderError, match="amount"):
            action("AAPL", amount)
    assert orders.state == Holdings(1000.0, {"AAPL": 5})


def test_astronomic_integer_amount_is_an_order_error() -> None:
    with pytest.raises(QuantityError):
        NASDAQ100.check_quantity(10**400)


@pytest.mark.parametrize("amount", [5, "5", 5.0, " 5 ", "5.0"], ids=repr)
def test_whole_number_amounts_are_accepted(amount: Any) -> None:
    assert NASDAQ100.check_quantity(amount) == 5
    fill = book(1000.0).buy("AAPL", amount)
    assert fill.amount == 5
    assert fill.cash_after == pytest.approx(500.0, abs=1e-9)


def test_largest_amount_is_accepted_by_the_check() -> None:
    assert NASDAQ100.check_quantity(MAX_ORDER_UNITS) == MAX_ORDER_UNITS


def test_symbol_without_an_open_cannot_be_traded() -> None:
    orders = book(1000.0, NOOPEN=3)
    for action in (orders.buy, orders.sell):
        with pytest.raises(OrderError, match=f"NOOPEN has no open on {FRI}"):
            action("NOOPEN", 1)
    assert orders.state == Holdings(1000.0, {"NOOPEN": 3})


@pytest.mark.parametrize("symbol", ["ZZZZ", "", "   ", None, 42, ["AAPL"]], ids=repr)
def test_unknown_or_malformed_symbol_is_rejected(symbol: Any) -> None:
    orders = book(1000.0)
    with pytest.raises(OrderError, match="symbol"):
        orders.buy(symbol, 1)
    assert orders.state == Holdings(1000.0, {})


def test_lowercase_symbol_is_accepted_as_its_ticker() -> None:
    orders = book(1000.0)
    orders.buy("aapl", 2)
    orders.sell(" aapl ", 1)
    assert orders.state.shares == {"AAPL": 1}
    assert [fill.symbol for fill in orders.fills] == ["AAPL", "AAPL"]


def test_fee_and_slippage_are_applied() -> None:
    # 50 bps slippage: buys fill at 100.50, sells at 99.50; 10 bps fee on the traded value.
    orders = book(1000.0, fee_bps=10, slippage_bps=50)
    bought = orders.buy("AAPL", 2)
    assert bought.price == pytest.approx(100.5)
    assert bought.cash_after == pytest.approx(1000 - 201.201, abs=1e-9)
    sold = orders.sell("AAPL", 2)
    assert sold.price == pytest.approx(99.5)
    assert sold.cash_after == pytest.approx(1000 - 201.201 + 198.801, abs=1e-9)


def test_costs_count_in_the_cash_check_and_affordable() -> None:
    orders = book(201.2, fee_bps=10, slippage_bps=50)
    assert orders.affordable("AAPL") == 1
    with pytest.raises(OrderError, match="insufficient cash"):
        orders.buy("AAPL", 2)
    assert book(201.201, fee_bps=10, slippage_bps=50).affordable("AAPL") == 2


def test_affordable_follows_the_running_cash() -> None:
    orders = book(1000.0)
    assert orders.affordable("AAPL") == 10
    assert orders.affordable("MSFT") == 3
    assert orders.affordable("NOOPEN") == 0
    assert orders.affordable("ZZZZ") == 0
    orders.buy("AAPL", 7)
    assert orders.affordable("AAPL") == 3
    assert book(300.0).affordable("AAPL") == 3


def test_start_holdings_are_not_modified() -> None:
    start = Holdings(1000.0, {"AAPL": 1})
    orders = OrderBook(AsOfView(PRICES, FRI, NASDAQ100), start)
    orders.buy("AAPL", 2)
    assert start == Holdings(1000.0, {"AAPL": 1})


def test_value_uses_the_close_or_the_latest_earlier_close() -> None:
    holdings = Holdings(10.0, {"AAPL": 2, "NVDA": 1})
    assert holdings.value(PRICES, FRI) == pytest.approx(10 + 2 * 110.0 + 187.62)
    assert holdings.value(PRICES, THU) == pytest.approx(10 + 2 * 99.0 + 181.0)
    # The newest day has no closes at all: everything is valued at Friday's closes.
    assert holdings.value(PRICES, "2025-10-06") == holdings.value(PRICES, FRI)


def test_value_of_a_symbol_without_a_close_on_the_day() -> None:
    prices = build_prices(
        {
            "AAPL": {THU: (98.0, 99.0), FRI: (100.0, 110.0)},
            "MSFT": {THU: (249.0, 250.0), FRI: (250.25, None)},
            "NVDA": {THU: (180.0, 181.0), FRI: (187.5, 187.62)},
        }
    )
    assert Holdings(0.0, {"MSFT": 3}).value(prices, FRI) == pytest.approx(750.0)
