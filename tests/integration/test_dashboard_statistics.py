"""How sure the dashboard's figures are: each timeline's 95 % interval as an error bar, the runs
of a model aggregated with their sentence, the repeats as a fan, the drawdown and the metrics
with their intervals on a timeline's page, and a model's runs on a page of their own; the
numbers as the JSON with uncertainty gives them."""

from __future__ import annotations

import re
import sqlite3
import statistics
import xml.etree.ElementTree as ET
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from service import create_app
from service.db import connect
from service.jobs.creation import create_job
from service.jobs.planning import JobRequest, WindowRule
from service.models_config import load_models_config
from service.resources.dashboard.statistics import PAGE_RESAMPLES, percent
from service.results.drawdown import drawdown_curve
from tests.integration.conftest import payload
from tests.integration.pages import SVG, charts, element, model_rows, money, page, section, text

pytestmark = pytest.mark.integration

START, END = "2025-10-09", "2025-10-29"  # 15 trading days: 14 returns, enough for intervals
SHORT_START = "2025-10-23"  # 5 trading days: too few returns for an interval
REPEATS = [f"mock-llm:r{k}" for k in range(1, 11)]
WINDOW_DAYS = 12
UNCERTAINTY = {"with": "uncertainty", "resamples": str(PAGE_RESAMPLES)}
INTERVAL = re.compile(r"\[([+-]\d+\.\d\d), ([+-]\d+\.\d\d)\]")
ERROR_BAR = re.compile(r'<svg class="error-bar"[^>]*data-low="([^"]+)" data-high="([^"]+)"')


def run_jobs(database: Path) -> list[str]:
    """10 repeats of the mock LLM, windows of momentum-20, QQQ held over the range and the
    equal-weight model over its last days, run to the end; the windows' signatures."""
    app = create_app({"database_path": str(database), "huey_immediate": True})
    settings = app.config["SETTINGS"]
    config = load_models_config(settings.config_path)
    requests = [
        JobRequest(END, START, ["mock-llm"], repeats=10),
        JobRequest(END, START, ["momentum-20"], windows=WindowRule(WINDOW_DAYS, 1)),
        JobRequest(END, START, ["qqq-buy-and-hold"]),
        JobRequest(END, SHORT_START, ["equal-weight-10"]),
    ]
    windows: list[str] = []
    with closing(connect(str(database))) as conn:
        for request in requests:
            markets = app.extensions["markets"]
            created = create_job(conn, markets, config, request, settings.max_simulation_days)
            app.extensions["job_queue"].enqueue_days(created.job_id, created.first_days)
            windows += [model for model, _ in created.first_days if ":w" in model]
    return windows


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """One database of runs for the module's tests (which only read it), and its windows."""
    database = tmp_path_factory.mktemp("statistics") / "trader.db"
    return database, run_jobs(database)


@pytest.fixture
def database_path(filled: tuple[Path, list[str]]) -> Path:
    """The app's database: the module's runs."""
    return filled[0]


@pytest.fixture
def windows(filled: tuple[Path, list[str]]) -> list[str]:
    """The signatures of momentum-20's windows."""
    return filled[1]


def board(client: FlaskClient, **query: str) -> dict[str, Any]:
    """/leaderboard with the dashboard's bootstrap and the runs aggregated."""
    response = client.get(
        "/leaderboard", query_string={**UNCERTAINTY, "aggregate": "true", **query}
    )
    assert response.status_code == 200
    answer: dict[str, Any] = payload(response)
    return answer


def interval_text(fragment: str) -> tuple[float, float]:
    """The one interval '[low, high]' written in an HTML fragment (outside error bars, whose
    tooltips repeat it)."""
    found = INTERVAL.findall(text(re.sub(r"<svg.*?</svg>", "", fragment, flags=re.S)))
    assert len(found) == 1, text(fragment)
    return float(found[0][0]), float(found[0][1])


def close_to(shown: tuple[float, float], interval: dict[str, float]) -> bool:
    """Whether an interval shown to two decimals is the JSON's (four decimals)."""
    return all(
        abs(value - interval[end]) <= 0.0051
        for value, end in zip(shown, ("low", "high"), strict=True)
    )


