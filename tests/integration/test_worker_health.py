"""/health tells whether a worker is consuming: a heartbeat in the queue's storage."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tasks import huey
from tasks.heartbeat import HEARTBEAT_KEY, beat
from tests.integration.conftest import PendingJob, payload

pytestmark = pytest.mark.integration


@pytest.fixture
def consumer_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue as in production (tasks go to storage), with no heartbeat yet."""
    monkeypatch.setattr(huey, "immediate", False)
    huey.get(HEARTBEAT_KEY)  # reading without peek removes it


def test_waiting_job_and_no_worker_is_degraded_with_a_hint(
    client: FlaskClient, pending_job: PendingJob, consumer_mode: None
) -> None:
    pending_job("2025-09-12", "2025-09-02", ("momentum-20",))
    answer = payload(client.get("/health"))
    assert answer["status"] == "degraded"
    assert answer["queue"]["worker_alive"] is False and answer["queue"]["waiting_jobs"] == 1
    assert "no worker is consuming" in answer["hint"]


def test_a_recent_heartbeat_means_a_worker_is_alive(
    client: FlaskClient, pending_job: PendingJob, consumer_mode: None
) -> None:
    pending_job("2025-09-12", "2025-09-02", ("momentum-20",))
    beat()
    answer = payload(client.get("/health"))
    assert answer["status"] == "ok" and answer["hint"] is None
    assert answer["queue"]["worker_alive"] is True
    assert answer["queue"]["last_heartbeat_seconds_ago"] < 5


def test_no_waiting_job_is_ok_without_a_worker(client: FlaskClient, consumer_mode: None) -> None:
    answer = payload(client.get("/health"))
    assert answer["status"] == "ok" and answer["queue"]["worker_alive"] is False
