"""Properties of the order book under rules shaped like each market, over random order sequences.

An oracle written from the rules' statement (exact arithmetic, amounts built on or off the step)
says whether each order must fill or which rule must refuse it; the book must agree, never break
a rule with a fill, never let cash or a holding go negative, and change nothing when it refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.market.asof import AsOfView
from service.market.catalog import NASDAQ100
from service.market.rules import MAX_ORDER_UNITS, MarketRules, QuantityError
from service.portfolio.engine import Holdings, OrderBook, OrderError
from tests.unit.market_shapes import COINS, LOTS_T1
from tests.unit.pricebuilder import build_prices

pytestmark = pytest.mark.unit

DAY = "2025-10-07"
OPENS = {"AAA": 12.34, "BBB": 0.1, "CCC": 43210.1234, "DDD": 187.5}
PRICES = build_prices(
    {
        **{
            symbol: {"2025-10-06": (price, price), DAY: (price, price)}
            for symbol, price in OPENS.items()
        },
        "NOOPEN": {"2025-10-06": (5.0, 5.0), DAY: (None, 5.0)},
    }
)
SYMBOLS = tuple(OPENS)
MARKETS = {"whole shares": NASDAQ100, "lots and T+1": LOTS_T1, "decimals": COINS}
# Within this of the cash, the oracle accepts a buy being filled or refused: float rounding.
CASH_MARGIN = Fraction(1, 10**6)


@dataclass(frozen=True)
class Amount:
    """How an order's amount is built when it is placed, from the book's state then."""

    kind: str  # steps, off_step, all, sellable, affordable, bad
    steps: int = 1
    bad: Any = None

    def value(self, book: OrderBook, symbol: str) -> Any:
        """The amount to send."""
        rules = book.rules
        if self.kind == "steps":
            return rules.units(self.steps * rules.step)
        if self.kind == "off_step":
            return (self.steps + 0.5) * rules.step
        if self.kind == "all":
            return book.state.shares.get(symbol, 0)
        if self.kind == "sellable":
            return book.sellable(symbol)
        if self.kind == "affordable":
            return book.affordable(symbol)
        return self.bad


AMOUNTS = st.one_of(
    st.builds(Amount, st.just("steps"), st.integers(1, 5)),
    st.builds(Amount, st.just("steps"), st.integers(1, 40)),
    st.builds(Amount, st.just("steps"), st.integers(1, 3000)),
    st.builds(Amount, st.just("off_step"), st.integers(0, 40)),
    st.sampled_from([Amount("all"), Amount("all"), Amount("sellable"), Amount("affordable")]),
    st.builds(Amount, st.just("bad"), bad=st.sampled_from([0, -100, "ten", None, True, 1e12])),
)
ORDERS = st.lists(
    st.tuples(
        st.sampled_from(("buy", "sell")),
        st.sampled_from(SYMBOLS * 6 + ("NOOPEN", "ZZZZ")),
        AMOUNTS,
    ),
    max_size=40,
)
COSTS = st.sampled_from([0.0, 0.0, 5.0, 25.0])
PROPERTY_SETTINGS = settings(max_examples=150, derandomize=True, database=None, deadline=None)


@st.composite
def starts(draw: st.DrawFn, rules: MarketRules) -> Holdings:
    """Cash and a start holding per symbol: on the step, or (imported, split) off it."""
    shares: dict[str, float] = {}
    for symbol in draw(st.lists(st.sampled_from(SYMBOLS), unique=True, max_size=3)):
        steps = draw(st.integers(1, 50))
        odd = draw(st.sampled_from([0.0, 0.0, 0.37, 0.5]))
        shares[symbol] = rules.tidy(rules.units(steps * rules.step) + odd * rules.step)
    return Holdings(draw(st.floats(min_value=0, max_value=200_000)), shares)


def exact(number: float) -> Fraction:
    """A float as the exact rational it is."""
    return Fraction(number)


def decimal(number: float) -> Fraction:
    """A float as the shortest decimal that reads back as it (0.1 is 1/10)."""
    return Fraction(repr(float(number)))


def is_on_step(rules: MarketRules, quantity: Fraction) -> bool:
    """Whether quantity is a whole, positive number of steps (the step of the statement)."""
    steps = quantity / (Fraction(rules.lot_size) / 10**rules.quantity_decimals)
    return bool(steps.denominator == 1 and steps >= 1)


def expected(
    book: OrderBook, action: str, symbol: str, amount: Any, fee: float, tax: float
) -> str | None:
    """None when the order must fill, else a phrase of the refusal it must get."""
    rules, state = book.rules, book.state
    if symbol not in SYMBOLS:
        return "NOOPEN has no open" if symbol == "NOOPEN" else "unknown symbol"
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
        return "amount"
    if amount > 10_000_000:
        return "larger than"
    # Quantities as the decimals they are written as: the amount the model sent, the holdings.
    quantity, held = decimal(amount), decimal(state.shares.get(symbol, 0))
    if action == "buy":
        if not is_on_step(rules, quantity):
            return "amount must be"
        cost = quantity * exact(OPENS[symbol]) * (1 + exact(fee / 10_000))
        if abs(cost - exact(state.cash)) <= CASH_MARGIN:
            return "either"
        return "insufficient cash" if cost > exact(state.cash) else None
    if not is_on_step(rules, quantity) and quantity != held:
        return "amount must be"
    if quantity > held:
        return "no shorting"
    sold = sum(
        (decimal(f.amount) for f in book.fills if f.action_type == "sell" and f.symbol == symbol),
        Fraction(0),
    )
    if rules.settlement_days >= 1 and quantity > decimal(book.start.shares.get(symbol, 0)) - sold:
        return "settle T+1"
    return None


def allowed(rules: MarketRules, quantity: float) -> bool:
    """Whether quantity is one the quantity rule allows, as it is."""
    try:
        return rules.check_quantity(quantity) == quantity
    except QuantityError:
        return False


def check_fill(book: OrderBook, before: Holdings, action: str) -> None:
    """The last fill obeys the rules and the state it reports is the book's."""
    rules, fill = book.rules, book.fills[-1]
    assert fill.price == OPENS[fill.symbol] * (1 + (book.slippage_rate if action == "buy" else 0))
    held_before = before.shares.get(fill.symbol, 0)
    if action == "buy":
        assert allowed(rules, fill.amount)
    else:
        assert allowed(rules, fill.amount) or fill.amount == held_before  # an odd lot, whole
        assert fill.amount <= held_before
    assert (fill.cash_after, fill.holdings_after) == (book.state.cash, book.state.shares)


