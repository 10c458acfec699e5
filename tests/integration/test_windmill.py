"""The Windmill scripts and flow, run against a live server as Windmill would run them."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests
import yaml
from flask import Flask

from tests.integration.conftest import AppFactory

pytestmark = pytest.mark.integration
WINDMILL = Path(__file__).resolve().parents[2] / "windmill"
FLOW = WINDMILL / "flow.yaml"
SCRIPTS = ("trigger_simulation", "wait_for_job", "fetch_results", "fetch_leaderboard")
KEY = "windmill-test-key"
OPEN: dict[str, Any] = {}
READ_AUTH: dict[str, Any] = {"api_key": KEY, "api_read_auth": True}
# The only two expression forms the flow may use; anything else fails the test, so that the
# flow never relies on an expression this runner would evaluate differently from Windmill.
FLOW_INPUT = re.compile(r"flow_input\.(\w+)")
STEP_RESULT = re.compile(r"results\.(\w+)\.(\w+)")


def script(name: str) -> ModuleType:
    """Load a Windmill script file as a module."""
    spec = importlib.util.spec_from_file_location(name, WINDMILL / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def evaluate(transform: dict[str, Any], flow_input: dict[str, Any], results: dict[str, Any]) -> Any:
    """The value of one input_transform: `flow_input.x` or `results.<step>.<field>` only."""
    assert transform.get("type") == "javascript", f"unsupported input transform {transform}"
    expr = transform["expr"].strip()
    if match := FLOW_INPUT.fullmatch(expr):
        return flow_input[match[1]]
    if match := STEP_RESULT.fullmatch(expr):
        return results[match[1]][match[2]]
    raise AssertionError(f"this runner cannot evaluate {expr!r}")


def flow_inputs(schema: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The flow's inputs as Windmill builds them: the schema's defaults, then the given values."""
    properties = schema["properties"]
    unknown = set(given) - set(properties)
    assert not unknown, f"inputs not in the schema: {unknown}"
    values = {name: prop["default"] for name, prop in properties.items() if "default" in prop}
    values.update(given)
    missing = set(schema.get("required", [])) - set(values)
    assert not missing, f"required inputs missing: {missing}"
    return values


def run_flow(**given: Any) -> dict[str, Any]:
    """Every step of flow.yaml in order, each script's main() called with exactly its inputs."""
    flow = yaml.safe_load(FLOW.read_text(encoding="utf-8"))
    flow_input = flow_inputs(flow["schema"], given)
    results: dict[str, Any] = {}
    for module in flow["value"]["modules"]:
        step = module["value"]
        assert step["type"] == "script"
        transforms = step["input_transforms"]
        args = {name: evaluate(spec, flow_input, results) for name, spec in transforms.items()}
        main = script(step["path"].rsplit("/", 1)[-1]).main
        results[module["id"]] = main(**args)
    return results


@pytest.fixture
def app(make_app: AppFactory, request: pytest.FixtureRequest) -> Flask:
    """The app with the settings a test asks for (indirect parametrisation), open by default."""
    return make_app(**getattr(request, "param", OPEN))


@pytest.fixture
def base_url(live_server: Any) -> str:
    """The live server's root URL (jobs run inside the request: the queue is immediate)."""
    return str(live_server.url())


@pytest.mark.parametrize("app", [OPEN, READ_AUTH], indirect=True, ids=["open", "read-auth"])
def test_flow_runs_step_by_step_with_and_without_read_auth(app: Flask, base_url: str) -> None:
    api_key = app.config["SETTINGS"].api_key or ""
    # A later day stored for another model: a leaderboard without the job's date would show it.
    script("trigger_simulation").main(
        base_url, "2025-09-19", "2025-09-02", ["qqq-buy-and-hold"], api_key=api_key
    )
    inputs = {
        "base_url": base_url,
        "start_date": "2025-09-02",
        "end_date": "2025-09-12",
        "models": ["momentum-20"],
        "api_key": api_key,
    }

    first = run_flow(**inputs)
    with pytest.raises(RuntimeError, match="nothing left to do"):
        run_flow(**inputs)
    again = run_flow(**inputs, replace_existing=True)

    for results in (first, again):
        assert results["wait"]["status"] == "completed" and results["wait"]["failures"] == []
        assert len(results["results"]) == 9  # the registration day and 8 trading days
        assert results["results"][-1]["date"] == "2025-09-12"
        assert results["leaderboard"]["date"] == "2025-09-12"
        assert {row["model"] for row in results["leaderboard"]["rankings"]} == {
            "momentum-20",
            "qqq-buy-and-hold",
        }
    assert first["trigger"]["warnings"] == []
    assert again["trigger"]["warnings"] == [
        "momentum-20: replaced 9 stored days 2025-09-02..2025-09-12"
    ]


