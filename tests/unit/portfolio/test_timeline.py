"""Timeline rows and P&L, hand-computed, and reading end-of-day states back from SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from service import db
from service.market.asof import AsOfView
from service.market.catalog import NASDAQ100
from service.portfolio.engine import Fill, Holdings, OrderBook
from service.portfolio.positions import end_of_day_before, insert_rows, timeline_bounds
from service.portfolio.timeline import (
    EndOfDay,
    PositionRow,
    registration_rows,
    trading_rows,
)
from tests.unit.pricebuilder import build_prices

pytestmark = pytest.mark.unit

WED, THU, FRI, MON = "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06"
PRICES = build_prices(
    {
        "AAPL": {WED: (99.0, 100.0), THU: (100.0, 102.0), FRI: (102.0, 105.0), MON: (100.0, 104.0)},
        "MSFT": {
            WED: (199.0, 200.0),
            THU: (200.0, 198.0),
            FRI: (198.0, 202.0),
            MON: (200.0, 210.0),
        },
    }
)
INITIAL = 1000.0
REGISTERED = EndOfDay(WED, 0, Holdings(INITIAL), INITIAL)
# Thursday: buy 5 AAPL at 100 and 1 MSFT at 200; values at the close 102 / 198.
THURSDAY_ORDERS = [("buy", "AAPL", 5), ("buy", "MSFT", 1)]


def fills_of(day: str, start: Holdings, orders: list[tuple[str, str, int]]) -> list[Fill]:
    """The fills of the orders placed in this order on day."""
    book = OrderBook(AsOfView(PRICES, day, NASDAQ100), start)
    for action, symbol, amount in orders:
        (book.buy if action == "buy" else book.sell)(symbol, amount)
    return book.fills


def pnl(row: PositionRow) -> tuple[float, ...]:
    """Cash, value and the four P&L columns of a row, rounded to micro-units to compare exactly."""
    return tuple(
        round(value, 6)
        for value in (row.cash, row.portfolio_value, row.daily_profit, row.daily_return_pct)
        + (row.cumulative_profit, row.cumulative_return_pct)
    )


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A fresh results database with one job to hang positions on."""
    connection = db.connect(tmp_path / "t.db")
    db.init_db(connection)
    connection.execute(
        "INSERT INTO jobs (job_id, status, end_date, models, config, created_at) "
        "VALUES ('j', 'running', '2025-10-01', '[]', '{}', 'x')"
    )
    yield connection
    connection.close()


def store_until_friday(conn: sqlite3.Connection, model: str = "m") -> None:
    """Registration on Wednesday, two buys on Thursday, a hold on Friday."""
    insert_rows(conn, "nasdaq100", ("j", model, WED), registration_rows(INITIAL))
    thursday = trading_rows(
        PRICES, THU, REGISTERED, INITIAL, fills_of(THU, Holdings(INITIAL), THURSDAY_ORDERS)
    )
    insert_rows(conn, "nasdaq100", ("j", model, THU), thursday)
    previous = end_of_day_before(conn, model, FRI)
    assert previous is not None
    insert_rows(
        conn, "nasdaq100", ("j", model, FRI), trading_rows(PRICES, FRI, previous, INITIAL, [])
    )


def test_registration_row() -> None:
    (row,) = registration_rows(INITIAL)
    assert (row.action_id, row.action_type, row.symbol, row.amount, row.price) == (
        0,
        "init",
        None,
        None,
        None,
    )
    assert row.shares == {}
    assert pnl(row) == (1000.0, 1000.0, 0.0, 0.0, 0.0, 0.0)


def test_trading_rows_value_every_fill_at_the_close() -> None:
    fills = fills_of(THU, Holdings(INITIAL), THURSDAY_ORDERS)
    first, second = trading_rows(PRICES, THU, REGISTERED, INITIAL, fills)
    assert (first.action_id, first.action_type, first.symbol, first.amount, first.price) == (
        1,
        "buy",
        "AAPL",
        5,
        100.0,
    )
    assert first.shares == {"AAPL": 5}
    # 500 cash + 5 x 102 = 1010: +10 on the day and since the start.
    assert pnl(first) == (500.0, 1010.0, 10.0, 1.0, 10.0, 1.0)
    assert second.action_id == 2
    assert second.shares == {"AAPL": 5, "MSFT": 1}
    # 300 + 510 + 198 = 1008: every row of a day compares with the previous end of day.
    assert pnl(second) == (300.0, 1008.0, 8.0, 0.8, 8.0, 0.8)


