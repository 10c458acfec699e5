"""Smoke run of bin/bench --quick: every figure is produced and no request fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.processes import REPO

pytestmark = pytest.mark.performance
# Each statistics data set's answer with intervals or groups, and the same without.
RICHER = {
    "intervals": ("metrics_uncertainty", "metrics"),
    "runs": ("leaderboard_aggregate", "leaderboard"),
}


def run_bench(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """bin/bench --quick with these arguments, its JSON into out; it must succeed."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.performance.bench", "--quick", "--out", str(out), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def check_statistics(report: dict[str, Any], stdout: str) -> None:
    """The statistics section of a quick run: its data, every answer and its targets."""
    section = report["queries"]["statistics"]
    intervals, runs = section["intervals"], section["runs"]
    assert intervals["days"] == 60 and intervals["data"]["model_days"] == 60
    assert runs["timelines"] == 20 * 2 and runs["data"]["model_days"] == 20 * 2 * 5
    assert section["resamples"] == 2000
    expected = {
        ("intervals", "computed"): {
            "metrics_uncertainty",
            "metrics",
            "metrics_uncertainty_new_draws",
        },
        ("intervals", "cached"): {"metrics_uncertainty", "metrics"},
        ("runs", "computed"): {"leaderboard_aggregate", "leaderboard"},
        ("runs", "cached"): {"leaderboard_aggregate", "leaderboard"},
    }
    for (part, label), names in expected.items():
        figures = section[part][label]
        assert set(figures) == names, (part, label)
        for name, endpoint in figures.items():
            assert endpoint["sequential"]["requests"] > 0, (part, label, name)
            assert endpoint["sequential"]["errors"] == 0, (part, label, name)
            assert endpoint["server_cpu_ms_per_request"] > 0, (part, label, name)
        # The intervals and the groups are in the answers, which are longer than without.
        richer, plain = RICHER[part]
        assert (
            figures[richer]["sequential"]["response_bytes"]
            > figures[plain]["sequential"]["response_bytes"]
        ), (part, label)
    assert "&seed=<1.." in intervals["computed"]["metrics_uncertainty_new_draws"]["path"]
    targets = {check["target"] for check in report["targets"]}
    assert {
        "/metrics intervals, 60 days (computed)",
        "/metrics new draws, 60 days (computed)",
        "/leaderboard aggregate, 40 runs (cached)",
    } <= targets
    assert "Statistics (" in stdout


def test_quick_benchmark_reports_every_figure(tmp_path: Path) -> None:
    done = run_bench(tmp_path / "bench.json")
    report = json.loads((tmp_path / "bench.json").read_text())

    endpoints = report["queries"]["bundled"]["endpoints"]
    computed = report["queries"]["bundled"]["computed"]
    assert len(endpoints) == len(computed) == 7
    for figures in [*endpoints.values(), *computed.values()]:
        assert figures["sequential"]["requests"] > 0
        assert figures["sequential"]["errors"] == 0
        if shutil.which("wrk"):
            assert figures["concurrent"]["requests"] > 0
            assert figures["concurrent"]["errors"] == 0
    assert report["queries"]["bundled"]["ceiling"]["sequential"]["errors"] == 0
    markets = report["queries"]["markets"]
    assert markets["reference"] == "nasdaq100" and markets["days"] == 10
    assert markets["data"]["model_days"] == 3 * 20 * 10
    for label in ("computed", "cached"):
        assert list(markets[label]) == ["nasdaq100", "sse50", "crypto10"]
        for market, figures in markets[label].items():
            assert len(figures) == 7
            for name, endpoint in figures.items():
                assert endpoint["sequential"]["requests"] > 0, (market, name)
                assert endpoint["sequential"]["errors"] == 0, (market, name)
                assert name == "simulate_status" or f"market={market}" in endpoint["path"]
        assert set(markets["ratios"][label]) == {"sse50", "crypto10"}
    assert markets["alone"].keys() == markets["computed"]["nasdaq100"].keys()
    assert "crypto10 seq p50 / nasdaq100's (computed)" in {
        check["target"] for check in report["targets"]
    }
    hourly = report["queries"]["hourly"]
    assert hourly["reference"] == "nasdaq100" and hourly["market"] == "nasdaq100_hourly"
    assert hourly["bars"] == 24
    assert hourly["data"]["model_steps"] == {"nasdaq100": 20 * 24, "nasdaq100_hourly": 20 * 24}
    for label in ("computed", "cached"):
        assert list(hourly[label]) == ["nasdaq100", "nasdaq100_hourly"]
        for market, figures in hourly[label].items():
            assert len(figures) == 9
            for name, endpoint in figures.items():
                assert endpoint["sequential"]["requests"] > 0, (market, name)
                assert endpoint["sequential"]["errors"] == 0, (market, name)
                assert name == "simulate_status" or f"market={market}&" in endpoint["path"] + "&"
        assert set(hourly["ratios"][label]) == {"nasdaq100_hourly"}
    # A bar (with its time) on the hourly market, a day on the daily one.
    assert "%3A00%3A00" in hourly["computed"]["nasdaq100_hourly"]["results_by_bar"]["path"]
    assert "%3A" not in hourly["computed"]["nasdaq100"]["results_by_bar"]["path"]
    assert "nasdaq100_hourly built-ins through huey_consumer" in {
        check["target"] for check in report["targets"]
    }
    assert len(report["scaling"]) == 3
    sim = report["simulation"]
    assert sim["consumer_builtin"]["status"] == "completed"
    assert sim["consumer_builtin"]["model_days"] == 20 * 20
    for market in ("nasdaq100", "nasdaq100_hourly"):
        runs = sim["consumer_hourly"][market]["runs"]
        assert [run["status"] for run in runs] == ["completed"]
        assert [run["model_days"] for run in runs] == [20 * 24]
    assert sim["mock_llm"]["llm_calls"] == sim["mock_llm"]["expected_calls"]
    limited = sim["rate_limited"]
    assert limited["refused"] == 0 and limited["llm_calls"] == limited["expected_calls"]
    assert limited["peak_running"] == limited["max_concurrency"]
    assert [run["model_days"] for run in sim["simulate_cli"]] == [3 * 121, 3 * 99]
    assert "gunicorn wsgi:app" in report["gunicorn_command"]
    assert report["memory"]["web_worker_peak_mb"] > 0
    assert {check["target"] for check in report["targets"]} >= {"start-up to first /health"}
    assert "Targets:" in done.stdout
    assert "Per market:" in done.stdout
    assert "Hourly:" in done.stdout
    check_statistics(report, done.stdout)


def test_only_statistics_runs_that_section_alone(tmp_path: Path) -> None:
    done = run_bench(tmp_path / "bench.json", "--only", "statistics")
    report = json.loads((tmp_path / "bench.json").read_text())

    assert list(report["queries"]) == ["statistics"]
    assert "scaling" not in report and "simulation" not in report
    check_statistics(report, done.stdout)
    assert all(
        check["target"].startswith(("/metrics", "/leaderboard")) for check in report["targets"]
    )
    assert "gunicorn wsgi:app" in report["gunicorn_command"]
