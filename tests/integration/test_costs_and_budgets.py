"""What LLM model-days cost, where the answers show it, and the budgets that stop spending."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import responses

from tests.integration.conftest import payload
from tests.integration.scripted_llm import (
    CALL_COST,
    DAY_COST,
    LLM_URL,
    PRICING,
    AppWith,
    answer,
    run,
)

pytestmark = pytest.mark.integration


def by_date(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {detail["date"]: detail for detail in job["details"]}


def test_tokens_and_cost_are_kept_per_model_day_and_summed_everywhere(app_with: AppWith) -> None:
    client = app_with().test_client()
    job = payload(run(client, "2025-10-03"))

    day = by_date(job)["2025-10-02"]
    assert (day["prompt_tokens"], day["completion_tokens"]) == (2000, 400)
    assert (day["cached_tokens"], day["reasoning_tokens"]) == (800, 100)
    assert day["cost_usd"] == pytest.approx(DAY_COST)
    assert by_date(job)["2025-10-01"]["cost_usd"] is None, "registration calls nobody"
    progress = payload(client.get(f"/simulate/status/{job['job_id']}"))["progress"]
    assert progress["cost_usd"] == pytest.approx(2 * DAY_COST)
    assert progress["prompt_tokens"] == 4000
    [model] = progress["models"]
    assert model["model"] == "gpt-priced" and model["cost_usd"] == pytest.approx(2 * DAY_COST)
    assert (model["completed"], model["remaining"], model["eta_seconds"]) == (3, 0, 0.0)

    [row] = payload(client.get("/results?model=gpt-priced&date=2025-10-03&detail=full"))
    assert row["cost_usd"] == pytest.approx(DAY_COST) and row["reasoning_tokens"] == 100
    board = payload(client.get("/leaderboard?date=2025-10-03"))
    [ranking] = [r for r in board["rankings"] if r["model"] == "gpt-priced"]
    assert ranking["cost_usd"] == pytest.approx(2 * DAY_COST)
    expected = ranking["cumulative_return_pct"] / (2 * DAY_COST)
    assert ranking["return_pct_per_usd"] == pytest.approx(expected, abs=1e-4)
    metrics = payload(client.get("/metrics?model=gpt-priced&start_date=2025-10-02"))
    assert metrics["cost_usd"] == pytest.approx(DAY_COST), "the return after 10-02 paid 10-03"


def test_models_shows_pricing_and_budget(app_with: AppWith) -> None:
    client = app_with(max_cost_usd_per_day=0.5).test_client()

    models = {model["signature"]: model for model in payload(client.get("/models"))}

    assert models["gpt-priced"]["pricing"] == PRICING
    assert models["gpt-priced"]["max_cost_usd_per_day"] == 0.5
    assert models["mock-llm"]["pricing"] is None


def test_models_without_pricing_show_tokens_but_no_cost(app_with: AppWith) -> None:
    client = app_with(pricing=None).test_client()
    job = payload(run(client, "2025-10-02"))

    day = by_date(job)["2025-10-02"]
    assert (day["prompt_tokens"], day["cost_usd"]) == (2000, None)
    board = payload(client.get("/leaderboard"))
    [ranking] = [r for r in board["rankings"] if r["model"] == "gpt-priced"]
    assert (ranking["cost_usd"], ranking["return_pct_per_usd"]) == (None, None)


def test_a_day_reaching_its_budget_stops_the_conversation_and_the_models_later_days(
    app_with: AppWith,
) -> None:
    client = app_with(max_cost_usd_per_day=0.002).test_client()
    calls: list[Any] = []
    job = payload(run(client, "2025-10-06", calls))

    assert len(calls) == 1, "the answer that reached the budget was the day's last call"
    days = by_date(job)
    assert days["2025-10-02"]["status"] == "completed"
    assert days["2025-10-02"]["cost_usd"] == pytest.approx(CALL_COST)
    assert [(days[d]["status"], days[d]["reason"]) for d in ("2025-10-03", "2025-10-06")] == [
        ("skipped", "budget reached")
    ] * 2
    [row] = payload(client.get("/results?model=gpt-priced&date=2025-10-02&detail=full"))
    assert [(t["action_type"], t["symbol"]) for t in row["trades"]] == [("buy", "AAPL")]
    assert "budget of 0.002 USD was reached" in row["reasoning"][-1]["content"]


def test_a_job_budget_skips_the_days_not_started(app_with: AppWith) -> None:
    client = app_with().test_client()
    job = payload(run(client, "2025-10-06", max_cost_usd=0.005))

    assert job["max_cost_usd"] == 0.005
    days = by_date(job)
    assert days["2025-10-02"]["status"] == "completed"
    assert [(days[d]["status"], days[d]["reason"]) for d in ("2025-10-03", "2025-10-06")] == [
        ("skipped", "budget reached")
    ] * 2
    assert job["status"] == "completed" and job["progress"]["cost_usd"] == pytest.approx(DAY_COST)


def test_a_job_budget_needs_every_llm_models_pricing(app_with: AppWith) -> None:
    client = app_with(pricing=None).test_client()
    response = client.post(
        "/simulate/trigger",
        json={"end_date": "2025-10-03", "models": ["gpt-priced"], "max_cost_usd": 1},
    )

    assert response.status_code == 400
    assert "'gpt-priced' has none" in json.dumps(payload(response))
    assert "max_cost_usd" in payload(response)["errors"]["json"]


def test_a_day_running_longer_than_max_seconds_per_day_fails_clearly(app_with: AppWith) -> None:
    client = app_with({"max_seconds_per_day": 1}).test_client()

    def slow(request: Any) -> tuple[int, dict[str, str], str]:
        time.sleep(1.05)
        return answer(request)

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, LLM_URL, callback=slow)
        job = payload(
            client.post(
                "/simulate/trigger",
                json={
                    "start_date": "2025-10-01",
                    "end_date": "2025-10-03",
                    "models": ["gpt-priced"],
                },
            )
        )
        assert len(mock.calls) == 1

    days = by_date(job)
    assert days["2025-10-02"]["status"] == "failed"
    assert "ran longer than max_seconds_per_day (1 s)" in days["2025-10-02"]["error"]
    assert (days["2025-10-03"]["status"], days["2025-10-03"]["reason"]) == (
        "skipped",
        "previous day failed",
    )


def test_a_budget_of_nothing_runs_no_paid_day(app_with: AppWith) -> None:
    client = app_with().test_client()
    calls: list[Any] = []
    job = payload(run(client, "2025-10-03", calls, max_cost_usd=0))

    assert calls == []
    assert [(d["status"], d["reason"]) for d in job["details"]] == [
        ("completed", None),
        ("skipped", "budget reached"),
        ("skipped", "budget reached"),
    ]
