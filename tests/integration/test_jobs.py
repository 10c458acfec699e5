"""Jobs end to end: skip, replace, resume, failures, registration, snapshot, idempotency."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.jobs.batch import run_job
from service.jobs.model_day import run_model_day
from service.market.prices import PriceData
from service.settings import Settings
from tests.integration.conftest import Crashes, ModelsFile, PendingJob, Trigger, payload
from tests.markets import nasdaq

pytestmark = pytest.mark.integration

QQQ, MOMENTUM, EQUAL = "qqq-buy-and-hold", "momentum-20", "equal-weight-10"
BUILTINS = [QQQ, MOMENTUM, EQUAL]
# QQQ on 2025-09-03 in the bundled prices: open 569.23, close 570.07.
QQQ_OPEN, QQQ_CLOSE = 569.23, 570.07


def details(status: dict[str, Any], model: str) -> dict[str, tuple[str, str | None]]:
    """A model's model-days in a status answer: date -> (status, reason)."""
    return {d["date"]: (d["status"], d["reason"]) for d in status["details"] if d["model"] == model}


def stored_days(db: sqlite3.Connection, model: str) -> list[str]:
    """The dates of a model's timeline."""
    rows = db.execute("SELECT DISTINCT date FROM positions WHERE model = ? ORDER BY date", (model,))
    return [row[0] for row in rows]


def rows_by_job(db: sqlite3.Connection, model: str) -> dict[str, str]:
    """date -> job_id of the rows of a model."""
    rows = db.execute("SELECT date, job_id FROM positions WHERE model = ?", (model,))
    return {row[0]: row[1] for row in rows}


class TestSkipAndReplace:
    """Stored days are skipped, or replaced on request, never duplicated."""

    def test_overlap_skips_stored_days(self, db: sqlite3.Connection, trigger: Trigger) -> None:
        first = trigger(models=[QQQ], start_date="2025-09-02", end_date="2025-09-05")["job_id"]

        job = trigger(models=[QQQ], start_date="2025-09-02", end_date="2025-09-10")

        days = details(job, QQQ)
        skipped = ("skipped", "already simulated")
        assert [days[d] for d in ("2025-09-02", "2025-09-05")] == [skipped, skipped]
        assert [days[d][0] for d in ("2025-09-08", "2025-09-09", "2025-09-10")] == ["completed"] * 3
        assert job["status"] == "completed" and job["progress"]["skipped"] == 4
        by_job = rows_by_job(db, QQQ)
        assert by_job["2025-09-05"] == first and by_job["2025-09-08"] == job["job_id"]

    def test_replace_reruns_without_duplicates(
        self, db: sqlite3.Connection, trigger: Trigger, end_of_day: Callable[[str], Any]
    ) -> None:
        trigger(models=BUILTINS, start_date="2025-09-02", end_date="2025-09-10")
        rows_before = db.execute("SELECT COUNT(*) FROM positions").fetchone()[0]
        values_before = {model: end_of_day(model) for model in BUILTINS}

        job = trigger(
            models=BUILTINS, start_date="2025-09-05", end_date="2025-09-10", replace_existing=True
        )

        assert job["status"] == "completed" and job["progress"]["completed"] == 12
        assert job["progress"]["skipped"] == 0
        duplicates = db.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM positions GROUP BY model, date, action_id"
            " HAVING COUNT(*) > 1)"
        ).fetchone()[0]
        assert duplicates == 0
        assert db.execute("SELECT COUNT(*) FROM positions").fetchone()[0] == rows_before
        assert {model: end_of_day(model) for model in BUILTINS} == values_before
        assert {j for d, j in rows_by_job(db, QQQ).items() if d >= "2025-09-05"} == {job["job_id"]}

    def test_replace_deletes_every_later_day(
        self, db: sqlite3.Connection, trigger: Trigger
    ) -> None:
        trigger(models=[QQQ], start_date="2025-09-02", end_date="2025-09-10")

        trigger(models=[QQQ], start_date="2025-09-02", end_date="2025-09-04", replace_existing=True)

        assert stored_days(db, QQQ) == ["2025-09-02", "2025-09-03", "2025-09-04"]
        logs = db.execute("SELECT MAX(date) FROM reasoning_logs WHERE model = ?", (QQQ,))
        assert logs.fetchone()[0] == "2025-09-04"


