"""A job runs under the market rules of its snapshot, not those the code has now."""

from __future__ import annotations

import json
import sqlite3

import pytest

from service.jobs.batch import run_job
from service.market.catalog import NASDAQ100
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.settings import Settings
from tests.integration.conftest import PendingJob
from tests.markets import nasdaq

pytestmark = pytest.mark.integration


def test_a_job_snapshot_holds_its_models_market_rules(
    pending_job: PendingJob, db: sqlite3.Connection
) -> None:
    created = pending_job("2025-09-05", "2025-09-02", ("qqq-buy-and-hold",))

    config = json.loads(db.execute("SELECT config FROM jobs").fetchone()[0])

    assert config["models"][0]["market"] == "nasdaq100"
    assert list(config["markets"]) == ["nasdaq100"]
    assert MarketRules.from_dict(config["markets"]["nasdaq100"]) == NASDAQ100
    assert created.first_days == [("qqq-buy-and-hold", "2025-09-02")]


def test_model_days_trade_under_the_stored_rules(
    pending_job: PendingJob, db: sqlite3.Connection, price_data: PriceData
) -> None:
    created = pending_job("2025-09-05", "2025-09-02", ("qqq-buy-and-hold",))
    config = json.loads(db.execute("SELECT config FROM jobs").fetchone()[0])
    config["markets"]["nasdaq100"]["quantity_decimals"] = 2
    db.execute("UPDATE jobs SET config = ?", (json.dumps(config),))

    run_job(
        Settings(database_path=db_path(db)), nasdaq(price_data), created.job_id, created.first_days
    )

    amount, price, cash = db.execute(
        "SELECT amount, price, cash FROM positions WHERE action_type = 'buy'"
    ).fetchone()
    assert amount == pytest.approx(10000 // (price / 100) / 100)  # hundredths of a share
    assert amount != int(amount)
    assert 0 <= cash < price / 100


def db_path(conn: sqlite3.Connection) -> str:
    """The file behind a connection."""
    return str(conn.execute("PRAGMA database_list").fetchone()[2])


def test_without_initial_cash_in_the_config_a_timeline_starts_with_the_markets(
    pending_job: PendingJob, db: sqlite3.Connection, price_data: PriceData
) -> None:
    created = pending_job("2025-09-03", "2025-09-02", ("qqq-buy-and-hold",))
    config = json.loads(db.execute("SELECT config FROM jobs").fetchone()[0])
    config["agent_config"]["initial_cash"] = None
    config["markets"]["nasdaq100"]["initial_cash"] = 5000.0
    db.execute("UPDATE jobs SET config = ?", (json.dumps(config),))

    run_job(
        Settings(database_path=db_path(db)), nasdaq(price_data), created.job_id, created.first_days
    )

    registration = db.execute("SELECT cash FROM positions WHERE action_type = 'init'").fetchone()
    assert registration[0] == 5000.0
