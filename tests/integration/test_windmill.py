"""The Windmill scripts, called directly against a live server as Windmill would call them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.integration
WINDMILL = Path(__file__).resolve().parents[2] / "windmill"


def script(name: str) -> ModuleType:
    """Load a Windmill script file as a module."""
    spec = importlib.util.spec_from_file_location(name, WINDMILL / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def base_url(live_server: Any) -> str:
    """The live server's root URL (jobs run inside the request: the queue is immediate)."""
    return str(live_server.url())


def test_flow_trigger_wait_results_leaderboard(base_url: str) -> None:
    job = script("trigger_simulation").main(
        base_url, end_date="2025-09-12", start_date="2025-09-02", models=["momentum-20"]
    )
    assert job["status"] in ("pending", "running", "completed")

    final = script("wait_for_job").main(base_url, job["job_id"], poll_seconds=0.1)
    rows = script("fetch_results").main(base_url, job["job_id"], detail="full", page_size=3)
    board = script("fetch_leaderboard").main(base_url, date="2025-09-12")

    assert final["status"] == "completed" and final["failures"] == []
    assert len(rows) == 9  # every page fetched: registration day and 8 trading days
    assert rows[-1]["date"] == "2025-09-12" and "trades" in rows[-1]
    assert [row["model"] for row in board["rankings"]] == ["momentum-20"]


def test_trigger_raises_with_the_service_message(base_url: str) -> None:
    with pytest.raises(RuntimeError, match="outside the price data"):
        script("trigger_simulation").main(base_url, end_date="2031-01-01", start_date="2030-01-01")


def test_flow_file_chains_the_four_scripts() -> None:
    flow = yaml.safe_load((WINDMILL / "flow.yaml").read_text())
    paths = [module["value"]["path"].rsplit("/", 1)[-1] for module in flow["value"]["modules"]]
    assert paths == ["trigger_simulation", "wait_for_job", "fetch_results", "fetch_leaderboard"]
    assert all((WINDMILL / f"{name}.py").is_file() for name in paths)
