"""What replace_existing reports it deleted; deleting a job at once after a cancel."""

from __future__ import annotations

import sqlite3

import pytest
from flask.testing import FlaskClient

from service.jobs.lifecycle import claim_model_day, requeue_interrupted
from service.jobs.model_day import run_model_day
from service.jobs.replacement import day_ranges
from service.market.prices import PriceData
from service.models_config import ModelSpec
from service.portfolio.engine import OrderBook
from service.settings import Settings
from service.trading import DayRecord, trade_builtin
from tests.integration.conftest import PendingJob, Trigger, payload
from tests.markets import nasdaq

pytestmark = pytest.mark.integration
QQQ, MOMENTUM = "qqq-buy-and-hold", "momentum-20"
JOB_TABLES = ("job_details", "positions", "reasoning_logs", "tool_usage")


class TestReplaceWarnings:
    """A trigger with replace_existing names, per model, every stored day it deleted."""

    def test_one_warning_per_model_that_lost_days(
        self, client: FlaskClient, trigger: Trigger
    ) -> None:
        trigger(models=[MOMENTUM], start_date="2025-09-02", end_date="2025-09-12")
        trigger(models=[QQQ], start_date="2025-09-02", end_date="2025-09-05")

        job = trigger(
            models=[MOMENTUM, QQQ, "equal-weight-10"],
            start_date="2025-09-08",
            end_date="2025-09-10",
            replace_existing=True,
        )

        expected = [f"{MOMENTUM}: replaced 5 stored days 2025-09-08..2025-09-12"]
        assert job["warnings"] == expected  # qqq goes on from 09-05: nothing replaced
        assert payload(client.get(f"/simulate/status/{job['job_id']}"))["warnings"] == expected
        assert payload(client.get("/jobs"))[0]["warnings"] == expected

    def test_a_single_day_is_named_alone(self, trigger: Trigger) -> None:
        trigger(models=[QQQ], start_date="2025-09-02", end_date="2025-09-05")

        job = trigger(
            models=[QQQ], start_date="2025-09-05", end_date="2025-09-08", replace_existing=True
        )

        assert job["warnings"] == [f"{QQQ}: replaced 1 stored day 2025-09-05"]

    def test_without_stored_days_there_is_no_warning(self, trigger: Trigger) -> None:
        job = trigger(
            models=[QQQ], start_date="2025-09-02", end_date="2025-09-05", replace_existing=True
        )
        assert job["warnings"] == []

    def test_day_ranges_break_where_a_trading_day_is_missing(self, price_data: PriceData) -> None:
        days = ["2025-09-02", "2025-09-03", "2025-09-05", "2025-09-08", "2025-09-10"]
        # 2025-09-05 (Friday) and 2025-09-08 (Monday) are consecutive trading days.
        expected = "2025-09-02..2025-09-03, 2025-09-05..2025-09-08, 2025-09-10"
        assert day_ranges(days, price_data) == expected


class TestDeleteAfterCancel:
    """A cancelled job can be deleted at once; a day it was still running then stores nothing."""

    def test_delete_during_the_last_running_day(
        self,
        client: FlaskClient,
        db: sqlite3.Connection,
        pending_job: PendingJob,
        price_data: PriceData,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        job = pending_job("2025-09-05", "2025-09-02", (QQQ,)).job_id
        answers: list[int] = []

        def cancel_and_delete_meanwhile(
            spec: ModelSpec, book: OrderBook, day_number: int
        ) -> DayRecord:
            answers.append(client.post(f"/simulate/{job}/cancel").status_code)
            answers.append(client.delete(f"/jobs/{job}").status_code)
            return trade_builtin(spec, book, day_number)

        monkeypatch.setattr("service.trading.trade_builtin", cancel_and_delete_meanwhile)
        assert (
            run_model_day(db, nasdaq(price_data), Settings(), job, QQQ, "2025-09-02").status
            == "completed"
        )

        outcome = run_model_day(db, nasdaq(price_data), Settings(), job, QQQ, "2025-09-03")

        assert answers == [200, 204]
        assert outcome.status == "skipped" and outcome.next_day is None
        for table in JOB_TABLES:
            count = db.execute(f"SELECT COUNT(*) FROM {table} WHERE job_id = ?", (job,))  # noqa: S608
            assert count.fetchone()[0] == 0, table
        assert client.get(f"/simulate/status/{job}").status_code == 404

    def test_a_running_job_is_still_refused(
        self, client: FlaskClient, db: sqlite3.Connection, pending_job: PendingJob
    ) -> None:
        job = pending_job("2025-09-05", "2025-09-02", (QQQ,)).job_id
        claim_model_day(db, job, QQQ, "2025-09-02")
        refused = client.delete(f"/jobs/{job}")
        assert refused.status_code == 409 and "cancel it first" in payload(refused)["message"]

    def test_a_restart_ends_a_cancelled_job_it_interrupted(
        self, client: FlaskClient, db: sqlite3.Connection, pending_job: PendingJob
    ) -> None:
        job = pending_job("2025-09-05", "2025-09-02", (QQQ,)).job_id
        claim_model_day(db, job, QQQ, "2025-09-02")
        client.post(f"/simulate/{job}/cancel")
        assert payload(client.get(f"/simulate/status/{job}"))["completed_at"] is None

        assert requeue_interrupted(db) == []  # nothing of a cancelled job runs again

        status = payload(client.get(f"/simulate/status/{job}"))
        assert status["status"] == "cancelled" and status["completed_at"] is not None
        assert status["progress"]["pending"] == status["progress"]["running"] == 0
        assert {(d["status"], d["reason"]) for d in status["details"]} == {("skipped", "cancelled")}
        assert client.delete(f"/jobs/{job}").status_code == 204