class TestResumeAndHoles:
    """start_date null continues each timeline; timelines never have holes."""

    def test_resume_continues_or_registers(
        self, db: sqlite3.Connection, trigger: Trigger, price_data: PriceData
    ) -> None:
        trigger(models=[QQQ], start_date="2025-09-02", end_date="2025-09-05")

        job = trigger(models=[QQQ, EQUAL], start_date=None, end_date="2025-09-10")

        assert job["start_date"] is None
        assert list(details(job, QQQ)) == ["2025-09-08", "2025-09-09", "2025-09-10"]
        assert list(details(job, EQUAL)) == ["2025-09-10"]
        init = db.execute(
            "SELECT action_type, portfolio_value FROM positions WHERE model = ?", (EQUAL,)
        )
        assert [tuple(row) for row in init] == [("init", 10000.0)]
        assert stored_days(db, QQQ) == price_data.trading_days_between("2025-09-02", "2025-09-10")

    def test_resume_on_a_weekend_registers_on_the_trading_day_before(
        self, db: sqlite3.Connection, trigger: Trigger
    ) -> None:
        job = trigger(models=[EQUAL], start_date=None, end_date="2025-09-07")

        assert list(details(job, EQUAL)) == ["2025-09-05"]
        assert stored_days(db, EQUAL) == ["2025-09-05"]

    def test_timelines_are_contiguous_trading_days(
        self, db: sqlite3.Connection, trigger: Trigger, price_data: PriceData
    ) -> None:
        trigger(models=BUILTINS, start_date="2025-09-02", end_date="2025-09-04")
        trigger(models=[QQQ], start_date="2025-09-03", end_date="2025-09-09")
        trigger(models=BUILTINS, start_date=None, end_date="2025-09-12")

        for model in BUILTINS:
            days = stored_days(db, model)
            assert days == price_data.trading_days_between(days[0], "2025-09-12"), model

    def test_a_day_waits_for_the_day_before(
        self, db: sqlite3.Connection, pending_job: PendingJob, price_data: PriceData
    ) -> None:
        job = pending_job("2025-09-04", "2025-09-02", (QQQ,))

        outcome = run_model_day(db, nasdaq(price_data), Settings(), job.job_id, QQQ, "2025-09-03")

        assert outcome.status == "skipped"
        assert stored_days(db, QQQ) == []


class TestRollUp:
    """A job's end status from its model-days; a failure stops only its own model."""

    def test_one_model_failing_makes_the_job_partial(
        self, db: sqlite3.Connection, trigger: Trigger, crashes: Crashes
    ) -> None:
        crashes.on(MOMENTUM, "2025-09-05")

        job = trigger(models=BUILTINS, start_date="2025-09-02", end_date="2025-09-10")

        assert job["status"] == "partial"
        days = details(job, MOMENTUM)
        assert days["2025-09-04"] == ("completed", None)
        assert days["2025-09-05"][0] == "failed"
        assert [d["error"] for d in job["details"] if d["status"] == "failed"] == [
            "RuntimeError: strategy crashed"
        ]
        later = ("skipped", "previous day failed")
        assert [days[d] for d in ("2025-09-08", "2025-09-09", "2025-09-10")] == [later] * 3
        for model in (QQQ, EQUAL):
            assert {status for status, _ in details(job, model).values()} == {"completed"}
        assert stored_days(db, MOMENTUM)[-1] == "2025-09-04"

    def test_after_a_failure_resume_picks_up_the_failed_day(
        self, trigger: Trigger, crashes: Crashes
    ) -> None:
        crashes.on(MOMENTUM, "2025-09-05")
        trigger(models=[MOMENTUM], start_date="2025-09-02", end_date="2025-09-10")
        crashes.targets.clear()

        job = trigger(models=[MOMENTUM], start_date=None, end_date="2025-09-10")

        assert job["status"] == "completed"
        assert list(details(job, MOMENTUM))[0] == "2025-09-05"

    def test_every_model_failing_makes_the_job_failed(
        self, trigger: Trigger, crashes: Crashes
    ) -> None:
        # Registration days call no model, so the models need a timeline before they can fail.
        trigger(models=BUILTINS, start_date="2025-09-02", end_date="2025-09-03")
        crashes.on()

        job = trigger(models=BUILTINS, start_date="2025-09-04", end_date="2025-09-08")

        assert job["status"] == "failed"
        counts = {name: job["progress"][name] for name in ("completed", "failed", "skipped")}
        assert counts == {"completed": 0, "failed": 3, "skipped": 6}


