"""Properties of the order book and of a failed model-day, over random order sequences."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.db import connect, init_db
from service.jobs.creation import create_job
from service.jobs.model_day import run_model_day
from service.jobs.planning import JobRequest
from service.journal import DayRecord
from service.market.asof import AsOfView
from service.market.catalog import NASDAQ100
from service.models_config import AgentConfig, ModelsConfig, ModelSpec
from service.portfolio.engine import CASH_EPSILON, Holdings, OrderBook, OrderError
from service.settings import Settings
from tests.markets import nasdaq
from tests.unit.pricebuilder import build_prices

pytestmark = pytest.mark.unit

MON, TUE, WED = "2025-10-06", "2025-10-07", "2025-10-08"
# GAP has no bar on Wednesday and NOOPEN no open: neither can be traded, both are still valued.
PRICES = build_prices(
    {
        "AAPL": {MON: (250.0, 251.0), TUE: (252.0, 249.5), WED: (248.0, 255.25)},
        "MSFT": {MON: (520.0, 521.0), TUE: (522.5, 518.0), WED: (519.0, 524.75)},
        "NVDA": {MON: (185.0, 186.0), TUE: (186.5, 184.0), WED: (183.0, 189.5)},
        "QQQ": {MON: (600.0, 601.0), TUE: (602.0, 598.0), WED: (599.0, 605.0)},
        "GAP": {MON: (10.0, 11.0), TUE: (11.5, 12.5)},
        "NOOPEN": {MON: (40.0, 41.0), TUE: (41.0, 42.0), WED: (None, 43.0)},
    }
)
TRADABLE = ("AAPL", "MSFT", "NVDA", "QQQ")


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Draws good three times as often as bad, so that most sequences really trade."""
    return st.integers(0, 3).flatmap(lambda pick: bad if pick == 0 else good)


GOOD_SYMBOLS = st.sampled_from((*TRADABLE, "nvda", " aapl "))
BAD_SYMBOLS = st.one_of(
    st.sampled_from(("GAP", "NOOPEN", "ZZZZ", "", "QQQ; --")),
    st.none(),
    st.integers(),
    st.text(max_size=6),
)
SYMBOLS = mostly(GOOD_SYMBOLS, BAD_SYMBOLS)
GOOD_AMOUNTS = st.one_of(st.integers(min_value=1, max_value=40), st.sampled_from(["3", 2.0]))
BAD_AMOUNTS = st.one_of(
    st.integers(max_value=0),
    st.integers(min_value=10**6, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not float(x).is_integer()),
    st.sampled_from(["2.5", "ten", "", True, False, None, [1], {"n": 1}]),
)
AMOUNTS = mostly(GOOD_AMOUNTS, BAD_AMOUNTS)
ORDERS = st.lists(st.tuples(st.sampled_from(("buy", "sell")), SYMBOLS, AMOUNTS), max_size=40)
START = st.builds(
    Holdings,
    st.floats(min_value=0, max_value=200_000),
    st.dictionaries(st.sampled_from(TRADABLE + ("GAP",)), st.integers(1, 500), max_size=4),
)
COSTS = st.floats(min_value=0, max_value=1000)
PROPERTY_SETTINGS = settings(max_examples=200, derandomize=True, database=None, deadline=None)


def place(book: OrderBook, action: str, symbol: Any, amount: Any) -> bool:
    """Place one order; whether it was filled."""
    try:
        (book.buy if action == "buy" else book.sell)(symbol, amount)
    except OrderError:
        return False
    return True


def value_at_close(holdings: Holdings, day: str) -> float:
    """cash + Σ quantity × close, a missing close replaced by the latest earlier one."""
    total = holdings.cash
    days = PRICES.trading_days_between(PRICES.first_day, day)[::-1]
    for symbol, quantity in holdings.shares.items():
        closes = [close for d in days if (close := PRICES.close(symbol, d)) is not None]
        total += quantity * closes[0]
    return total


