"""Replaying AI-Trader's recorded gpt-5 trades on the bundled prices reproduces its results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from service.market.asof import AsOfView
from service.market.catalog import NASDAQ100
from service.market.prices import PriceData, load_prices
from service.portfolio.engine import Holdings, OrderBook
from service.settings import DEFAULT_PRICE_DATA

pytestmark = [pytest.mark.unit, pytest.mark.shared_data]

SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
POSITIONS = SHARED_DATA / "ai-trader-sample" / "gpt-5" / "position" / "position.jsonl"
INITIAL_CASH = 10000.0
LAST_CLOSE = "2025-10-29"


class Replayed(NamedTuple):
    """One recorded action next to the state the engine reached by executing it."""

    record: dict[str, Any]
    state: Holdings


def replay(records: list[dict[str, Any]], prices: PriceData) -> list[Replayed]:
    """Execute every recorded buy and sell, each day's book starting from the previous day."""
    holdings, book, replayed = Holdings(INITIAL_CASH), None, []
    for record in records:
        if record["id"] == 0:
            continue  # the registration: initial cash, nothing held
        if book is None or record["date"] != book.view.day:
            holdings = book.state if book else holdings
            book = OrderBook(AsOfView(prices, record["date"], NASDAQ100), holdings)
        action = record["this_action"]
        if action["action"] in ("buy", "sell"):
            getattr(book, action["action"])(action["symbol"], action["amount"])
        replayed.append(Replayed(record, book.state.copy()))
    return replayed


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    """The recorded position lines, or skip when ../shared is not present."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    lines = POSITIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def prices() -> PriceData:
    """The bundled Jun-Oct 2025 prices."""
    return load_prices(DEFAULT_PRICE_DATA)


@pytest.fixture(scope="module")
def replayed(records: list[dict[str, Any]], prices: PriceData) -> list[Replayed]:
    """The replayed actions."""
    return replay(records, prices)


def test_registration_line_holds_only_the_initial_cash(records: list[dict[str, Any]]) -> None:
    registration = records[0]
    assert registration["id"] == 0
    assert registration["positions"]["CASH"] == INITIAL_CASH
    assert not any(
        quantity for symbol, quantity in registration["positions"].items() if symbol != "CASH"
    )


def test_cash_after_every_action_matches_to_the_cent(replayed: list[Replayed]) -> None:
    trades = [step for step in replayed if step.record["this_action"]["action"] != "no_trade"]
    assert len(trades) > 40
    for step in replayed:
        recorded = step.record["positions"]
        assert abs(step.state.cash - recorded["CASH"]) < 0.005, step.record["id"]
        held = {symbol: n for symbol, n in recorded.items() if symbol != "CASH" and n}
        assert step.state.shares == held, step.record["id"]


def test_value_at_the_last_close(replayed: list[Replayed], prices: PriceData) -> None:
    final = [step for step in replayed if step.record["date"] <= LAST_CLOSE][-1].state
    value = final.value(prices, LAST_CLOSE)
    assert abs(value - 10998.25) < 0.005
    assert round((value - INITIAL_CASH) / INITIAL_CASH * 100, 2) == 9.98


def test_qqq_benchmark_from_the_registration_close(
    records: list[dict[str, Any]], prices: PriceData
) -> None:
    start = prices.close("QQQ", records[0]["date"])
    end = prices.close("QQQ", LAST_CLOSE)
    assert start is not None and end is not None
    assert round((end / start - 1) * 100, 2) == 5.39