def return_cell(row: str) -> str:
    """The HTML of a leaderboard row's return cell."""
    found = re.search(r'<td class="num return">(.*?)</td>', row, re.S)
    assert found, "no return cell"
    return found.group(1)


def end_values(db: sqlite3.Connection, model: str) -> list[tuple[str, float]]:
    """A timeline's end-of-day values, oldest first."""
    rows = db.execute(
        "SELECT date, portfolio_value FROM positions AS p WHERE model = ? AND action_id ="
        " (SELECT MAX(action_id) FROM positions WHERE model = p.model AND date = p.date)"
        " ORDER BY date",
        (model,),
    )
    return [(row[0], row[1]) for row in rows]


def drawdown_svgs(html: str) -> list[ET.Element]:
    """The drawdown charts of a page (wide, then compact), parsed as XML."""
    found = re.findall(r'<svg xmlns="[^"]+" class="drawdown-chart".*?</svg>', html, re.S)
    return [ET.fromstring(svg) for svg in found]


def path_points(path: ET.Element) -> list[tuple[float, float]]:
    """The corners of an SVG path drawn as M x,y L x,y ..."""
    return [
        (float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", path.get("d", ""))
    ]


class TestLeaderboard:
    """The main page: every timeline's interval, the groups of runs, the fan."""

    def test_each_interval_is_an_error_bar_with_the_jsons_ends(self, client: FlaskClient) -> None:
        rows = model_rows(page(client))
        rankings = board(client)["rankings"]

        assert sorted(rows) == sorted(row["model"] for row in rankings)
        with_interval = [row for row in rankings if row["uncertainty"]["total_return_pct"]]
        assert len(with_interval) == len(rankings) - 1  # all but equal-weight-10's 4 returns
        for ranking in with_interval:
            cell = return_cell(rows[ranking["model"]])
            interval = ranking["uncertainty"]["total_return_pct"]
            assert f"{ranking['cumulative_return_pct']:+.2f}%" in text(cell)
            assert close_to(interval_text(cell), interval), ranking["model"]
            bar = ERROR_BAR.search(cell)
            assert bar, ranking["model"]
            assert float(bar.group(1)) == pytest.approx(interval["low"], abs=1e-4)
            assert float(bar.group(2)) == pytest.approx(interval["high"], abs=1e-4)

    def test_the_bars_share_one_scale(self, client: FlaskClient) -> None:
        rows = model_rows(page(client))
        ends: list[tuple[float, float, float, float]] = []  # low, high and their x positions
        for row in rows.values():
            svg = re.search(r'<svg class="error-bar".*?</svg>', return_cell(row), re.S)
            if svg is None:
                continue
            bar = ET.fromstring(svg.group(0).replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))
            whisker = bar.find(f"{SVG}line[@class='whisker']")
            point = bar.find(f"{SVG}circle[@class='point']")
            assert whisker is not None and point is not None
            low, high = float(bar.get("data-low", "")), float(bar.get("data-high", ""))
            x1, x2 = float(whisker.get("x1", "")), float(whisker.get("x2", ""))
            assert x1 < x2
            ends.append((low, high, x1, x2))
        # One affine map from values to positions for every row: the same units per percent.
        (low, high, x1, x2), *others = ends
        scale = (x2 - x1) / (high - low)
        for other_low, other_high, left, right in others:
            assert (right - left) == pytest.approx(scale * (other_high - other_low), abs=0.2)
            assert left - x1 == pytest.approx(scale * (other_low - low), abs=0.2)

    def test_a_timeline_too_short_for_an_interval_says_so(self, client: FlaskClient) -> None:
        cell = return_cell(model_rows(page(client))["equal-weight-10"])
        ranking = next(
            row for row in board(client)["rankings"] if row["model"] == "equal-weight-10"
        )
        reason = ranking["uncertainty"]["reasons"]["total_return_pct"]

        assert "error-bar" not in cell and "no interval" in text(cell)
        assert "needs at least 10" in reason
        assert f'title="{reason}"' in cell

    def test_a_difference_from_the_benchmark_is_named_when_significant(
        self, client: FlaskClient
    ) -> None:
        rows = model_rows(page(client))
        words = {True: "beats QQQ at 95 %", False: "trails QQQ at 95 %"}
        rankings = board(client)["rankings"]
        assert any(ranking["uncertainty"]["beats_benchmark"] in words for ranking in rankings)
        for ranking in rankings:
            verdict = ranking["uncertainty"]["beats_benchmark"]
            shown = re.findall(
                r'<small class="verdict[^"]*">([^<]+)</small>', rows[ranking["model"]]
            )
            assert shown == ([words[verdict]] if verdict in words else []), ranking["model"]

    def test_the_groups_of_runs_with_their_sentences(
        self, client: FlaskClient, windows: list[str]
    ) -> None:
        html = page(client)
        groups = {group["model"]: group for group in board(client)["groups"]}
        table = element(html, "group-table")
        rows = dict(
            re.findall(r'<tr class="group-row[^"]*" data-model="([^"]+)">(.*?)</tr>', table, re.S)
        )

        assert groups["mock-llm"]["runs"] == 10 and groups["momentum-20"]["runs"] == len(windows)
        assert list(rows) == [group["model"] for group in board(client)["groups"]]
        sentences = text(element(html, "group-summaries"))
        for model in ("mock-llm", "momentum-20"):
            group = groups[model]
            assert group["summary"] in sentences
            cells = rows[model]
            mean = re.search(r'<td class="num mean">(.*?)</td>', cells, re.S)
            assert mean and f"{group['total_return_pct']['mean']:+.2f}%" in text(mean.group(1))
            assert close_to(interval_text(mean.group(1)), group["total_return_pct"]["interval"])
            assert "error-bar" in mean.group(1)
            assert f"{group['beat_benchmark']} of {group['runs']}" in text(cells)
        assert "10 repeats" in text(rows["mock-llm"])
        assert f"{len(windows)} windows" in text(rows["momentum-20"])
        assert "qqq-buy-and-hold" in rows and "1 run" in text(rows["qqq-buy-and-hold"])
        assert "beat QQQ in" in sentences and "at 95 %" in sentences

    def test_ties_are_flagged(self, client: FlaskClient) -> None:
        html = page(client)
        groups = board(client)["groups"]
        assert any(group["tied_with"] for group in groups)
        for group in groups:
            model = re.escape(group["model"])
            row = re.search(
                rf'<tr class="group-row( tied)?" data-model="{model}">(.*?)</tr>', html, re.S
            )
            assert row, group["model"]
            assert bool(row.group(1)) is bool(group["tied_with"])
            cell = re.search(r'<td class="tied-with">(.*?)</td>', row.group(2), re.S)
            assert cell
            expected = f"tied {', '.join(group['tied_with'])}" if group["tied_with"] else "—"
            assert text(cell.group(1)) == expected

    def test_the_repeats_are_one_fan_and_the_windows_a_line_each(
        self, client: FlaskClient, db: sqlite3.Connection, windows: list[str]
    ) -> None:
        html = page(client)
        for svg in charts(html):
            ranges = svg.findall(f".//{SVG}polygon[@class='fan-range']")
            quartiles = svg.findall(f".//{SVG}polygon[@class='fan-quartiles']")
            assert [p.get("data-model") for p in ranges + quartiles] == ["mock-llm", "mock-llm"]
            lines = {p.get("data-model"): p for p in svg.findall(f".//{SVG}path")}
            assert not set(REPEATS) & set(lines)
            assert set(windows) <= set(lines)
            assert "fan-median" in (lines["mock-llm"].get("class") or "")
            assert len(path_points(lines["mock-llm"])) == 15
            legend = [
                entry.findtext(f"{SVG}title")
                for entry in svg.iter(f"{SVG}g")
                if entry.get("class") == "legend-entry"
            ]
            assert legend.count("mock-llm · 10 repeats") == 1
            assert legend.count(f"momentum-20 · {len(windows)} windows") == 1
            assert not set(windows) & set(legend)
            # Each band has a vertex per day along its top edge and back along its bottom one.
            assert len(ranges[0].get("points", "").split()) == 2 * 15
        last = sorted(end_values(db, run)[-1][1] for run in REPEATS)
        title = next(
            g.findtext(f"{SVG}title") or ""
            for g in charts(html)[0].iter(f"{SVG}g")
            if g.find(f"{SVG}path[@data-model='mock-llm']") is not None
        )
        assert f"median {money(statistics.median(last))}" in title
        assert f"range {money(last[0])} to {money(last[-1])}" in title
        assert "mock-llm · 10 repeats" in text(element(html, "fan-note"))

    def test_the_page_links_to_the_json_it_matches(self, client: FlaskClient) -> None:
        link = re.search(r'id="uncertainty-json" href="([^"]+)"', page(client, "/?date=2025-10-27"))
        assert link
        url = link.group(1).replace("&amp;", "&")
        assert url == (
            f"/leaderboard?with=uncertainty&resamples={PAGE_RESAMPLES}&aggregate=true"
            "&date=2025-10-27"
        )
        rows = model_rows(page(client, "/?date=2025-10-27"))
        for ranking in payload(client.get(url))["rankings"]:
            interval = ranking["uncertainty"]["total_return_pct"]
            if interval:
                assert close_to(interval_text(return_cell(rows[ranking["model"]])), interval)


