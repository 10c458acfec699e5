"""POST /simulate/trigger with repeats and windows: runs as models of the job, run to the end."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.portfolio.positions import timeline_bounds
from tests.integration.conftest import AppFactory, ModelsFile, Refuse, Trigger, payload

pytestmark = pytest.mark.integration

OCTOBER = {"start_date": "2025-10-09", "end_date": "2025-10-29"}
FIRST_WEEK = {"start_date": "2025-10-09", "end_date": "2025-10-15"}  # 5 trading days
MOCK_RUNS = ["mock-llm:r1", "mock-llm:r2", "mock-llm:r3"]
EndOfDay = Callable[[str], dict[str, float]]


def snapshot_specs(db: sqlite3.Connection, job_id: str) -> dict[str, dict[str, Any]]:
    """The job's snapshot of its models, by signature."""
    row = db.execute("SELECT config FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
    return {spec["signature"]: spec for spec in json.loads(row[0])["models"]}


def trades(db: sqlite3.Connection, model: str) -> list[tuple[Any, ...]]:
    """A timeline's trades in order."""
    rows = db.execute(
        "SELECT date, action_type, symbol, amount FROM positions WHERE model = ?"
        " AND action_type IN ('buy', 'sell') ORDER BY date, action_id",
        (model,),
    )
    return [tuple(row) for row in rows]


class TestRepeats:
    """repeats N: N timelines of each model, run like any models of the job."""

    def test_repeats_of_the_mock_run_to_the_end_with_different_results(
        self, trigger: Trigger, end_of_day: EndOfDay, db: sqlite3.Connection
    ) -> None:
        job = trigger(models=["mock-llm"], repeats=3, **OCTOBER)

        assert job["status"] == "completed"
        assert job["models"] == MOCK_RUNS
        assert [model["model"] for model in job["progress"]["models"]] == MOCK_RUNS
        assert job["progress"]["total"] == job["progress"]["completed"] == 3 * 15
        curves = [end_of_day(run) for run in MOCK_RUNS]
        assert all(len(curve) == 15 for curve in curves)
        assert len({curve["2025-10-29"] for curve in curves}) == 3
        assert end_of_day("mock-llm") == {}  # the base model has no timeline of its own
        assert all(timeline_bounds(db, run) == ("2025-10-09", "2025-10-29") for run in MOCK_RUNS)
        assert snapshot_specs(db, job["job_id"])["mock-llm:r2"]["name"].endswith(" (repeat 2)")

    def test_repeat_1_is_the_plain_model(self, trigger: Trigger) -> None:
        job = trigger(models=["mock-llm"], repeats=1, **FIRST_WEEK)

        assert job["models"] == ["mock-llm"]

    def test_a_second_identical_trigger_has_nothing_left_to_do(
        self, trigger: Trigger, refuse: Refuse
    ) -> None:
        trigger(models=["mock-llm"], repeats=2, **FIRST_WEEK)

        body = {"models": ["mock-llm"], "repeats": 2, **FIRST_WEEK}

        assert "nothing left to do" in refuse(body, 400, "start_date")

    def test_replace_existing_reruns_every_repeat(
        self, trigger: Trigger, end_of_day: EndOfDay
    ) -> None:
        trigger(models=["mock-llm"], repeats=2, **FIRST_WEEK)
        before = [end_of_day(run) for run in MOCK_RUNS[:2]]

        job = trigger(models=["mock-llm"], repeats=2, replace_existing=True, **FIRST_WEEK)

        assert job["progress"]["completed"] == 2 * 5
        assert [end_of_day(run) for run in MOCK_RUNS[:2]] == before  # the same draws again

    def test_each_repeat_resumes_its_own_timeline(self, trigger: Trigger) -> None:
        trigger(models=["mock-llm"], repeats=2, **FIRST_WEEK)

        job = trigger(models=["mock-llm"], repeats=2, end_date="2025-10-17")

        days = {(detail["model"], detail["date"]) for detail in job["details"]}
        assert days == {(run, day) for run in MOCK_RUNS[:2] for day in ("2025-10-16", "2025-10-17")}

    def test_more_repeats_add_timelines_beside_the_stored_ones(self, trigger: Trigger) -> None:
        trigger(models=["mock-llm"], repeats=2, **FIRST_WEEK)

        job = trigger(models=["mock-llm"], repeats=3, **FIRST_WEEK)

        by_status = {(d["model"], d["status"]) for d in job["details"]}
        assert by_status == {
            ("mock-llm:r1", "skipped"),
            ("mock-llm:r2", "skipped"),
            ("mock-llm:r3", "completed"),
        }


class TestSeededBuiltins:
    """A built-in with a seed parameter draws each repeat with its seed plus k."""

    @pytest.fixture
    def app(self, models_file: ModelsFile, make_app: AppFactory) -> Flask:
        models_file.update_model("random-1", enabled=True)
        return make_app(config_path=str(models_file.path))

    def test_each_repeat_has_its_seed_and_its_results(
        self, trigger: Trigger, db: sqlite3.Connection
    ) -> None:
        job = trigger(models=["random-1"], repeats=2, **FIRST_WEEK)

        specs = snapshot_specs(db, job["job_id"])
        assert [specs[run]["params"]["seed"] for run in ("random-1:r1", "random-1:r2")] == [2, 3]
        first, second = (trades(db, run) for run in ("random-1:r1", "random-1:r2"))
        assert first and second and first != second


class TestWindows:
    """windows: each an independent timeline registered on its own first trading day."""

    def test_rule_windows_of_a_builtin_run_to_the_end(
        self, trigger: Trigger, db: sqlite3.Connection, end_of_day: EndOfDay
    ) -> None:
        job = trigger(models=["momentum-20"], windows={"length_days": 5, "step_days": 5}, **OCTOBER)

        expected = {
            "momentum-20:w2025-10-09": ("2025-10-09", "2025-10-15"),
            "momentum-20:w2025-10-16": ("2025-10-16", "2025-10-22"),
            "momentum-20:w2025-10-23": ("2025-10-23", "2025-10-29"),
        }
        assert job["status"] == "completed"
        assert job["models"] == list(expected)
        assert job["progress"]["completed"] == 15
        assert {run: timeline_bounds(db, run) for run in expected} == expected
        # Each window starts with the initial cash on its own first day.
        assert {end_of_day(run)[days[0]] for run, days in expected.items()} == {10_000.0}

    def test_listed_windows_may_overlap_and_begin_on_their_first_trading_day(
        self, trigger: Trigger, db: sqlite3.Connection
    ) -> None:
        windows = [
            {"start_date": "2025-10-11", "end_date": "2025-10-17"},  # a Saturday
            {"start_date": "2025-10-14", "end_date": "2025-10-21"},
        ]

        job = trigger(models=["qqq-buy-and-hold"], windows=windows, **OCTOBER)

        assert job["models"] == ["qqq-buy-and-hold:w2025-10-13", "qqq-buy-and-hold:w2025-10-14"]
        assert timeline_bounds(db, "qqq-buy-and-hold:w2025-10-13") == ("2025-10-13", "2025-10-17")
        assert timeline_bounds(db, "qqq-buy-and-hold:w2025-10-14") == ("2025-10-14", "2025-10-21")

    def test_windows_with_repeats(self, trigger: Trigger) -> None:
        windows = [{"start_date": "2025-10-20", "end_date": "2025-10-22"}]

        job = trigger(models=["mock-llm"], windows=windows, repeats=2, **OCTOBER)

        assert job["models"] == ["mock-llm:w2025-10-20:r1", "mock-llm:w2025-10-20:r2"]
        assert job["progress"]["completed"] == 6

    def test_windows_of_models_of_two_markets_follow_each_calendar(self, trigger: Trigger) -> None:
        job = trigger(
            models=["momentum-20", "sse50-momentum-5"],
            windows={"length_days": 10, "step_days": 10},
            **OCTOBER,
        )

        assert job["models"] == ["momentum-20:w2025-10-09", "sse50-momentum-5:w2025-10-09"]
        assert job["status"] == "completed"

    def test_a_second_identical_trigger_has_nothing_left_to_do(
        self, trigger: Trigger, refuse: Refuse
    ) -> None:
        body = {"models": ["momentum-20"], "windows": {"length_days": 5, "step_days": 5}}
        trigger(**body, **OCTOBER)

        assert "nothing left to do" in refuse({**body, **OCTOBER}, 400, "start_date")


class TestWindowLimits:
    """MAX_SIMULATION_DAYS holds for each window; the range the windows lie in may be longer."""

    @pytest.fixture
    def app(self, make_app: AppFactory) -> Flask:
        return make_app(max_simulation_days=10)

    def test_short_windows_of_a_long_range_are_accepted(self, trigger: Trigger) -> None:
        job = trigger(
            models=["qqq-buy-and-hold"], windows={"length_days": 5, "step_days": 5}, **OCTOBER
        )

        assert job["progress"]["completed"] == 15

    def test_a_window_longer_than_the_limit_is_refused(self, refuse: Refuse) -> None:
        windows = [{"start_date": "2025-10-09", "end_date": "2025-10-20"}]
        body = {"models": ["qqq-buy-and-hold"], "windows": windows, **OCTOBER}

        assert "MAX_SIMULATION_DAYS (10 days)" in refuse(body, 400, "windows")

    def test_without_windows_the_range_is_held_to_it(self, refuse: Refuse) -> None:
        body = {"models": ["qqq-buy-and-hold"], "repeats": 2, **OCTOBER}

        assert "MAX_SIMULATION_DAYS (10 days)" in refuse(body, 400, "end_date")


END = "2025-10-29"
MALFORMED = {  # id: (body, field named, problem named)
    "repeats-0": ({"end_date": END, "repeats": 0}, "repeats", "greater than or equal to 1"),
    "repeats-51": ({"end_date": END, "repeats": 51}, "repeats", "less than or equal to 50"),
    "repeats-text": ({"end_date": END, "repeats": "3"}, "repeats", "Not a valid integer"),
    "repeats-float": ({"end_date": END, "repeats": 2.5}, "repeats", "Not a valid integer"),
    "repeats-bool": ({"end_date": END, "repeats": True}, "repeats", "Not a valid integer"),
    "windows-empty": ({"end_date": END, "windows": []}, "windows", "1 to 100 windows"),
    "windows-101": (
        {"end_date": END, "windows": [{"start_date": END, "end_date": END}] * 101},
        "windows",
        "1 to 100 windows",
    ),
    "windows-number": ({"end_date": END, "windows": 5}, "windows", "Not a list of windows"),
    "windows-null": ({"end_date": END, "windows": None}, "windows", "null"),
    "window-no-end": (
        {"end_date": END, "windows": [{"start_date": "2025-10-09"}]},
        "windows",
        "windows.0.end_date: Missing data",
    ),
    "window-bad-date": (
        {"end_date": END, "windows": [{"start_date": "10/09/2025", "end_date": END}]},
        "windows",
        "windows.0.start_date: Not a valid date",
    ),
    "window-unknown-key": (
        {"end_date": END, "windows": [{"start_date": END, "end_date": END, "days": 3}]},
        "windows",
        "Unknown field",
    ),
    "rule-no-step": ({"end_date": END, "windows": {"length_days": 5}}, "windows", "step_days"),
    "rule-zero": (
        {"end_date": END, "windows": {"length_days": 0, "step_days": 1}},
        "windows",
        "length_days: Must be greater than or equal to 1",
    ),
    "rule-text": (
        {"end_date": END, "windows": {"length_days": "5", "step_days": 1}},
        "windows",
        "Not a valid integer",
    ),
}
MOM = {"models": ["momentum-20"], **OCTOBER}
REFUSED = {  # id: (body, field named, problem named)
    "window-reversed": (
        {**MOM, "windows": [{"start_date": "2025-10-20", "end_date": "2025-10-10"}]},
        "windows",
        "window 2025-10-20..2025-10-10: start_date is after end_date",
    ),
    "window-no-such-day": (
        {**MOM, "windows": [{"start_date": "2025-09-31", "end_date": "2025-10-10"}]},
        "windows",
        "2025-09-31 is not a day of the calendar",
    ),
    "window-weekend": (
        {**MOM, "windows": [{"start_date": "2025-10-11", "end_date": "2025-10-12"}]},
        "windows",
        "window 2025-10-11..2025-10-12 has no trading day",
    ),
    "window-outside-range": (
        {**MOM, "windows": [{"start_date": "2025-10-01", "end_date": "2025-10-10"}]},
        "windows",
        "outside the request's start_date..end_date 2025-10-09..2025-10-29",
    ),
    "window-outside-data": (
        {
            "models": ["momentum-20"],
            "end_date": END,
            "windows": [{"start_date": "2025-06-02", "end_date": "2025-06-20"}],
        },
        "windows",
        "outside the price data: the nasdaq100 price data covers 2025-06-10..2025-10-29",
    ),
    "windows-same-first-day": (
        {
            **MOM,
            "windows": [
                {"start_date": "2025-10-11", "end_date": "2025-10-17"},
                {"start_date": "2025-10-13", "end_date": "2025-10-20"},
            ],
        },
        "windows",
        "both begin on 2025-10-13",
    ),
    "rule-no-start": (
        {"models": ["momentum-20"], "end_date": END, "windows": {"length_days": 5, "step_days": 5}},
        "start_date",
        "a window rule needs a start_date",
    ),
    "rule-too-long": (
        {**MOM, "windows": {"length_days": 16, "step_days": 1}},
        "windows",
        "no whole window of 16",
    ),
}


class TestInvalid:
    """422 for what does not fit the schema, 400 for windows the data or the range refuse."""

    @pytest.mark.parametrize(("body", "field", "problem"), MALFORMED.values(), ids=MALFORMED)
    def test_malformed_is_422(self, refuse: Refuse, body: Any, field: str, problem: str) -> None:
        message = refuse(body, 422, field)

        assert field in message and problem in message

    @pytest.mark.parametrize(("body", "field", "problem"), REFUSED.values(), ids=REFUSED)
    def test_refused_is_400(self, refuse: Refuse, body: Any, field: str, problem: str) -> None:
        assert problem in refuse(body, 400, field)

    def test_a_signature_grown_too_long_is_refused(
        self, models_file: ModelsFile, make_app: AppFactory
    ) -> None:
        data = models_file.read()
        data["models"].append({"signature": "m" * 60, "provider": "mock"})
        models_file.write(data)
        client = make_app(config_path=str(models_file.path)).test_client()

        body = {"models": ["m" * 60], "windows": [{"start_date": END, "end_date": END}], **OCTOBER}
        response = client.post("/simulate/trigger", json=body)

        assert response.status_code == 400
        assert "longer than 64 characters" in payload(response)["errors"]["json"]["windows"][0]


def test_openapi_documents_windows_as_a_list_or_a_rule(client: FlaskClient) -> None:
    trigger = client.get("/openapi.json").get_json()["components"]["schemas"]["Trigger"]

    repeats, windows = trigger["properties"]["repeats"], trigger["properties"]["windows"]
    assert (repeats["minimum"], repeats["maximum"], repeats["default"]) == (1, 50, 1)
    listed, rule = windows["oneOf"]
    assert (listed["type"], listed["minItems"], listed["maxItems"]) == ("array", 1, 100)
    assert listed["items"]["required"] == ["end_date", "start_date"]
    assert rule["required"] == ["length_days", "step_days"]
    assert rule["additionalProperties"] is False
    assert "windows" not in trigger["required"]
