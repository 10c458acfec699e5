"""/health tells whether a worker is consuming: a heartbeat in the queue's storage."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tasks.heartbeat import beat
from tests.integration.conftest import AppFactory, PendingJob, payload

pytestmark = pytest.mark.integration


@pytest.fixture
def consumer_mode(make_app: AppFactory, tmp_path: Path) -> FlaskClient:
    """An app whose queue is as in production (tasks go to storage), with no heartbeat yet."""
    app = make_app(huey_immediate=False, huey_path=str(tmp_path / "huey.db"))
    client: FlaskClient = app.test_client()
    return client


def test_waiting_job_and_no_worker_is_degraded_with_a_hint(
    consumer_mode: FlaskClient, pending_job: PendingJob
) -> None:
    pending_job("2025-09-12", "2025-09-02", ("momentum-20",))
    answer = payload(consumer_mode.get("/health"))
    assert answer["status"] == "degraded"
    assert answer["queue"]["worker_alive"] is False and answer["queue"]["waiting_jobs"] == 1
    assert "no worker is consuming" in answer["hint"]


def test_a_recent_heartbeat_means_a_worker_is_alive(
    consumer_mode: FlaskClient, pending_job: PendingJob
) -> None:
    pending_job("2025-09-12", "2025-09-02", ("momentum-20",))
    beat(consumer_mode.application.extensions["job_queue"].huey)
    answer = payload(consumer_mode.get("/health"))
    assert answer["status"] == "ok" and answer["hint"] is None
    assert answer["queue"]["worker_alive"] is True
    assert answer["queue"]["last_heartbeat_seconds_ago"] < 5


def test_no_waiting_job_is_ok_without_a_worker(consumer_mode: FlaskClient) -> None:
    answer = payload(consumer_mode.get("/health"))
    assert answer["status"] == "ok" and answer["queue"]["worker_alive"] is False