class TestRegistration:
    """The registration day holds the initial cash; trading starts the next day."""

    def test_registration_and_first_trading_day(
        self, db: sqlite3.Connection, trigger: Trigger
    ) -> None:
        trigger(models=[QQQ], start_date="2025-09-02", end_date="2025-09-03")

        rows = db.execute(
            "SELECT p.date, action_id, action_type, p.symbol, amount, price, cash,"
            " portfolio_value, daily_profit, h.symbol, h.quantity FROM positions AS p"
            " LEFT JOIN holdings AS h ON h.position_id = p.id WHERE model = ? ORDER BY p.date",
            (QQQ,),
        ).fetchall()

        init, buy = (tuple(row) for row in rows)
        assert init == (
            "2025-09-02",
            0,
            "init",
            None,
            None,
            None,
            10000.0,
            10000.0,
            0.0,
            None,
            None,
        )
        shares = 17  # floor(10000 / 569.23)
        cash = 10000 - shares * QQQ_OPEN
        assert buy[:6] == ("2025-09-03", 1, "buy", "QQQ", shares, QQQ_OPEN)
        assert buy[6:8] == pytest.approx((cash, cash + shares * QQQ_CLOSE))
        assert buy[8] == pytest.approx(cash + shares * QQQ_CLOSE - 10000)
        assert buy[9:] == ("QQQ", shares)


class TestSnapshot:
    """A job runs with the config it was created with, whatever the file says later."""

    @pytest.fixture
    def app(self, custom_app: Flask) -> Flask:
        return custom_app

    def test_editing_the_config_does_not_change_a_queued_job(
        self,
        client: FlaskClient,
        db: sqlite3.Connection,
        database_path: Path,
        price_data: PriceData,
        models_file: ModelsFile,
        pending_job: PendingJob,
    ) -> None:
        job = pending_job("2025-09-03", "2025-09-02", (QQQ,))
        models_file.update_model(QQQ, params={"symbols": ["AAPL"]}, enabled=False)
        models_file.update_agent(initial_cash=50000.0)

        run_job(
            Settings(database_path=str(database_path)),
            nasdaq(price_data),
            job.job_id,
            job.first_days,
        )

        status = payload(client.get(f"/simulate/status/{job.job_id}"))
        assert status["status"] == "completed"
        rows = db.execute(
            "SELECT action_type, symbol, portfolio_value FROM positions WHERE model = ?"
            " ORDER BY date",
            (QQQ,),
        ).fetchall()
        assert [tuple(row) for row in rows][0] == ("init", None, 10000.0)
        assert tuple(rows[1])[:2] == ("buy", "QQQ")
        # New requests do see the edit.
        answer = client.post("/simulate/trigger", json={"end_date": "2025-09-05", "models": [QQQ]})
        assert answer.status_code == 400 and "disabled" in payload(answer)["message"]


class TestIdempotency:
    """A model-day delivered twice is stored once."""

    def test_second_run_is_skipped(
        self, db: sqlite3.Connection, pending_job: PendingJob, price_data: PriceData
    ) -> None:
        job = pending_job("2025-09-03", "2025-09-02", (QQQ,))

        first = run_model_day(db, nasdaq(price_data), Settings(), job.job_id, QQQ, "2025-09-02")
        second = run_model_day(db, nasdaq(price_data), Settings(), job.job_id, QQQ, "2025-09-02")

        assert (first.status, first.next_day) == ("completed", "2025-09-03")
        assert (second.status, second.next_day) == ("skipped", None)
        count = db.execute("SELECT COUNT(*) FROM positions WHERE model = ?", (QQQ,)).fetchone()[0]
        assert count == 1
        attempts = db.execute(
            "SELECT attempts FROM job_details WHERE job_id = ? AND date = '2025-09-02'",
            (job.job_id,),
        ).fetchone()[0]
        assert attempts == 1

    def test_cancelled_day_does_not_run(
        self,
        client: FlaskClient,
        db: sqlite3.Connection,
        pending_job: PendingJob,
        price_data: PriceData,
    ) -> None:
        job = pending_job("2025-09-03", "2025-09-02", (QQQ,))
        client.post(f"/simulate/{job.job_id}/cancel")

        outcome = run_model_day(db, nasdaq(price_data), Settings(), job.job_id, QQQ, "2025-09-02")

        assert outcome.status == "skipped"
        assert stored_days(db, QQQ) == []
