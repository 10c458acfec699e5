"""A model-day's book follows the rules and the sell tax of its job's snapshot, day after day.

The snapshot's market rules are replaced by T+1, lots-of-100 rules (a market the catalog does
not need to know: a job runs with the rules it stored), over a calendar with a weekend and a
holiday.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest

from service.db import connect, init_db
from service.jobs.creation import create_job
from service.jobs.model_day import run_model_day
from service.jobs.planning import JobRequest
from service.journal import DayRecord
from service.models_config import (
    AgentConfig,
    ModelsConfigError,
    ModelSpec,
    parse_models_config,
)
from service.portfolio.engine import OrderBook, OrderError
from service.settings import Settings
from tests.markets import nasdaq
from tests.unit.market_shapes import LOTS_T1
from tests.unit.portfolio.test_engine_markets import (
    FRI,
    MON,
    NEXT_THU,
    PRICES,
    THU,
    TUE,
)

pytestmark = pytest.mark.unit

CONFIG = {
    "models": [{"signature": "trader", "provider": "builtin", "strategy": "buy_and_hold"}],
    "agent_config": {"sell_tax_bps": 5, "initial_cash": 10_000},
}
# What the trader does on each day: buy 100 ABC, sell 100 ABC, or both (buy first).
PLAN = {FRI: ("buy", "sell"), MON: ("sell",), TUE: ("buy", "sell"), NEXT_THU: ("sell",)}


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    """A new results database."""
    with closing(connect(":memory:")) as connection:
        init_db(connection)
        yield connection


def planned_trader(refusals: dict[str, list[str]]) -> Any:
    """A trader following PLAN; each day's refusals are kept in refusals."""

    def trade(spec: ModelSpec, agent: AgentConfig, book: OrderBook, *_: Any) -> DayRecord:
        for action in PLAN[book.view.day]:
            try:
                getattr(book, action)("ABC", 100)
            except OrderError as error:
                refusals.setdefault(book.view.day, []).append(str(error))
        return DayRecord()

    return trade


def test_t_plus_one_and_sell_tax_over_a_weekend_and_a_holiday(conn: sqlite3.Connection) -> None:
    config = parse_models_config(CONFIG, "test")
    job = create_job(conn, nasdaq(PRICES), config, JobRequest(NEXT_THU, THU, ["trader"]), 366)
    stored = json.loads(conn.execute("SELECT config FROM jobs").fetchone()[0])
    assert stored["agent_config"]["sell_tax_bps"] == 5.0
    stored["markets"] = {"nasdaq100": LOTS_T1.to_dict()}
    conn.execute("UPDATE jobs SET config = ?", (json.dumps(stored),))

    refusals: dict[str, list[str]] = {}
    for day in (THU, FRI, MON, TUE, NEXT_THU):
        outcome = run_model_day(
            conn, nasdaq(PRICES), Settings(), job.job_id, "trader", day, planned_trader(refusals)
        )
        assert outcome.status == "completed", outcome.error

    # Bought on Friday and Tuesday, sold the next trading day (Monday, Thursday) but not the
    # same day.
    assert list(refusals) == [FRI, TUE]
    assert all("settle T+1" in refusal for day in refusals.values() for refusal in day)
    trades = conn.execute(
        "SELECT date, action_type, amount, cash FROM positions"
        " WHERE action_type IN ('buy', 'sell') ORDER BY date, action_id"
    ).fetchall()
    assert [tuple(row)[:3] for row in trades] == [
        (FRI, "buy", 100),
        (MON, "sell", 100),
        (TUE, "buy", 100),
        (NEXT_THU, "sell", 100),
    ]
    # Each round trip costs the 5 bps tax on the 1234 sold: 0.617.
    assert trades[-1]["cash"] == pytest.approx(10_000 - 2 * 0.617, abs=1e-9)


@pytest.mark.parametrize("value", [-1, 1001, "five"])
def test_sell_tax_is_validated_like_the_fee(value: object) -> None:
    with pytest.raises(ModelsConfigError, match="agent_config.sell_tax_bps"):
        parse_models_config({**CONFIG, "agent_config": {"sell_tax_bps": value}}, "test")


def test_sell_tax_defaults_to_zero() -> None:
    config = parse_models_config({"models": CONFIG["models"]}, "test")
    assert config.agent_config.sell_tax_bps == 0.0
    assert config.snapshot(["trader"])["agent_config"]["sell_tax_bps"] == 0.0
