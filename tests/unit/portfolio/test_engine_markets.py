"""The order book under other markets' rules, hand-computed: lots, T+1, decimals, sell tax.

The rules are shaped like the markets of issue 14 (tests/unit/market_shapes.py): the book only
ever reads the rules it is handed, never a market's name.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.market.asof import AsOfView
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings, OrderBook, OrderError
from tests.unit.market_shapes import COINS, LOTS, LOTS_T1
from tests.unit.pricebuilder import build_prices

pytestmark = pytest.mark.unit

# Thursday to Thursday: a weekend after FRI, a holiday (Wednesday 10-08) after TUE.
THU, FRI, MON, TUE, NEXT_THU = "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07", "2025-10-09"
DAYS = (THU, FRI, MON, TUE, NEXT_THU)
PRICES = build_prices(
    {
        "ABC": dict.fromkeys(DAYS, (12.34, 12.5)),
        "XYZ": dict.fromkeys(DAYS, (50.0, 51.0)),
        "BTC": dict.fromkeys(DAYS, (43210.1234, 43300.0)),
        "TINY": dict.fromkeys(DAYS, (0.1, 0.1)),
    }
)


def book(
    rules: MarketRules,
    cash: float,
    day: str = FRI,
    prices: PriceData = PRICES,
    sell_tax_bps: float = 0.0,
    fee_bps: float = 0.0,
    **shares: float,
) -> OrderBook:
    """A book of day under rules, starting from cash and shares."""
    return OrderBook(
        AsOfView(prices, day, rules),
        Holdings(cash, shares),
        fee_bps=fee_bps,
        sell_tax_bps=sell_tax_bps,
    )


def refused(orders: OrderBook, action: str, symbol: str, amount: object, reason: str) -> None:
    """The order is refused for reason and leaves cash, holdings and fills as they were."""
    before, fills = orders.state.copy(), list(orders.fills)
    with pytest.raises(OrderError, match=reason):
        getattr(orders, action)(symbol, amount)
    assert (orders.state, orders.fills) == (before, fills)


class TestLots:
    def test_affordable_is_rounded_down_to_the_lot(self) -> None:
        orders = book(LOTS, 10_000.0)
        # 10 000 / 12.34 = 810.37 shares: 8 lots.
        assert orders.affordable("ABC") == 800
        assert book(LOTS, 1233.99).affordable("ABC") == 0  # 99.99 shares: not one lot
        orders.buy("ABC", orders.affordable("ABC"))
        assert orders.state.cash == pytest.approx(10_000 - 800 * 12.34, abs=1e-9)
        assert orders.affordable("ABC") == 0

    @pytest.mark.parametrize("amount", [50, 150, 1, "250", 99.0])
    def test_buys_off_the_lot_are_refused_by_the_lot_rule(self, amount: object) -> None:
        refused(book(LOTS, 100_000.0), "buy", "ABC", amount, "in lots of 100")

    def test_buying_more_lots_than_the_cash_pays_for_is_refused_by_the_cash_rule(self) -> None:
        refused(book(LOTS, 10_000.0), "buy", "ABC", 900, "insufficient cash")

    def test_sells_are_lots_or_the_whole_holding(self) -> None:
        orders = book(LOTS, 0.0, ABC=250)
        refused(orders, "sell", "ABC", 50, r"in lots of 100, or all 250 shares held, got 50")
        orders.sell("ABC", 200)
        assert orders.state.shares == {"ABC": 50}
        # The odd lot left can be sold, but only whole.
        refused(orders, "sell", "ABC", 30, r"or all 50 shares held, got 30")
        refused(orders, "sell", "ABC", 100, r"50 held \(no shorting\)")
        last = orders.sell("ABC", "50")
        assert (last.amount, last.holdings_after) == (50, {})
        assert orders.state.cash == pytest.approx(250 * 12.34, abs=1e-9)

    def test_an_odd_holding_is_sold_whole_in_one_order(self) -> None:
        orders = book(LOTS, 0.0, ABC=250)
        fill = orders.sell("ABC", 250)
        assert (fill.amount, orders.state.shares) == (250, {})

    def test_a_holding_on_the_lot_is_sold_in_lots(self) -> None:
        orders = book(LOTS, 0.0, ABC=300)
        refused(orders, "sell", "ABC", 150, r"in lots of 100, got 150")
        orders.sell("ABC", 100)
        assert orders.state.shares == {"ABC": 200}

    def test_without_settlement_lag_a_buy_can_be_sold_the_same_day(self) -> None:
        orders = book(LOTS, 10_000.0)
        orders.buy("ABC", 200)
        orders.sell("ABC", 200)
        assert orders.state.cash == pytest.approx(10_000.0, abs=1e-9)
        assert orders.state.shares == {}


class TestTPlusOne:
    def test_units_bought_today_cannot_be_sold_today(self) -> None:
        orders = book(LOTS_T1, 10_000.0, ABC=100)
        orders.buy("ABC", 200)
        assert (orders.state.shares["ABC"], orders.sellable("ABC")) == (300, 100)
        refused(
            orders,
            "sell",
            "ABC",
            200,
            r"cannot sell 200 ABC today: 200 of the 300 held were bought today and settle T\+1, "
            r"so they can be sold from the next trading day; 100 can be sold today",
        )
        orders.sell("ABC", 100)
        assert (orders.state.shares["ABC"], orders.sellable("ABC")) == (200, 0)
        refused(orders, "sell", "ABC", 100, r"T\+1.*; 0 can be sold today")

    def test_sold_units_bought_back_cannot_be_sold_again_the_same_day(self) -> None:
        orders = book(LOTS_T1, 0.0, ABC=200)
        orders.sell("ABC", 200)
        orders.buy("ABC", 100)
        assert orders.sellable("ABC") == 0
        refused(orders, "sell", "ABC", 100, r"T\+1")

    def test_a_symbol_bought_today_only_cannot_be_sold(self) -> None:
        orders = book(LOTS_T1, 10_000.0)
        orders.buy("xyz", 100)
        assert orders.sellable(" xyz ") == 0
        refused(orders, "sell", "XYZ", 100, r"100 of the 100 held were bought today")

    def test_the_whole_odd_holding_waits_for_its_units_bought_today(self) -> None:
        orders = book(LOTS_T1, 10_000.0, ABC=50)
        orders.buy("ABC", 100)
        refused(orders, "sell", "ABC", 150, r"T\+1.*; 50 can be sold today")
        # The settled 50 are not the whole holding today: the lot rule keeps them until tomorrow.
        refused(orders, "sell", "ABC", 50, r"or all 150 shares held")

    def test_buys_settle_over_a_weekend_and_a_holiday(self) -> None:
        # FRI -> MON over a weekend; TUE -> NEXT_THU over the Wednesday holiday.
        assert PRICES.next_trading_day(FRI) == MON
        assert PRICES.next_trading_day(TUE) == NEXT_THU
        holdings = Holdings(10_000.0)
        for bought_on, next_day in ((FRI, MON), (TUE, NEXT_THU)):
            orders = OrderBook(AsOfView(PRICES, bought_on, LOTS_T1), holdings)
            orders.buy("ABC", 100)
            refused(orders, "sell", "ABC", 100, r"T\+1")
            # The next trading day's book starts from this day's end: the 100 are settled.
            following = OrderBook(AsOfView(PRICES, next_day, LOTS_T1), orders.state)
            assert following.sellable("ABC") == 100
            following.sell("ABC", 100)
            holdings = following.state
        assert holdings.cash == pytest.approx(10_000.0, abs=1e-9)
        assert holdings.shares == {}


class TestDecimals:
    def test_affordable_is_rounded_down_to_the_step_and_cash_stays_to_the_cent(self) -> None:
        orders = book(COINS, 1000.0)
        # 1000 / 43210.1234 = 0.023142...
        assert orders.affordable("BTC") == 0.0231
        orders.buy("BTC", 0.0231)
        exact = Decimal("1000") - Decimal("0.0231") * Decimal("43210.1234")
        assert Decimal(repr(orders.state.cash)).quantize(Decimal("0.01")) == exact.quantize(
            Decimal("0.01")
        )
        assert orders.state.cash == pytest.approx(float(exact), abs=1e-9)
        assert orders.state.shares == {"BTC": 0.0231}

    @pytest.mark.parametrize("amount", [0.00005, 0.12345, "1e-5"])
    def test_amounts_off_the_step_are_refused(self, amount: object) -> None:
        refused(book(COINS, 50_000.0), "buy", "BTC", amount, "in steps of 0.0001")

    def test_buying_everything_affordable_never_leaves_cash_negative(self) -> None:
        # 0.3 / 0.1 is 2.9999999999999996 in floats, and 3 x 0.1 is 0.30000000000000004.
        orders = book(COINS, 0.3)
        assert orders.affordable("TINY") == 3.0
        fill = orders.buy("TINY", orders.affordable("TINY"))
        assert fill.cash_after == 0.0 and orders.state.cash == 0.0

    def test_affordable_never_rounds_up_past_the_cash(self) -> None:
        # floor(cash / price) with its tolerance would reach 0.0232 coins here, a bit more than
        # the cash pays for: affordable takes one step fewer, and that buy is accepted.
        price = 43210.1234
        cash = 0.0232 * price - 2e-9
        orders = book(COINS, cash)
        assert orders.affordable("BTC") == 0.0231
        orders.buy("BTC", orders.affordable("BTC"))
        assert orders.state.cash >= 0

    def test_quantities_add_up_without_float_noise(self) -> None:
        orders = book(COINS, 100.0)
        orders.buy("TINY", 0.1)
        orders.buy("TINY", 0.2)
        assert orders.state.shares == {"TINY": 0.3}  # not 0.30000000000000004
        orders.sell("TINY", 0.1)
        assert orders.state.shares == {"TINY": 0.2}  # not 0.19999999999999998
        orders.sell("TINY", 0.2)
        assert orders.state.cash == pytest.approx(100.0, abs=1e-12)
        assert orders.state.shares == {}

    def test_a_holding_off_the_step_is_sold_whole(self) -> None:
        # An imported holding of 0.123456 coins: 0.1 of it sells in steps, the rest only whole.
        orders = book(COINS, 0.0, BTC=0.123456)
        orders.sell("BTC", 0.1)
        left = orders.state.shares["BTC"]
        assert left == pytest.approx(0.023456, abs=1e-15)
        refused(orders, "sell", "BTC", 0.02345, r"in steps of 0.0001, or all 0.023456 coins held")
        fill = orders.sell("BTC", 0.023456)
        assert fill.amount == left and orders.state.shares == {}
        assert orders.state.cash == pytest.approx(0.123456 * 43210.1234, abs=1e-9)


class TestSellTax:
    def test_sell_tax_is_taken_from_the_proceeds_of_sells_only(self) -> None:
        orders = book(LOTS_T1, 10_000.0, sell_tax_bps=5, ABC=100)
        bought = orders.buy("XYZ", 100)
        assert bought.cash_after == pytest.approx(10_000 - 5000.0, abs=1e-9)  # no tax on buys
        sold = orders.sell("ABC", 100)
        assert sold.price == 12.34  # the tax is not a price: the fill is at the open
        assert sold.cash_after == pytest.approx(5000 + 1234 * (1 - 0.0005), abs=1e-9)

    def test_sell_tax_and_fee_both_apply_to_the_traded_value(self) -> None:
        orders = book(LOTS, 0.0, sell_tax_bps=5, fee_bps=10, ABC=100)
        orders.sell("ABC", 100)
        assert orders.state.cash == pytest.approx(1234 - 1.234 - 0.617, abs=1e-9)

    def test_no_sell_tax_by_default(self) -> None:
        orders = book(LOTS, 0.0, ABC=100)
        orders.sell("ABC", 100)
        assert orders.state.cash == pytest.approx(1234.0, abs=1e-9)
