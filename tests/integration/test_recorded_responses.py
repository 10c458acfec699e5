"""Recorded LLM answers: a model-day run again pays no call twice; a replay needs no network."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
import responses
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.conftest import payload
from tests.integration.scripted_llm import LLM_URL, AppWith, answer, run

pytestmark = pytest.mark.integration
# What a replay must reproduce: every stored column but ids, job ids and timestamps.
ROWS = {
    "positions": "date, action_id, action_type, symbol, amount, price, cash, portfolio_value,"
    " daily_profit, daily_return_pct, cumulative_profit, cumulative_return_pct",
    "reasoning_logs": "date, step_number, role, content, tool_name, request_hash, response",
    "tool_usage": "date, tool_name, call_count",
}


def rows_of(database: str, model: str) -> dict[str, list[tuple[Any, ...]]]:
    """A timeline's comparable rows, in order."""
    with sqlite3.connect(database) as conn:
        return {
            table: conn.execute(
                f"SELECT {columns} FROM {table} WHERE model = ? ORDER BY date, id",  # noqa: S608
                (model,),
            ).fetchall()
            for table, columns in ROWS.items()
        }


def trigger(client: FlaskClient, **body: Any) -> Any:
    """A job triggered with body; its 202 answer (it ran inline)."""
    response = client.post("/simulate/trigger", json=body)
    assert response.status_code == 202, payload(response)
    return payload(response)


def replay(client: FlaskClient, job_id: str, **body: Any) -> Any:
    """A replay of job_id; its 202 answer."""
    response = client.post(f"/simulate/{job_id}/replay", json=body)
    assert response.status_code == 202, payload(response)
    return payload(response)


@pytest.fixture
def priced(app_with: AppWith) -> Flask:
    """An app with the priced LLM model."""
    return app_with()


def test_every_answer_is_stored_with_the_hash_of_its_request(priced: Flask) -> None:
    run(priced.test_client(), "2025-10-02")

    database = priced.config["SETTINGS"].database_path
    logs = rows_of(database, "gpt-priced")["reasoning_logs"]
    turns = [row for row in logs if row[2] == "assistant"]
    assert len(turns) == 2 and all(len(row[5]) == 64 for row in turns)
    assert json.loads(turns[0][6])["message"]["tool_calls"][0]["function"]["name"] == "buy"
    assert all(row[5] is None and row[6] is None for row in logs if row[2] != "assistant")


def test_a_failed_day_run_again_asks_only_what_it_has_no_answer_to(priced: Flask) -> None:
    client = priced.test_client()
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, LLM_URL, callback=answer)
        mock.post(LLM_URL, status=400, json={"error": {"message": "context too long"}})
        failed = trigger(
            client, start_date="2025-10-01", end_date="2025-10-02", models=["gpt-priced"]
        )
        assert len(mock.calls) == 2
    assert failed["details"][1]["status"] == "failed"

    calls: list[Any] = []
    again = payload(run(client, "2025-10-02", calls, start_date=None))

    assert [json.loads(call.request.body)["messages"][-1]["role"] for call in calls] == ["tool"]
    assert again["status"] == "completed"
    logs = rows_of(priced.config["SETTINGS"].database_path, "gpt-priced")["reasoning_logs"]
    assert [row[2] for row in logs if row[0] == "2025-10-02"] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
    ], "the day's rows are the finished conversation's, once"


def test_a_replay_reproduces_the_recorded_job_with_no_network(priced: Flask) -> None:
    client = priced.test_client()
    source = payload(run(client, "2025-10-03"))

    with responses.RequestsMock() as blocked:  # any request would raise ConnectionError
        replayed = replay(client, source["job_id"])
        assert len(blocked.calls) == 0

    assert replayed["status"] == "completed", replayed["details"]
    assert replayed["models"] == ["gpt-priced:replay"]
    assert (replayed["replay_of"], replayed["replayed"]) == (
        source["job_id"],
        {"gpt-priced:replay": "gpt-priced"},
    )
    assert (replayed["start_date"], replayed["end_date"]) == ("2025-10-01", "2025-10-03")
    database = priced.config["SETTINGS"].database_path
    assert rows_of(database, "gpt-priced:replay") == rows_of(database, "gpt-priced")
    assert replayed["progress"]["prompt_tokens"] == source["progress"]["prompt_tokens"]
    assert replayed["progress"]["cost_usd"] == 0, "a replay pays nothing"


def test_a_request_the_recording_lacks_fails_the_day_as_diverged(priced: Flask) -> None:
    client = priced.test_client()
    source = payload(run(client, "2025-10-02"))

    with responses.RequestsMock():
        replayed = replay(client, source["job_id"], end_date="2025-10-03")

    days = {detail["date"]: detail for detail in replayed["details"]}
    assert days["2025-10-02"]["status"] == "completed"
    assert days["2025-10-03"]["status"] == "failed"
    assert days["2025-10-03"]["error"].startswith("ReplayDiverged: replay diverged at step 1")


def test_the_offline_mock_replays_too(client: FlaskClient) -> None:
    source = trigger(client, start_date="2025-10-01", end_date="2025-10-06", models=["mock-llm"])

    replayed = replay(client, source["job_id"])

    assert replayed["status"] == "completed"
    board = {row["model"]: row for row in payload(client.get("/leaderboard"))["rankings"]}
    assert board["mock-llm:replay"]["portfolio_value"] == board["mock-llm"]["portfolio_value"]
    assert board["mock-llm"]["trades"] > 0
    assert board["mock-llm:replay"]["cost_usd"] is None, "no pricing: no cost, replayed or not"


def test_a_replay_of_what_was_not_recorded_is_refused(client: FlaskClient) -> None:
    source = trigger(client, start_date="2025-10-01", end_date="2025-10-02", models=["mock-llm"])

    other = client.post(f"/simulate/{source['job_id']}/replay", json={"models": ["momentum-20"]})
    unknown = client.post("/simulate/no-such-job/replay", json={})

    assert other.status_code == 400
    message = payload(other)["errors"]["json"]["models"][0]
    assert message.startswith("model 'momentum-20' is not in job ")
    assert (unknown.status_code, payload(unknown)["message"]) == (404, "job no-such-job not found")


def test_a_job_that_continued_a_timeline_is_refused_naming_the_one_to_replay(
    client: FlaskClient,
) -> None:
    trigger(client, start_date="2025-10-01", end_date="2025-10-02", models=["mock-llm"])
    resumed = trigger(client, start_date=None, end_date="2025-10-06", models=["mock-llm"])

    response = client.post(f"/simulate/{resumed['job_id']}/replay", json={})

    assert response.status_code == 400
    assert "from its timeline registered on 2025-10-01" in payload(response)["message"]


def test_an_import_has_no_recording_to_replay(client: FlaskClient, db: sqlite3.Connection) -> None:
    db.execute(
        "INSERT INTO jobs (job_id, kind, status, end_date, models, config, created_at)"
        " VALUES ('imported', 'import', 'completed', '2025-10-02', '[]', '{}', 'now')"
    )

    response = client.post("/simulate/imported/replay", json={})

    assert response.status_code == 400
    assert payload(response)["message"] == "job imported is an import: it recorded no answers"