class TestModelPages:
    """A timeline's page: its metrics with intervals and its drawdown; a model's runs."""

    MODEL = "mock-llm:r2"

    def test_metrics_with_their_intervals_as_in_the_json(self, client: FlaskClient) -> None:
        stats = section(page(client, f"/dashboard/models/{self.MODEL}"), "statistics")
        query = {"model": self.MODEL, "end_date": END, **UNCERTAINTY}
        metrics = payload(client.get("/metrics", query_string=query))
        uncertainty = metrics["uncertainty"]

        figures = dict(re.findall(r'<div data-figure="([^"]+)">(.*?)</div>', stats, re.S))
        assert f"{metrics['total_return_pct']:+.2f}%" in text(figures["total_return_pct"])
        for name in ("total_return_pct", "sharpe", "excess_return_pct"):
            assert close_to(interval_text(figures[name]), uncertainty[name]), name
        assert f"{metrics['sharpe']:.2f}" in text(figures["sharpe"])
        assert f"{metrics['max_drawdown_pct']:.2f}%" in text(figures["max_drawdown_pct"])
        for name in ("probabilistic_sharpe", "probabilistic_sharpe_vs_benchmark"):
            assert text(figures[name]).endswith(percent(uncertainty[name])), name
        verdict = text(element(stats, "verdict"))
        words = {True: "beats QQQ", False: "trails QQQ", "undetermined": "neither beats nor trails"}
        assert words[uncertainty["beats_benchmark"]] in verdict
        assert f"{uncertainty['excess_p_value']:.2g}" in verdict or "p < 0.001" in verdict

    def test_the_groups_sentence_and_a_link_to_the_runs(self, client: FlaskClient) -> None:
        stats = section(page(client, f"/dashboard/models/{self.MODEL}"), "statistics")
        group = next(group for group in board(client)["groups"] if group["model"] == "mock-llm")

        line = element(stats, "group-sentence")
        assert group["summary"] in text(line)
        assert f'href="/dashboard/models/mock-llm/runs?date={END}"' in line

    def test_the_drawdown_curve(self, client: FlaskClient, db: sqlite3.Connection) -> None:
        html = page(client, f"/dashboard/models/{self.MODEL}")
        curve = drawdown_curve(end_values(db, self.MODEL))
        low_day, low = min(curve, key=lambda point: point[1])

        drawn = drawdown_svgs(section(html, "drawdown"))
        assert [svg.get("viewBox", "").split()[2] for svg in drawn] == ["760", "400"]
        for svg in drawn:
            (line,) = svg.findall(f".//{SVG}path[@data-model='{self.MODEL}']")
            points = path_points(line)
            assert len(points) == len(curve) == 15
            # Higher drawdowns are drawn higher: the lowest point is the deepest one.
            deepest = max(range(len(points)), key=lambda index: points[index][1])
            assert curve[deepest][0] == low_day
            assert points[0][1] == min(y for _, y in points)  # the first day is a peak
            marks = [g for g in svg.iter(f"{SVG}g") if g.find(f"{SVG}circle") is not None]
            assert [g.findtext(f"{SVG}title") for g in marks] == [
                f"{self.MODEL}: deepest {low:.2f}% on {low_day}"
            ]
            assert svg.find(f".//{SVG}polygon[@class='area']") is not None
            ticks = [
                float(label.text[:-1])
                for label in svg.iter(f"{SVG}text")
                if label.text and label.text.endswith("%")
            ]
            assert max(ticks) == 0 and min(ticks) <= low  # percent below the peak, from 0 down

    def test_a_plain_timeline_has_no_group(self, client: FlaskClient) -> None:
        stats = section(page(client, "/dashboard/models/qqq-buy-and-hold"), "statistics")
        assert 'id="group-sentence"' not in stats and 'id="verdict"' in stats

    def test_a_model_run_only_as_repeats_leads_to_its_runs(self, client: FlaskClient) -> None:
        response = client.get("/dashboard/models/mock-llm?date=2025-10-20")
        assert response.status_code == 302
        assert response.headers["Location"] == "/dashboard/models/mock-llm/runs?date=2025-10-20"

    def test_the_runs_page_of_the_repeats(self, client: FlaskClient) -> None:
        html = page(client, "/dashboard/models/mock-llm/runs")
        answer = board(client)
        group = next(group for group in answer["groups"] if group["model"] == "mock-llm")

        assert group["summary"] in text(element(html, "group-sentence"))
        rows = dict(re.findall(r'<tr class="run-row" data-model="([^"]+)">(.*?)</tr>', html, re.S))
        assert sorted(rows) == sorted(REPEATS)
        for ranking in answer["rankings"]:
            if ranking["model"] in rows:
                interval = ranking["uncertainty"]["total_return_pct"]
                assert close_to(interval_text(return_cell(rows[ranking["model"]])), interval)
        (equity, _), (drawdown, _) = charts(html), drawdown_svgs(html)
        for svg in (equity, drawdown):
            assert len(svg.findall(f".//{SVG}polygon[@class='fan-range']")) == 1
            assert len(svg.findall(f".//{SVG}polygon[@class='fan-quartiles']")) == 1
        assert equity.find(f".//{SVG}path[@class='series benchmark']") is not None

    def test_the_runs_page_of_the_windows(self, client: FlaskClient, windows: list[str]) -> None:
        html = page(client, "/dashboard/models/momentum-20/runs")

        assert f"{len(windows)} windows" in text(element(html, "run-count"))
        (equity, _), (drawdown, _) = charts(html), drawdown_svgs(html)
        for svg in (equity, drawdown):
            assert svg.find(f".//{SVG}polygon[@class='fan-range']") is None
            drawn = {path.get("data-model") for path in svg.findall(f".//{SVG}path")}
            assert drawn == set(windows)  # windows begin apart: no benchmark either
        assert "thinner line each" in text(section(html, "chart"))

    def test_no_runs_of_an_unknown_model(self, client: FlaskClient) -> None:
        assert "No runs of nobody." in page(client, "/dashboard/models/nobody/runs", 404)

    def test_a_bad_date_on_the_runs_page(self, client: FlaskClient) -> None:
        assert "is not a date" in page(client, "/dashboard/models/mock-llm/runs?date=x", 400)


class TestWithoutRuns:
    """Plain timelines: intervals, but no groups card and lines, not fans."""

    @pytest.fixture
    def database_path(self, tmp_path: Path) -> Path:
        return tmp_path / "plain.db"

    def test_no_groups_and_no_fan(self, client: FlaskClient) -> None:
        response = client.post(
            "/simulate/trigger",
            json={
                "models": ["momentum-20", "qqq-buy-and-hold"],
                "start_date": START,
                "end_date": END,
            },
        )
        assert response.status_code == 202
        html = page(client)

        assert 'id="groups"' not in html and 'id="fan-note"' not in html
        assert "fan-range" not in html
        assert len(re.findall(r'<svg class="error-bar"', html)) == 2
