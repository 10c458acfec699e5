"""POST /simulate/trigger, GET /simulate/status and /current, POST /simulate/{id}/cancel."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.conftest import AppFactory, PendingJob, Refuse, Trigger, payload

pytestmark = pytest.mark.integration

SEPT = {"start_date": "2025-09-02", "end_date": "2025-09-12"}
SEPT_DAYS = 9  # 2025-09-02..2025-09-12 (Labor Day was 09-01)
PROGRESS_FIELDS = {"total", "pending", "running", "completed", "failed", "skipped", "percent"}


class TestTriggerAccepted:
    """A valid request answers 202 with the job and its counts."""

    def test_answer_has_the_job_and_its_progress(
        self, client: FlaskClient, enabled_models: list[str]
    ) -> None:
        response = client.post("/simulate/trigger", json=SEPT)

        assert response.status_code == 202
        job = payload(response)
        uuid.UUID(job["job_id"])
        assert job["models"] == enabled_models
        assert (job["start_date"], job["end_date"]) == ("2025-09-02", "2025-09-12")
        # Tasks run inline in these tests, so the job is over by the time it answers.
        assert job["status"] == "completed"
        total = SEPT_DAYS * len(enabled_models)
        assert PROGRESS_FIELDS <= set(job["progress"])
        assert job["progress"]["total"] == job["progress"]["completed"] == total
        assert job["progress"]["percent"] == 100.0
        assert job["message"] == f"job queued: {total} model-days"

    def test_named_models_only_and_once(self, trigger: Trigger) -> None:
        job = trigger(models=["momentum-20", "momentum-20"], **SEPT)

        assert job["models"] == ["momentum-20"]
        assert {detail["model"] for detail in job["details"]} == {"momentum-20"}
        assert job["progress"]["total"] == SEPT_DAYS


END = "2025-09-10"
MALFORMED = {  # id: (body, field named, problem named)
    "datetime": ({"end_date": "2025-09-10T00:00:00"}, "end_date", "Not a valid date"),
    "missing-end": ({"start_date": "2025-09-02"}, "end_date", "Missing data"),
    "null-end": ({"end_date": None}, "end_date", "null"),
    "number-date": ({"end_date": 20250910}, "end_date", "Not a valid date"),
    "unknown-field": ({"end_date": END, "dry_run": True}, "dry_run", "Unknown field"),
    "bad-bool": ({"end_date": END, "replace_existing": "maybe"}, "replace_existing", "bool"),
    "models-str": ({"end_date": END, "models": "momentum-20"}, "models", "Not a valid list"),
    "models-int": ({"end_date": END, "models": [1]}, "models", "Not a valid string"),
    "bad-chars": ({"end_date": END, "models": ["bad sig!"]}, "models", "signature"),
    "path": ({"end_date": END, "models": ["../etc"]}, "models", "signature"),
}
REFUSED = {  # id: (body, field named, problem named)
    # Of the right form, but no day of the calendar.
    "impossible-date": (
        {"start_date": "2025-02-30", "end_date": END},
        "start_date",
        "2025-02-30 is not a day of the calendar",
    ),
    "start-after-end": (
        {"start_date": "2025-09-12", "end_date": END},
        "start_date",
        "start_date 2025-09-12 is after end_date 2025-09-10",
    ),
    # Each field is well-formed; together they ask for what cannot be done.
    "replace-no-start": ({"end_date": END, "replace_existing": True}, "replace_existing", "start"),
    "replace-null": (
        {"start_date": None, "end_date": END, "replace_existing": True},
        "replace_existing",
        "needs a start_date",
    ),
    "before-data": ({"start_date": "2025-06-09", "end_date": "2025-06-20"}, "start_date", "outsi"),
    "long-before": ({"start_date": "2025-01-02", "end_date": END}, "start_date", "outside"),
    "open-only-day": ({"start_date": "2025-10-20", "end_date": "2025-10-30"}, "end_date", "out"),
    "after-data": ({"end_date": "2025-11-10"}, "end_date", "outside"),
    "resume-before": ({"end_date": "2025-06-06"}, "end_date", "outside"),
    "weekend": ({"start_date": "2025-09-06", "end_date": "2025-09-07"}, "start_date", "no trad"),
    "unknown": ({"end_date": END, "models": ["nope"]}, "models", "unknown model 'nope'"),
    "one-unknown": ({"end_date": END, "models": ["momentum-20", "nope"]}, "models", "'nope'"),
    "disabled": ({"end_date": END, "models": ["random-1"]}, "models", "'random-1' is disabled"),
    "disabled-llm": ({"end_date": END, "models": ["gpt-4o-mini"]}, "models", "disabled"),
}


class TestTriggerInvalid:
    """422 for input that does not fit the schema, 400 for what the data does not allow."""

    @pytest.mark.parametrize(("body", "field", "problem"), MALFORMED.values(), ids=MALFORMED)
    def test_malformed_is_422(self, refuse: Refuse, body: Any, field: str, problem: str) -> None:
        message = refuse(body, 422, field)

        assert field in message and problem in message

    def test_unpadded_date_is_422(self, refuse: Refuse) -> None:
        body = {"start_date": "2025-9-2", "end_date": END, "models": ["momentum-20"]}

        assert "start_date" in refuse(body, 422, "start_date")

    @pytest.mark.parametrize(("body", "field", "problem"), REFUSED.values(), ids=REFUSED)
    def test_refused_is_400(self, refuse: Refuse, body: Any, field: str, problem: str) -> None:
        assert problem in refuse(body, 400, field)

    @pytest.mark.parametrize("day", ["2025-06-09", "2025-10-30"])
    def test_outside_message_names_the_available_range(self, refuse: Refuse, day: str) -> None:
        body = {"start_date": day, "end_date": day}

        assert "2025-06-10..2025-10-29" in refuse(body, 400, "start_date")

    @pytest.mark.parametrize(
        ("second", "problem"),
        [
            ({"start_date": "2025-09-02", "end_date": END}, "nothing left to do"),
            ({"start_date": "2025-09-20", "end_date": "2025-09-30"}, "has a gap"),
            ({"start_date": "2025-08-25", "end_date": END}, "registered on 2025-09-02"),
        ],
        ids=["same-twice", "gap", "before-registration"],
    )
    def test_stored_timeline_refuses(
        self, refuse: Refuse, trigger: Trigger, second: dict[str, Any], problem: str
    ) -> None:
        models = ["qqq-buy-and-hold"]
        trigger(models=models, start_date="2025-09-02", end_date=END)

        body = {**second, "models": models}

        assert problem in refuse(body, 400, "start_date")


class TestTriggerRangeLimit:
    """MAX_SIMULATION_DAYS caps the calendar length of a range."""

    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        return make_app(max_simulation_days=10)

    def test_range_of_exactly_the_limit_is_accepted(self, trigger: Trigger) -> None:
        job = trigger(models=["qqq-buy-and-hold"], start_date="2025-09-02", end_date="2025-09-11")

        assert job["progress"]["total"] == 8

    def test_longer_range_is_refused(self, refuse: Refuse) -> None:
        body = {**SEPT, "models": ["qqq-buy-and-hold"]}

        assert "MAX_SIMULATION_DAYS (10 days)" in refuse(body, 400, "end_date")

    def test_resume_is_capped_too(self, refuse: Refuse, trigger: Trigger) -> None:
        models = ["qqq-buy-and-hold"]
        trigger(models=models, start_date="2025-09-02", end_date="2025-09-03")

        body = {"end_date": "2025-10-29", "models": models}

        assert "MAX_SIMULATION_DAYS" in refuse(body, 400, "end_date")


class TestTriggerConflict:
    """409 while a requested model is in a pending or running job."""

    @pytest.mark.parametrize("status", ["pending", "running"])
    @pytest.mark.parametrize("requested", [["momentum-20"], []], ids=["named", "all-enabled"])
    def test_active_job_conflicts(
        self,
        refuse: Refuse,
        db: sqlite3.Connection,
        pending_job: PendingJob,
        status: str,
        requested: list[str],
    ) -> None:
        active = pending_job("2025-09-10", "2025-09-02", ("momentum-20",))
        db.execute("UPDATE jobs SET status = ? WHERE job_id = ?", (status, active.job_id))

        message = refuse({**SEPT, "models": requested}, 409, None)

        assert "'momentum-20'" in message and active.job_id in message

    @pytest.mark.parametrize("status", ["completed", "partial", "failed", "cancelled"])
    def test_ended_job_does_not_conflict(
        self, db: sqlite3.Connection, pending_job: PendingJob, trigger: Trigger, status: str
    ) -> None:
        ended = pending_job("2025-09-10", "2025-09-02", ("momentum-20",))
        db.execute("UPDATE jobs SET status = ? WHERE job_id = ?", (status, ended.job_id))

        assert trigger(models=["momentum-20"], **SEPT)["status"] == "completed"

    def test_other_models_are_free(self, pending_job: PendingJob, trigger: Trigger) -> None:
        pending_job("2025-09-10", "2025-09-02", ("momentum-20",))

        assert trigger(models=["qqq-buy-and-hold"], **SEPT)["status"] == "completed"


class TestStatusAndCurrent:
    """GET /simulate/status/{id} and GET /simulate/current."""

    @pytest.mark.parametrize("method", ["GET status/no-such-job", "POST no-such-job/cancel"])
    def test_unknown_job_is_404(self, client: FlaskClient, method: str) -> None:
        verb, path = method.split()
        response = client.open(f"/simulate/{path}", method=verb)

        assert response.status_code == 404
        assert "no-such-job" in payload(response)["message"]

    def test_status_has_progress_and_one_detail_per_model_day(
        self, client: FlaskClient, trigger: Trigger
    ) -> None:
        models = ["qqq-buy-and-hold", "momentum-20"]
        job_id = trigger(models=models, **SEPT)["job_id"]

        status = payload(client.get(f"/simulate/status/{job_id}"))

        assert status["job_id"] == job_id and status["status"] == "completed"
        assert status["progress"]["completed"] == status["progress"]["total"] == 18
        assert status["progress"]["last_completed_date"] == dict.fromkeys(models, "2025-09-12")
        keys = [(detail["model"], detail["date"]) for detail in status["details"]]
        assert keys == sorted(keys) and len(set(keys)) == 18
        assert {(d["status"], d["attempts"]) for d in status["details"]} == {("completed", 1)}

    def test_progress_of_a_pending_job_with_skipped_days(
        self, client: FlaskClient, trigger: Trigger, pending_job: PendingJob
    ) -> None:
        trigger(models=["qqq-buy-and-hold"], start_date="2025-09-02", end_date="2025-09-05")
        job = pending_job("2025-09-10", "2025-09-02", ("qqq-buy-and-hold",))

        progress = payload(client.get(f"/simulate/status/{job.job_id}"))["progress"]

        expected = {"total": 7, "pending": 3, "running": 0, "completed": 0, "failed": 0}
        assert {name: progress[name] for name in expected} == expected
        assert progress["skipped"] == 4
        assert progress["percent"] == 57.1

    def test_no_current_job_is_404(self, client: FlaskClient) -> None:
        response = client.get("/simulate/current")

        assert response.status_code == 404
        assert "no job" in payload(response)["message"]

    def test_current_is_the_latest_job(
        self, client: FlaskClient, trigger: Trigger, pending_job: PendingJob
    ) -> None:
        trigger(models=["qqq-buy-and-hold"], **SEPT)
        second = trigger(models=["momentum-20"], **SEPT)["job_id"]
        assert payload(client.get("/simulate/current"))["job_id"] == second

        third = pending_job("2025-09-12", "2025-09-02", ("equal-weight-10",)).job_id
        current = payload(client.get("/simulate/current"))
        assert (current["job_id"], current["status"]) == (third, "pending")


class TestCancel:
    """POST /simulate/{id}/cancel."""

    def test_pending_job_is_cancelled(self, client: FlaskClient, pending_job: PendingJob) -> None:
        job = pending_job("2025-09-12", "2025-09-02", ("momentum-20", "qqq-buy-and-hold"))

        response = client.post(f"/simulate/{job.job_id}/cancel")

        answer = (response.status_code, payload(response))
        assert answer == (
            200,
            {"job_id": job.job_id, "status": "cancelled", "cancelled_model_days": 18},
        )
        status = payload(client.get(f"/simulate/status/{job.job_id}"))
        assert status["status"] == "cancelled" and status["completed_at"]
        assert {(d["status"], d["reason"]) for d in status["details"]} == {("skipped", "cancelled")}
        assert status["progress"]["skipped"] == 18

    def test_cancelling_twice_is_409(self, client: FlaskClient, pending_job: PendingJob) -> None:
        job_id = pending_job("2025-09-12", "2025-09-02", ("momentum-20",)).job_id
        client.post(f"/simulate/{job_id}/cancel")

        response = client.post(f"/simulate/{job_id}/cancel")

        assert response.status_code == 409
        assert job_id in payload(response)["message"]

    def test_cancelling_a_finished_job_is_409(self, client: FlaskClient, trigger: Trigger) -> None:
        job_id = trigger(models=["momentum-20"], **SEPT)["job_id"]

        assert client.post(f"/simulate/{job_id}/cancel").status_code == 409
        assert payload(client.get(f"/simulate/status/{job_id}"))["status"] == "completed"

    def test_cancelled_models_can_run_again(
        self, client: FlaskClient, pending_job: PendingJob, trigger: Trigger
    ) -> None:
        job_id = pending_job("2025-09-12", "2025-09-02", ("momentum-20",)).job_id
        client.post(f"/simulate/{job_id}/cancel")

        job = trigger(models=["momentum-20"], **SEPT)

        assert (job["status"], job["progress"]["completed"]) == ("completed", SEPT_DAYS)
