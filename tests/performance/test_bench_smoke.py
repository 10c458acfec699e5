"""Smoke run of bin/bench --quick: every figure is produced and no request fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.processes import REPO

pytestmark = pytest.mark.performance


def test_quick_benchmark_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.performance.bench", "--quick", "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())

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
    assert len(report["scaling"]) == 3
    sim = report["simulation"]
    assert sim["consumer_builtin"]["status"] == "completed"
    assert sim["consumer_builtin"]["model_days"] == 20 * 20
    assert sim["mock_llm"]["llm_calls"] == sim["mock_llm"]["expected_calls"]
    limited = sim["rate_limited"]
    assert limited["refused"] == 0 and limited["llm_calls"] == limited["expected_calls"]
    assert limited["peak_running"] == limited["max_concurrency"]
    assert [run["model_days"] for run in sim["simulate_cli"]] == [3 * 121, 3 * 99]
    assert "gunicorn wsgi:app" in report["gunicorn_command"]
    assert report["memory"]["web_worker_peak_mb"] > 0
    assert {check["target"] for check in report["targets"]} >= {"start-up to first /health"}
    assert "Targets:" in done.stdout