@PROPERTY_SETTINGS
@given(start=START, orders=ORDERS, fee_bps=COSTS, slippage_bps=COSTS)
def test_random_orders_keep_the_book_sound(
    start: Holdings, orders: list[tuple[str, Any, Any]], fee_bps: float, slippage_bps: float
) -> None:
    book = OrderBook(AsOfView(PRICES, WED, NASDAQ100), start, fee_bps, slippage_bps)
    for action, symbol, amount in orders:
        before, fills_before = book.state.copy(), len(book.fills)
        if not place(book, action, symbol, amount):
            assert book.state == before  # a rejected order changes nothing
            assert len(book.fills) == fills_before
            continue
        fill = book.fills[-1]
        assert fill.price > 0
        assert isinstance(fill.amount, int) and fill.amount > 0
        assert (fill.cash_after, fill.holdings_after) == (book.state.cash, book.state.shares)
        assert book.state.cash >= -CASH_EPSILON
        assert all(isinstance(q, int) and q > 0 for q in book.state.shares.values())
    assert book.state.value(PRICES, WED) == pytest.approx(value_at_close(book.state, WED))


@PROPERTY_SETTINGS
@given(start=START, orders=ORDERS)
def test_without_costs_trading_at_the_open_keeps_the_value_at_the_open(
    start: Holdings, orders: list[tuple[str, Any, Any]]
) -> None:
    book = OrderBook(AsOfView(PRICES, WED, NASDAQ100), start)

    def at_open(state: Holdings) -> float:
        held = {s: q for s, q in state.shares.items() if s in TRADABLE}
        return state.cash + sum(q * (PRICES.open(s, WED) or 0.0) for s, q in held.items())

    initial = at_open(book.state)
    for action, symbol, amount in orders:
        place(book, action, symbol, amount)
    assert at_open(book.state) == pytest.approx(initial, rel=1e-9, abs=1e-6)
    assert book.state.shares.get("GAP") == start.shares.get("GAP")  # no bar: never traded


CONFIG = ModelsConfig(
    (ModelSpec("holder", "holder", provider="builtin", strategy="buy_and_hold"),),
)
TABLES = ("positions", "holdings", "reasoning_logs", "tool_usage")


def snapshot(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a model-day writes."""
    return {name: [tuple(r) for r in conn.execute(f"SELECT * FROM {name}")] for name in TABLES}


def failing_trader(orders: list[tuple[str, Any, Any]]) -> Any:
    """A trader that places the orders, then raises before the day can be stored."""

    def trade(spec: ModelSpec, agent: AgentConfig, book: OrderBook, *_: Any) -> DayRecord:
        for action, symbol, amount in orders:
            place(book, action, symbol, amount)
        raise RuntimeError(f"model crashed after {len(book.fills)} fills")

    return trade


@settings(max_examples=40, derandomize=True, database=None, deadline=None)
@given(orders=ORDERS)
def test_a_failed_model_day_changes_nothing(orders: list[tuple[str, Any, Any]]) -> None:
    with closing(connect(":memory:")) as conn:
        init_db(conn)
        created = create_job(conn, nasdaq(PRICES), CONFIG, JobRequest(TUE, MON, ["holder"]), 366)
        assert (
            run_model_day(conn, nasdaq(PRICES), Settings(), created.job_id, "holder", MON).status
            == "completed"
        )
        before = snapshot(conn)

        outcome = run_model_day(
            conn, nasdaq(PRICES), Settings(), created.job_id, "holder", TUE, failing_trader(orders)
        )

        assert outcome.status == "failed"
        assert snapshot(conn) == before
        detail = conn.execute(
            "SELECT status, error FROM job_details WHERE date = ?", (TUE,)
        ).fetchone()
        assert detail["status"] == "failed"
        assert detail["error"].startswith("RuntimeError: model crashed after")