def test_day_without_fills_gives_one_hold_row() -> None:
    previous = EndOfDay(THU, 2, Holdings(300.0, {"AAPL": 5, "MSFT": 1}), 1008.0)
    (row,) = trading_rows(PRICES, FRI, previous, INITIAL, [])
    assert (row.action_id, row.action_type, row.symbol, row.amount, row.price) == (
        3,
        "hold",
        None,
        None,
        None,
    )
    assert row.shares == {"AAPL": 5, "MSFT": 1}
    # 300 + 525 + 202 = 1027, +19 over Thursday's 1008.
    assert pnl(row) == (300.0, 1027.0, 19.0, round(19 / 1008 * 100, 6), 27.0, 2.7)


def test_hold_row_does_not_share_the_previous_holdings() -> None:
    previous = EndOfDay(THU, 2, Holdings(300.0, {"AAPL": 5}), 810.0)
    (row,) = trading_rows(PRICES, FRI, previous, INITIAL, [])
    row.shares["AAPL"] = 1
    assert previous.holdings.shares == {"AAPL": 5}


def test_monday_compares_with_friday_and_continues_action_ids(conn: sqlite3.Connection) -> None:
    store_until_friday(conn)
    friday = end_of_day_before(conn, "m", MON)
    assert friday is not None
    assert (friday.date, friday.action_id) == (FRI, 3)
    assert friday.portfolio_value == pytest.approx(1027.0)
    fills = fills_of(MON, friday.holdings, [("sell", "AAPL", 2), ("sell", "MSFT", 1)])
    first, second = trading_rows(PRICES, MON, friday, INITIAL, fills)
    assert (first.action_id, second.action_id) == (4, 5)
    # 500 + 3 x 104 + 210 = 1022, then 700 + 312 = 1012: against Friday's 1027.
    assert pnl(first) == (500.0, 1022.0, -5.0, round(-5 / 1027 * 100, 6), 22.0, 2.2)
    assert pnl(second) == (700.0, 1012.0, -15.0, round(-15 / 1027 * 100, 6), 12.0, 1.2)


def test_end_of_day_before_reads_the_last_action_of_the_latest_earlier_day(
    conn: sqlite3.Connection,
) -> None:
    store_until_friday(conn)
    thursday = end_of_day_before(conn, "m", FRI)
    assert thursday is not None
    assert (thursday.date, thursday.action_id) == (THU, 2)
    assert thursday.holdings == Holdings(300.0, {"AAPL": 5, "MSFT": 1})
    assert thursday.portfolio_value == pytest.approx(1008.0)
    wednesday = end_of_day_before(conn, "m", THU)
    assert wednesday == EndOfDay(WED, 0, Holdings(INITIAL, {}), INITIAL)
    assert end_of_day_before(conn, "m", WED) is None
    assert end_of_day_before(conn, "other", MON) is None


def test_end_of_day_before_ignores_other_models(conn: sqlite3.Connection) -> None:
    store_until_friday(conn, "m")
    insert_rows(conn, "nasdaq100", ("j", "late", "2025-09-30"), registration_rows(50.0))
    latest = end_of_day_before(conn, "late", MON)
    assert latest == EndOfDay("2025-09-30", 0, Holdings(50.0, {}), 50.0)


def test_sold_out_position_stores_no_holding_row(conn: sqlite3.Connection) -> None:
    store_until_friday(conn)
    friday = end_of_day_before(conn, "m", MON)
    assert friday is not None
    fills = fills_of(MON, friday.holdings, [("sell", "AAPL", 5)])
    insert_rows(
        conn, "nasdaq100", ("j", "m", MON), trading_rows(PRICES, MON, friday, INITIAL, fills)
    )
    monday = end_of_day_before(conn, "m", "2025-10-07")
    assert monday is not None
    assert monday.holdings.shares == {"MSFT": 1}
    quantities = [row[0] for row in conn.execute("SELECT quantity FROM holdings")]
    assert 0 not in quantities


def test_rows_are_stored_unrounded(conn: sqlite3.Connection) -> None:
    store_until_friday(conn)
    stored = conn.execute(
        "SELECT job_id, action_type, daily_return_pct, cumulative_profit FROM positions "
        "WHERE date = ?",
        (FRI,),
    ).fetchone()
    assert tuple(stored) == ("j", "hold", 19 / 1008 * 100, pytest.approx(27.0))


def test_timeline_bounds(conn: sqlite3.Connection) -> None:
    assert timeline_bounds(conn, "m") is None
    store_until_friday(conn)
    assert timeline_bounds(conn, "m") == (WED, FRI)
