"""Portfolio time series, metrics, jobs listing and deletion, models: through the API."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.market.prices import PriceData
from tests.integration.conftest import ModelsFile, PendingJob, Trigger, payload

pytestmark = pytest.mark.integration
TABLES = ("jobs", "job_details", "positions", "holdings", "reasoning_logs", "tool_usage")
SEPT = {"start_date": "2025-09-02", "end_date": "2025-09-12"}


def counts(db: sqlite3.Connection) -> dict[str, int]:
    return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}


class TestTimeseries:
    def test_one_point_per_stored_day_with_the_benchmark(
        self, client: FlaskClient, trigger: Trigger, price_data: PriceData
    ) -> None:
        trigger(models=["momentum-20"], **SEPT)
        answer = payload(client.get("/portfolio/timeseries?model=momentum-20"))
        series = answer["series"]
        assert answer["model"] == "momentum-20"
        assert [point["date"] for point in series] == price_data.trading_days_between(
            "2025-09-02", "2025-09-12"
        )
        first = price_data.close("QQQ", "2025-09-02")
        last = price_data.close("QQQ", "2025-09-12")
        assert first and last
        assert series[0]["benchmark_return_pct"] == 0
        assert series[-1]["benchmark_return_pct"] == round((last / first - 1) * 100, 4)
        assert series[0]["portfolio_value"] == 10000.0 and series[0]["cash"] == 10000.0

    def test_range_and_unknown_model(self, client: FlaskClient, trigger: Trigger) -> None:
        trigger(models=["momentum-20"], **SEPT)
        part = payload(client.get("/portfolio/timeseries?model=momentum-20&start_date=2025-09-10"))
        assert [p["date"] for p in part["series"]] == ["2025-09-10", "2025-09-11", "2025-09-12"]
        assert client.get("/portfolio/timeseries?model=nobody").status_code == 404
        empty = client.get("/portfolio/timeseries?model=momentum-20&start_date=2025-10-01")
        assert empty.status_code == 200 and payload(empty)["series"] == []

    @pytest.mark.parametrize(
        "query",
        [
            "",
            "model=bad%20name",
            "model=m&x=1",
        ],
    )
    def test_bad_query_is_422(self, client: FlaskClient, query: str) -> None:
        response = client.get(f"/portfolio/timeseries?{query}")
        assert response.status_code == 422 and payload(response)["message"]

    @pytest.mark.parametrize("path", ["/portfolio/timeseries", "/metrics", "/results"])
    def test_a_start_after_the_end_is_400_not_an_empty_answer(
        self, client: FlaskClient, trigger: Trigger, path: str
    ) -> None:
        trigger(models=["momentum-20"], **SEPT)
        query = "model=momentum-20&start_date=2025-09-10&end_date=2025-09-01"

        response = client.get(f"{path}?{query}")

        assert response.status_code == 400
        assert payload(response)["message"] == "start_date 2025-09-10 is after end_date 2025-09-01"


class TestMetrics:
    def test_metrics_match_the_stored_series(self, client: FlaskClient, trigger: Trigger) -> None:
        trigger(models=["momentum-20", "qqq-buy-and-hold"], **SEPT)
        metrics = payload(client.get("/metrics?model=momentum-20"))
        series = payload(client.get("/portfolio/timeseries?model=momentum-20"))["series"]
        values = [point["portfolio_value"] for point in series]
        assert metrics["model"] == "momentum-20"
        assert metrics["trading_days"] == len(series) == 9
        assert metrics["total_return_pct"] == pytest.approx(
            (values[-1] / values[0] - 1) * 100, abs=1e-3
        )
        assert metrics["excess_return_pct"] == pytest.approx(
            metrics["total_return_pct"] - metrics["benchmark_return_pct"], abs=1e-3
        )
        assert metrics["trades"] > 0 and metrics["contaminated"] is False

    def test_all_models_is_a_list(self, client: FlaskClient, trigger: Trigger) -> None:
        trigger(models=["momentum-20", "qqq-buy-and-hold"], **SEPT)
        answer = payload(client.get("/metrics?start_date=2025-09-03"))
        assert [m["model"] for m in answer] == ["momentum-20", "qqq-buy-and-hold"]
        assert all(m["start_date"] == "2025-09-03" for m in answer)

    def test_contamination_from_the_knowledge_cutoff(
        self, models_file: ModelsFile, make_app: Any
    ) -> None:
        models_file.update_model("momentum-20", knowledge_cutoff="2025-09-05")
        client = make_app(config_path=str(models_file.path)).test_client()
        client.post("/simulate/trigger", json={**SEPT, "models": ["momentum-20"]})
        assert payload(client.get("/metrics?model=momentum-20"))["contaminated"] is True
        later = payload(client.get("/metrics?model=momentum-20&start_date=2025-09-08"))
        assert later["contaminated"] is False
        rows = payload(client.get("/results?model=momentum-20"))
        assert [r["contaminated"] for r in rows] == [r["date"] <= "2025-09-05" for r in rows]

    def test_unknown_model_is_404(self, client: FlaskClient) -> None:
        assert client.get("/metrics?model=nobody").status_code == 404
        assert payload(client.get("/metrics")) == []


class TestJobs:
    def test_newest_first_filtered_and_paginated(
        self, client: FlaskClient, trigger: Trigger, pending_job: PendingJob
    ) -> None:
        first = trigger(models=["momentum-20"], **SEPT)["job_id"]
        second = trigger(models=["qqq-buy-and-hold"], **SEPT)["job_id"]
        waiting = pending_job("2025-09-12", "2025-09-02", ("equal-weight-10",)).job_id
        jobs = payload(client.get("/jobs"))
        assert [job["job_id"] for job in jobs] == [waiting, second, first]
        completed = client.get("/jobs?status=completed&page_size=1")
        assert [job["job_id"] for job in payload(completed)] == [second]
        assert json.loads(completed.headers["X-Pagination"])["total"] == 2
        assert client.get("/jobs?status=done").status_code == 422

    def test_delete_cascades_through_every_table(
        self, client: FlaskClient, trigger: Trigger, db: sqlite3.Connection
    ) -> None:
        job = trigger(models=["mock-llm"], **SEPT)["job_id"]
        assert all(counts(db).values())
        assert client.delete(f"/jobs/{job}").status_code == 204
        assert counts(db) == dict.fromkeys(TABLES, 0)
        assert client.delete(f"/jobs/{job}").status_code == 404

    def test_delete_refuses_a_running_job(
        self, client: FlaskClient, pending_job: PendingJob, db: sqlite3.Connection
    ) -> None:
        job = pending_job("2025-09-12", "2025-09-02", ("momentum-20",)).job_id
        db.execute("UPDATE jobs SET status = 'running' WHERE job_id = ?", (job,))
        response = client.delete(f"/jobs/{job}")
        assert response.status_code == 409 and "running" in payload(response)["message"]

    def test_delete_refuses_a_job_whose_timelines_go_on(
        self, client: FlaskClient, trigger: Trigger
    ) -> None:
        first = trigger(models=["momentum-20"], **SEPT)["job_id"]
        second = trigger(models=["momentum-20"], start_date=None, end_date="2025-09-19")["job_id"]
        refused = client.delete(f"/jobs/{first}")
        assert refused.status_code == 409 and second in payload(refused)["message"]
        assert client.delete(f"/jobs/{second}").status_code == 204
        assert client.delete(f"/jobs/{first}").status_code == 204


class TestModels:
    def test_models_with_provider_flag_and_range_never_keys(
        self, client: FlaskClient, trigger: Trigger, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-never-shown")
        trigger(models=["momentum-20"], **SEPT)
        response = client.get("/models")
        models = {model["signature"]: model for model in payload(response)}
        assert models["momentum-20"]["first_date"] == "2025-09-02"
        assert models["momentum-20"]["last_date"] == "2025-09-12"
        assert models["gpt-4o-mini"]["provider"] == "openai"
        assert models["gpt-4o-mini"]["enabled"] is False
        assert models["gpt-4o-mini"]["first_date"] is None
        assert "sk-never-shown" not in response.get_data(as_text=True)