def test_flow_runs_a_market_and_fetches_its_leaderboard(base_url: str) -> None:
    results = run_flow(
        base_url=base_url, market="crypto10", start_date="2025-11-01", end_date="2025-11-05"
    )

    assert results["wait"]["status"] == "completed"
    board = results["leaderboard"]
    assert (board["market"], board["currency"], board["date"]) == ("crypto10", "USDT", "2025-11-05")
    assert {row["model"] for row in board["rankings"]} == {
        "crypto10-buy-and-hold",
        "crypto10-momentum-20",
        "crypto10-mock-llm",
    }
    assert board["benchmark"]["symbol"] == "CD5"
    assert {row["market"] for row in results["results"]} == {"crypto10"}


@pytest.mark.parametrize("app", [READ_AUTH], indirect=True, ids=["read-auth"])
def test_read_steps_without_the_key_are_refused(base_url: str) -> None:
    with pytest.raises(requests.HTTPError, match="401"):
        script("fetch_leaderboard").main(base_url)
    with pytest.raises(RuntimeError, match="401"):
        script("trigger_simulation").main(base_url, "2025-09-12", "2025-09-02")


def test_every_script_takes_an_api_key() -> None:
    for name in SCRIPTS:
        parameter = inspect.signature(script(name).main).parameters["api_key"]
        assert parameter.default == ""


def test_results_step_fetches_every_page(base_url: str) -> None:
    job = script("trigger_simulation").main(
        base_url, end_date="2025-09-12", start_date="2025-09-02", models=["momentum-20"]
    )
    final = script("wait_for_job").main(base_url, job["job_id"], poll_seconds=0.1)
    rows = script("fetch_results").main(base_url, job["job_id"], detail="full", page_size=3)

    assert final["status"] == "completed" and job["end_date"] == "2025-09-12"
    assert len(rows) == 9  # every page fetched: registration day and 8 trading days
    assert rows[-1]["date"] == "2025-09-12" and "trades" in rows[-1]


def test_trigger_raises_with_the_service_message(base_url: str) -> None:
    with pytest.raises(RuntimeError, match="outside the price data"):
        script("trigger_simulation").main(base_url, end_date="2031-01-01", start_date="2030-01-01")


def test_flow_file_chains_the_four_scripts() -> None:
    flow = yaml.safe_load(FLOW.read_text(encoding="utf-8"))
    paths = [module["value"]["path"].rsplit("/", 1)[-1] for module in flow["value"]["modules"]]
    assert tuple(paths) == SCRIPTS
    replace = flow["schema"]["properties"]["replace_existing"]
    assert (replace["type"], replace["default"]) == ("boolean", False)


def test_runner_refuses_expressions_it_cannot_evaluate() -> None:
    with pytest.raises(AssertionError, match="cannot evaluate"):
        evaluate({"type": "javascript", "expr": "flow_input.a || 'x'"}, {"a": 1}, {})
    with pytest.raises(AssertionError, match="unsupported"):
        evaluate({"type": "static", "value": 1}, {}, {})


def test_the_wait_step_shows_the_eta_tokens_and_cost() -> None:
    line = script("wait_for_job").progress_line(
        {
            "percent": 40.0,
            "completed": 8,
            "total": 20,
            "eta_seconds": 31.6,
            "prompt_tokens": 12000,
            "completion_tokens": 345,
            "cost_usd": 0.01234,
        }
    )
    bare = script("wait_for_job").progress_line({"percent": 100.0, "completed": 2, "total": 2})

    assert line == "40.0% (8/20), ETA 32 s, 12,345 tokens, $0.0123"
    assert bare == "100.0% (2/2)", "an older service reports none of them"