def check_state(book: OrderBook) -> None:
    """Cash and holdings are never negative, never float noise; T+1 never sells today's buys."""
    rules, state = book.rules, book.state
    assert state.cash >= 0
    for quantity in state.shares.values():
        assert quantity > 0
        assert rules.tidy(quantity) == quantity
        assert isinstance(quantity, int) == (
            rules.quantity_decimals == 0 and float(quantity).is_integer()
        )
    if rules.settlement_days >= 1:
        for symbol in SYMBOLS:
            sold = sum(
                f.amount for f in book.fills if f.action_type == "sell" and f.symbol == symbol
            )
            assert sold <= book.start.shares.get(symbol, 0) * (1 + 1e-12)


def exact_cash(book: OrderBook, fee: float, tax: float) -> Fraction:
    """The cash the fills leave, in exact arithmetic."""
    cash = exact(book.start.cash)
    fee_rate, tax_rate = exact(fee) / 10_000, exact(tax) / 10_000
    for fill in book.fills:
        value = exact(fill.amount) * exact(fill.price)
        cash += (
            -value * (1 + fee_rate)
            if fill.action_type == "buy"
            else value * (1 - fee_rate - tax_rate)
        )
    return cash


@pytest.mark.parametrize("market", MARKETS)
def test_every_order_is_filled_or_refused_as_the_rules_say(market: str) -> None:
    rules = MARKETS[market]

    @PROPERTY_SETTINGS
    @given(start=starts(rules), orders=ORDERS, fee=COSTS, tax=COSTS)
    def run(start: Holdings, orders: list[tuple[str, str, Amount]], fee: float, tax: float) -> None:
        book = OrderBook(AsOfView(PRICES, DAY, rules), start, fee_bps=fee, sell_tax_bps=tax)
        for action, symbol, how in orders:
            amount = how.value(book, symbol)
            before, fills = book.state.copy(), list(book.fills)
            reason = expected(book, action, symbol, amount, fee, tax)
            try:
                getattr(book, action)(symbol, amount)
            except OrderError as error:
                assert reason is not None, f"{action} {amount} {symbol} refused: {error}"
                assert reason == "either" or reason in str(error)
                assert (book.state, book.fills) == (before, fills)  # a refusal changes nothing
                continue
            assert reason in (None, "either"), f"{action} {amount} {symbol} filled, not {reason}"
            check_fill(book, before, action)
            check_state(book)
        # Cash to the cent, and much closer: float arithmetic drifts by far less than a cent.
        assert abs(exact(book.state.cash) - exact_cash(book, fee, tax)) <= CASH_MARGIN

    run()


@pytest.mark.parametrize("market", MARKETS)
def test_buying_everything_affordable_is_accepted_and_leaves_cash_non_negative(market: str) -> None:
    rules = MARKETS[market]

    @PROPERTY_SETTINGS
    @given(
        cash=st.floats(min_value=0, max_value=1e6),
        price=st.decimals(min_value="0.0001", max_value="100000", places=4),
        fee=st.floats(min_value=0, max_value=1000),
    )
    def run(cash: float, price: Any, fee: float) -> None:
        prices = build_prices({"ONE": {DAY: (float(price), float(price))}})
        book = OrderBook(AsOfView(prices, DAY, rules), Holdings(cash), fee_bps=fee)
        quantity = book.affordable("ONE")
        if quantity:
            book.buy("ONE", quantity)
            assert book.state.cash >= 0
            # Not one step more (but for the largest order): it would cost more than the cash left.
            unit = float(price) * (1 + fee / 10_000)
            assert quantity == MAX_ORDER_UNITS or book.state.cash < rules.step * unit + 1e-9
        else:
            assert cash < rules.step * float(price) * (1 + fee / 10_000) + 1e-9

    run()


@pytest.mark.parametrize("market", MARKETS)
def test_without_costs_the_value_at_the_open_moves_only_by_the_sell_tax(market: str) -> None:
    rules = MARKETS[market]

    @PROPERTY_SETTINGS
    @given(start=starts(rules), orders=ORDERS, tax=COSTS)
    def run(start: Holdings, orders: list[tuple[str, str, Amount]], tax: float) -> None:
        book = OrderBook(AsOfView(PRICES, DAY, rules), start, sell_tax_bps=tax)

        def at_open(state: Holdings) -> float:
            return state.cash + sum(q * OPENS[s] for s, q in state.shares.items())

        initial = at_open(book.state)
        for action, symbol, how in orders:
            try:
                getattr(book, action)(symbol, how.value(book, symbol))
            except OrderError:
                pass
        taxes = sum(
            f.amount * f.price * tax / 10_000 for f in book.fills if f.action_type == "sell"
        )
        assert at_open(book.state) == pytest.approx(initial - taxes, rel=1e-9, abs=1e-6)

    run()
