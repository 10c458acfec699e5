"""Read answers kept between changes: never stale, revalidated with ETags, bounded in memory."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.resources.context import get_db
from service.settings import DEFAULT_PRICE_DATA
from tests.integration.conftest import AppFactory, ModelsFile, Trigger, payload

pytestmark = pytest.mark.integration

MODEL = "momentum-20"
READS = [
    "/leaderboard",
    f"/results?model={MODEL}&page_size=5",
    f"/portfolio/timeseries?model={MODEL}",
    f"/metrics?model={MODEL}",
]
ADD_CASH = "UPDATE positions SET cash = cash + 1000, portfolio_value = portfolio_value + 1000"


@pytest.fixture
def stored(client: FlaskClient, trigger: Trigger) -> None:
    """Two weeks of the default models."""
    trigger(start_date="2025-09-02", end_date="2025-09-12")


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the leaderboard computations run (the cache skips them)."""
    import service.resources.leaderboard.routes as routes

    calls: list[str] = []
    real = routes.leaderboard

    def counted(*args: Any) -> Any:
        calls.append("leaderboard")
        return real(*args)

    monkeypatch.setattr(routes, "leaderboard", counted)
    return calls


def value_of(answer: dict[str, Any]) -> float:
    """The model's value in any of the four answers."""
    if "rankings" in answer:
        return next(r["portfolio_value"] for r in answer["rankings"] if r["model"] == MODEL)
    if "series" in answer:
        return float(answer["series"][-1]["portfolio_value"])
    if "total_return_pct" in answer:
        return float(answer["total_return_pct"])
    return float(answer[-1]["portfolio_value"])


@pytest.mark.usefixtures("stored")
class TestNeverStale:
    def test_a_repeated_read_is_not_computed_again(
        self, client: FlaskClient, computed: list[str]
    ) -> None:
        first, second = client.get("/leaderboard"), client.get("/leaderboard")
        assert second.get_data() == first.get_data()
        assert computed == ["leaderboard"]

    @pytest.mark.parametrize("url", READS)
    def test_a_commit_by_another_connection_is_seen(
        self, client: FlaskClient, db: sqlite3.Connection, url: str
    ) -> None:
        before = value_of(payload(client.get(url)))
        db.execute(ADD_CASH + " WHERE model = ?", (MODEL,))
        after = value_of(payload(client.get(url)))
        assert after != before

    def test_a_write_on_the_request_threads_own_connection_is_seen(
        self, app: Flask, client: FlaskClient
    ) -> None:
        before = value_of(payload(client.get("/leaderboard")))
        with app.app_context():
            # The test client serves requests on this thread: this is their connection.
            get_db().execute(ADD_CASH + " WHERE model = ?", (MODEL,))
        assert value_of(payload(client.get("/leaderboard"))) == round(before + 1000, 2)

    def test_a_new_job_is_seen(self, client: FlaskClient, trigger: Trigger) -> None:
        assert payload(client.get("/leaderboard"))["date"] == "2025-09-12"
        trigger(end_date="2025-09-19")
        assert payload(client.get("/leaderboard"))["date"] == "2025-09-19"


@pytest.mark.usefixtures("stored")
class TestETags:
    @pytest.mark.parametrize("url", READS)
    def test_a_current_etag_gets_304_without_a_body(self, client: FlaskClient, url: str) -> None:
        first = client.get(url)
        assert first.headers["Cache-Control"] == "no-cache"
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        assert again.get_data() == b""

    def test_an_old_etag_gets_the_new_answer(
        self, client: FlaskClient, db: sqlite3.Connection
    ) -> None:
        first = client.get("/leaderboard")
        db.execute(ADD_CASH)
        again = client.get("/leaderboard", headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 200
        assert again.headers["ETag"] != first.headers["ETag"]

    def test_pagination_header_is_kept(self, client: FlaskClient) -> None:
        first = client.get(READS[1])
        again = client.get(READS[1])
        assert again.headers["X-Pagination"] == first.headers["X-Pagination"]
        assert '"total":' in again.headers["X-Pagination"]

    def test_errors_are_not_kept(self, client: FlaskClient, trigger: Trigger) -> None:
        url = "/metrics?model=momentum-20&start_date=2025-09-15"
        assert client.get(url).status_code == 404
        trigger(end_date="2025-09-19")
        assert client.get(url).status_code == 200


def test_without_a_cache_answers_are_computed_each_time(
    make_app: AppFactory, computed: list[str]
) -> None:
    client = make_app(response_cache_mb=0).test_client()
    client.post("/simulate/trigger", json={"start_date": "2025-09-02", "end_date": "2025-09-05"})
    first, second = client.get("/leaderboard"), client.get("/leaderboard")
    assert first.get_data() == second.get_data()
    assert computed == ["leaderboard", "leaderboard"]
    assert (
        client.get("/leaderboard", headers={"If-None-Match": first.headers["ETag"]}).status_code
        == 304
    )


def test_an_edited_models_config_is_seen(custom_app: Flask, models_file: ModelsFile) -> None:
    client = custom_app.test_client()
    job = {"start_date": "2025-09-02", "end_date": "2025-09-05"}
    assert client.post("/simulate/trigger", json=job).status_code == 202
    url = f"/metrics?model={MODEL}"
    assert payload(client.get(url))["contaminated"] is False
    models_file.update_model(MODEL, knowledge_cutoff="2025-12-31")
    assert payload(client.get(url))["contaminated"] is True


def test_each_read_depends_only_on_the_files_it_reads(make_app: AppFactory, tmp_path: Path) -> None:
    price_file = tmp_path / "prices.jsonl.gz"
    shutil.copy(DEFAULT_PRICE_DATA, price_file)
    client = make_app(price_data=str(price_file)).test_client()
    job = {"start_date": "2025-09-02", "end_date": "2025-09-05"}
    assert client.post("/simulate/trigger", json=job).status_code == 202
    assert client.get("/leaderboard").status_code == 200
    price_file.write_bytes(b"not gzip at all")
    assert client.get(f"/results?model={MODEL}").status_code == 200  # reads no prices
    broken = client.get("/leaderboard")
    assert broken.status_code == 503
    assert "price data cannot be used" in payload(broken)["message"]
    shutil.copy(DEFAULT_PRICE_DATA, price_file)
    assert client.get("/leaderboard").status_code == 200


def test_a_change_to_any_input_file_drops_every_kept_answer(
    make_app: AppFactory, tmp_path: Path, computed: list[str]
) -> None:
    news = tmp_path / "news.json"
    news.write_text('{"feed": []}', encoding="utf-8")
    client = make_app(news_data=str(news)).test_client()
    job = {"start_date": "2025-09-02", "end_date": "2025-09-05"}
    assert client.post("/simulate/trigger", json=job).status_code == 202
    for _ in range(2):
        assert client.get("/leaderboard").status_code == 200
    assert computed == ["leaderboard"]

    news.write_text('{"feed": [] }', encoding="utf-8")  # no view declares that it reads news

    assert client.get("/leaderboard").status_code == 200
    assert computed == ["leaderboard", "leaderboard"]
