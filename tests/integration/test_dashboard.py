"""The dashboard page: empty state, leaderboard and chart after a job, the job, bad dates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.market.catalog import NASDAQ100
from service.market.prices import PriceData
from service.resources.dashboard.chart import SVG_NAMESPACE
from tests.integration.conftest import AppFactory, PendingJob, Trigger, payload
from tests.integration.pages import ROW, SVG, chart, charts, model_rows, money, page

pytestmark = pytest.mark.integration

START, END = "2025-09-22", "2025-09-26"
ABSOLUTE_URL = re.compile(r"https?://[^\s\"'<>)]+")


def external_urls(html: str, own_root: str = "http://localhost/") -> set[str]:
    """Absolute URLs other than the SVG namespace (an identifier, never fetched) and the server."""
    return {
        url
        for url in ABSOLUTE_URL.findall(html)
        if url != SVG_NAMESPACE and not url.startswith(own_root)
    }


def test_empty_database_shows_how_to_start(client: FlaskClient) -> None:
    html = page(client)
    assert "No results yet" in html
    assert "curl -X POST http://localhost/simulate/trigger" in html
    assert 'href="/docs"' in html
    assert "equity-chart" not in html and 'id="leaderboard"' not in html
    assert external_urls(html) == set()


@pytest.fixture
def ran(trigger: Trigger, enabled_models: list[str]) -> list[str]:
    """The default enabled models simulated from START to END; their signatures."""
    job = trigger(start_date=START, end_date=END)
    assert job["status"] == "completed"
    return enabled_models


@pytest.mark.parametrize("path", ["/", "/dashboard"])
def test_rows_match_the_leaderboard(client: FlaskClient, ran: list[str], path: str) -> None:
    html = page(client, path)
    board = payload(client.get("/leaderboard"))
    rows = model_rows(html)
    assert sorted(rows) == sorted(ran)
    for ranking in board["rankings"]:
        cells = rows[ranking["model"]]
        assert money(ranking["portfolio_value"]) in cells
        assert f"{ranking['cumulative_return_pct']:+.2f}%" in cells
        assert f'<td class="num">{ranking["rank"]}</td>' in cells
    assert [model for model, _ in ROW.findall(html)] == [r["model"] for r in board["rankings"]]
    assert f'id="leaderboard-date">{END}<' in html


def test_benchmark_row_holds_qqq_with_the_same_cash(
    client: FlaskClient, ran: list[str], price_data: PriceData
) -> None:
    html = page(client)
    first = price_data.close(NASDAQ100.benchmark, START) or 0
    last = price_data.close(NASDAQ100.benchmark, END) or 0
    benchmark = re.search(r'<tr class="benchmark-row">(.*?)</tr>', html, re.S)
    assert benchmark
    assert money(10000 * last / first) in benchmark.group(1)
    assert f"{(last / first - 1) * 100:+.2f}%" in benchmark.group(1)


def test_charts_have_one_line_per_model_and_the_benchmark(
    client: FlaskClient, ran: list[str]
) -> None:
    drawn = charts(page(client))
    assert [svg.get("viewBox", "").split()[2] for svg in drawn] == ["760", "400"]
    for svg in drawn:
        paths = svg.findall(f".//{SVG}path")
        assert sorted(path.get("data-model") or "" for path in paths) == sorted(
            [*ran, "QQQ (benchmark)"]
        )
        assert sum("benchmark" in (path.get("class") or "") for path in paths) == 1
        labels = [text.text for text in svg.iter(f"{SVG}text")]
        assert START in labels and END in labels


def test_one_model(client: FlaskClient, trigger: Trigger) -> None:
    trigger(models=["momentum-20"], start_date=START, end_date=END)
    html = page(client)
    assert list(model_rows(html)) == ["momentum-20"]
    assert '<tr class="benchmark-row">' in html
    legend = chart(html).findall(f".//{SVG}g[@class='legend-entry']")
    assert [entry.findtext(f"{SVG}title") for entry in legend] == ["momentum-20", "QQQ (benchmark)"]


def test_each_model_opens_its_day_as_a_page(client: FlaskClient, ran: list[str]) -> None:
    rows = model_rows(page(client))
    for model in ran:
        link = re.search(r'<a class="button open" href="([^"]+)"', rows[model])
        assert link and link.group(1) == f"/dashboard/models/{model}?date={END}"
        day = page(client, link.group(1))
        assert f'id="model-day">{END}<' in day and 'id="conversation"' in day


def test_date_picks_the_leaderboard_day(client: FlaskClient, ran: list[str]) -> None:
    html = page(client, "/?date=2025-09-24")
    board = payload(client.get("/leaderboard?date=2025-09-24"))
    rows = model_rows(html)
    for ranking in board["rankings"]:
        assert money(ranking["portfolio_value"]) in rows[ranking["model"]]
    assert f"newest stored day {END}" in html
    labels = [text.text for text in chart(html).iter(f"{SVG}text")]
    assert "2025-09-24" in labels and END not in labels


def test_a_day_before_any_result(client: FlaskClient, ran: list[str]) -> None:
    html = page(client, "/?date=2025-06-02")
    assert "No results on or before 2025-06-02" in html
    assert "equity-chart" not in html


@pytest.mark.parametrize("bad", ["2025-13-01", "yesterday", "20250926", "2025-9-3", "<b>x</b>"])
def test_bad_date_is_a_400_page(client: FlaskClient, bad: str) -> None:
    response = client.get("/dashboard", query_string={"date": bad})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "use YYYY-MM-DD" in response.text
    assert "<b>x</b>" not in response.text


def test_finished_job_is_shown_with_its_duration(client: FlaskClient, ran: list[str]) -> None:
    html = page(client)
    assert 'data-active="false"' in html
    # The page still follows /simulate/current, less often, to notice the next job.
    assert 'data-follow="/simulate/current"' in html
    assert '<span class="badge completed" id="job-status">completed</span>' in html
    assert 'value="100.0"' in html and '<strong id="job-percent">100.0%</strong>' in html
    assert "took " in html and 'id="job-eta"' not in html


def test_pending_job_is_polled(client: FlaskClient, pending_job: PendingJob) -> None:
    job = pending_job("2025-09-03", "2025-09-02", ("qqq-buy-and-hold",))
    html = page(client)
    assert f'data-job-id="{job.job_id}" data-active="true"' in html
    follows = 'id="page" data-follow="/simulate/current" data-active-statuses="pending running">'
    assert follows in html
    assert "0 of 2 model-days done" in html and 'id="job-eta"' in html
    assert "no worker is consuming the queue" in html and "curl" not in html
    # The fields the script reads are in the answer of the URL it polls.
    current = payload(client.get("/simulate/current"))
    assert current["job_id"] == job.job_id and current["status"] == "pending"
    fields = {"percent", "completed", "total", "running", "failed", "skipped", "eta_seconds"}
    assert fields <= set(current["progress"])


def test_inline_code_is_the_only_code_allowed(client: FlaskClient, ran: list[str]) -> None:
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce and "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert response.text.count(f'nonce="{nonce.group(1)}"') == 2  # the style and the script
    assert "<script>" not in response.text and "<style>" not in response.text
    assert external_urls(response.text) == set()


def test_with_an_api_key_the_page_stays_open_and_shows_the_header(
    make_app: AppFactory,
) -> None:
    client = make_app(api_key="s3cret").test_client()
    html = page(client)
    assert '-H "X-API-Key: $API_KEY"' in html
    assert "s3cret" not in html


def test_a_broken_models_config_still_shows_the_results(
    client: FlaskClient, ran: list[str], app: Flask, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = settings.with_overrides({"config_path": str(broken)})
    assert sorted(model_rows(page(client))) == sorted(ran)
