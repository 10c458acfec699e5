"""The runs of a job: signatures, seeds and ranges of repeats and windows, on the bundled data."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from service.jobs import runs
from service.jobs.planning import DayRange, JobRequest, JobRequestError, WindowRule
from service.jobs.runs import Run, expand_runs
from service.market.catalog import MARKETS
from service.market.directory import Markets, bundled_source
from service.models_config import ModelsConfig, parse_models_config

pytestmark = pytest.mark.unit

MODELS: list[dict[str, Any]] = [
    {"signature": "mock", "provider": "mock"},
    {"signature": "rand", "provider": "builtin", "strategy": "random", "params": {"seed": 7}},
    {"signature": "rand-default", "provider": "builtin", "strategy": "random"},
    {"signature": "mom", "provider": "builtin", "strategy": "momentum"},
    {"signature": "gpt", "basemodel": "gpt-x", "request_options": {"seed": 40, "top_p": 0.5}},
    {"signature": "gpt-unseeded", "basemodel": "gpt-x"},
    {"signature": "hourly", "provider": "builtin", "strategy": "momentum"},
]
MODELS[-1]["market"] = "nasdaq100_hourly"
OCTOBER = JobRequest(end_date="2025-10-29", start_date="2025-10-09")
MAX_DAYS = 366
# nasdaq100's bundled trading days of 2025-10-09..2025-10-29: 15, Mondays 13, 20, 27.
OCTOBER_DAYS = [
    "2025-10-09",
    "2025-10-10",
    "2025-10-13",
    "2025-10-14",
    "2025-10-15",
    "2025-10-16",
    "2025-10-17",
    "2025-10-20",
    "2025-10-21",
    "2025-10-22",
    "2025-10-23",
    "2025-10-24",
    "2025-10-27",
    "2025-10-28",
    "2025-10-29",
]


@pytest.fixture(scope="module")
def markets() -> Markets:
    """nasdaq100 and nasdaq100_hourly on their bundled data."""
    return Markets(
        {name: bundled_source(MARKETS[name]) for name in ("nasdaq100", "nasdaq100_hourly")}
    )


@pytest.fixture(scope="module")
def config() -> ModelsConfig:
    """One model of each kind a seed is given to."""
    return parse_models_config({"models": MODELS}, "test")


def expand(config: ModelsConfig, markets: Markets, models: list[str], **request: Any) -> list[Run]:
    """The runs of models for OCTOBER changed by request."""
    return expand_runs(config, models, replace(OCTOBER, **request), markets, MAX_DAYS)


def refusal(
    config: ModelsConfig, markets: Markets, models: list[str], **request: Any
) -> JobRequestError:
    """The error expanding these runs raises."""
    with pytest.raises(JobRequestError) as raised:
        expand(config, markets, models, **request)
    return raised.value


class TestPlainModels:
    """Without repeats or windows a model's one run is the model itself."""

    def test_each_model_runs_as_it_is_over_the_request(
        self, config: ModelsConfig, markets: Markets
    ) -> None:
        found = expand(config, markets, ["mock", "rand", "gpt"])

        specs = config.by_signature()
        assert [run.spec for run in found] == [specs["mock"], specs["rand"], specs["gpt"]]
        assert {(run.start_date, run.end_date) for run in found} == {("2025-10-09", "2025-10-29")}
        assert [run.base for run in found] == ["mock", "rand", "gpt"]

    def test_a_resume_stays_a_resume(self, config: ModelsConfig, markets: Markets) -> None:
        (run,) = expand(config, markets, ["mock"], start_date=None)

        assert run.request(OCTOBER).start_date is None


class TestRepeats:
    """N timelines `<signature>:r1..:rN`, each with a seed of its own where the model has one."""

    def test_signatures_names_and_ranges(self, config: ModelsConfig, markets: Markets) -> None:
        found = expand(config, markets, ["mock", "mom"], repeats=3)

        assert [run.signature for run in found] == [
            "mock:r1",
            "mock:r2",
            "mock:r3",
            "mom:r1",
            "mom:r2",
            "mom:r3",
        ]
        assert found[1].spec.name == "mock (repeat 2)"
        assert {run.base for run in found} == {"mock", "mom"}
        assert {(run.start_date, run.end_date) for run in found} == {("2025-10-09", "2025-10-29")}

    def test_the_mock_is_seeded_by_its_signature_alone(
        self, config: ModelsConfig, markets: Markets
    ) -> None:
        found = expand(config, markets, ["mock"], repeats=2)

        plain = config.by_signature()["mock"]
        assert [replace(run.spec, signature="mock", name="mock") for run in found] == [plain] * 2

    def test_a_seeded_strategy_draws_with_its_seed_plus_k(
        self, config: ModelsConfig, markets: Markets
    ) -> None:
        found = expand(config, markets, ["rand", "rand-default"], repeats=3)

        # random's default seed is 1.
        assert [run.spec.params["seed"] for run in found] == [8, 9, 10, 2, 3, 4]

    def test_a_strategy_without_a_seed_keeps_its_params(
        self, config: ModelsConfig, markets: Markets
    ) -> None:
        found = expand(config, markets, ["mom"], repeats=2)

        assert [run.spec.params for run in found] == [{}, {}]

    def test_an_llm_sends_its_configured_seed_plus_k(
        self, config: ModelsConfig, markets: Markets
    ) -> None:
        found = expand(config, markets, ["gpt", "gpt-unseeded"], repeats=2)

        assert [run.spec.request_options for run in found] == [
            {"seed": 41, "top_p": 0.5},
            {"seed": 42, "top_p": 0.5},
            {},
            {},
        ]

    def test_a_seed_the_model_cannot_take_is_refused(self, markets: Markets) -> None:
        model = {"signature": "r", "provider": "builtin", "strategy": "random"}
        top = parse_models_config({"models": [{**model, "params": {"seed": 99_999}}]}, "test")

        error = refusal(top, markets, ["r"], repeats=2)

        assert error.field_name == "repeats"
        assert "repeat 2 of 'r'" in str(error)

    def test_a_signature_grown_too_long_is_refused(self, markets: Markets) -> None:
        long = parse_models_config({"models": [{"signature": "m" * 62, "provider": "mock"}]}, "t")

        error = refusal(long, markets, ["m" * 62], repeats=2)

        assert error.field_name == "repeats"
        assert "longer than 64 characters" in str(error)


def ranges(found: list[Run]) -> list[tuple[str, str | None, str]]:
    """Each run's signature and range."""
    return [(run.signature, run.start_date, run.end_date) for run in found]


class TestWindowList:
    """Windows asked for by dates: named and registered by their first trading day."""

    def test_each_window_is_a_timeline_over_its_own_range(
        self, config: ModelsConfig, markets: Markets
    ) -> None:
        windows = (DayRange("2025-10-11", "2025-10-17"), DayRange("2025-10-20", "2025-10-29"))

        found = expand(config, markets, ["mom"], windows=windows)

        # 10-11 is a Saturday: the window begins, and is named, on Monday 10-13.
        assert ranges(found) == [
            ("mom:w2025-10-13", "2025-10-11", "2025-10-17"),
            ("mom:w2025-10-20", "2025-10-20", "2025-10-29"),
        ]
        assert found[0].spec.name == "mom (window 2025-10-13)"
        assert found[0].spec.params == config.by_signature()["mom"].params

    def test_repeats_of_a_window(self, config: ModelsConfig, markets: Markets) -> None:
        windows = (DayRange("2025-10-09", "2025-10-17"),)

        found = expand(config, markets, ["rand"], windows=windows, repeats=2)

        assert [run.signature for run in found] == ["rand:w2025-10-09:r1", "rand:w2025-10-09:r2"]
        assert [run.spec.params["seed"] for run in found] == [8, 9]
        assert found[1].spec.name == "rand (window 2025-10-09, repeat 2)"

    def test_a_resumed_request_takes_windows_up_to_its_end(
        self, config: ModelsConfig, markets: Markets
    ) -> None:
        windows = (DayRange("2025-06-10", "2025-06-20"),)

        found = expand(config, markets, ["mom"], windows=windows, start_date=None)

        assert ranges(found) == [("mom:w2025-06-10", "2025-06-10", "2025-06-20")]

    @pytest.mark.parametrize(
        ("window", "problem"),
        [
            (("2025-10-01", "2025-10-10"), "outside the request's start_date..end_date"),
            (("2025-10-20", "2025-10-31"), "outside the request's start_date..end_date"),
            (("2025-10-11", "2025-10-12"), "has no trading day"),
        ],
        ids=["before-start", "after-end", "weekend"],
    )
    def test_a_window_that_cannot_run_is_refused(
        self,
        config: ModelsConfig,
        markets: Markets,
        window: tuple[str, str],
        problem: str,
    ) -> None:
        error = refusal(config, markets, ["mom"], windows=(DayRange(*window),))

        assert error.field_name == "windows"
        assert problem in str(error)

    def test_a_window_outside_the_price_data_is_refused(
        self, config: ModelsConfig, markets: Markets
    ) -> None:
        windows = (DayRange("2025-06-01", "2025-06-20"),)

        error = refusal(config, markets, ["mom"], windows=windows, start_date=None)

        assert "outside the price data: the nasdaq100 price data covers" in str(error)

    def test_windows_beginning_on_the_same_day_are_refused(
        self, config: ModelsConfig, markets: Markets
    ) -> None:
        windows = (DayRange("2025-10-11", "2025-10-17"), DayRange("2025-10-13", "2025-10-29"))

        error = refusal(config, markets, ["mom"], windows=windows)

        assert error.field_name == "windows"
        assert "both begin on 2025-10-13" in str(error)

    def test_each_window_is_held_to_max_simulation_days(
        self, config: ModelsConfig, markets: Markets
    ) -> None:
        windows = (DayRange("2025-10-09", "2025-10-15"), DayRange("2025-10-16", "2025-10-29"))
        request = replace(OCTOBER, windows=windows)  # 7 and 14 calendar days

        assert len(expand_runs(config, ["mom"], request, markets, 14)) == 2
        with pytest.raises(JobRequestError, match=r"window 2025-10-16\.\.2025-10-29 is longer"):
            expand_runs(config, ["mom"], request, markets, 13)


class TestWindowRule:
    """Windows of length_days trading days every step_days trading days, whole ones only."""

    def test_rule_windows_on_the_bundled_nasdaq100(
        self, config: ModelsConfig, markets: Markets
    ) -> None:
        found = expand(config, markets, ["mom"], windows=WindowRule(5, 3))

        # 15 trading days: windows begin on the 1st, 4th, 7th and 10th; the 13th's is not whole.
        assert ranges(found) == [
            (f"mom:w{OCTOBER_DAYS[i]}", OCTOBER_DAYS[i], OCTOBER_DAYS[i + 4]) for i in (0, 3, 6, 9)
        ]

    def test_a_window_as_long_as_the_range(self, config: ModelsConfig, markets: Markets) -> None:
        found = expand(config, markets, ["mom"], windows=WindowRule(15, 1))

        assert ranges(found) == [("mom:w2025-10-09", "2025-10-09", "2025-10-29")]

    def test_an_intraday_market_counts_days_not_bars(
        self, config: ModelsConfig, markets: Markets
    ) -> None:
        found = expand(config, markets, ["hourly"], windows=WindowRule(2, 2))

        assert ranges(found)[:2] == [
            ("hourly:w2025-10-09", "2025-10-09", "2025-10-10"),
            ("hourly:w2025-10-13", "2025-10-13", "2025-10-14"),
        ]
        assert len(found) == 7

    def test_no_whole_window_is_refused(self, config: ModelsConfig, markets: Markets) -> None:
        error = refusal(config, markets, ["mom"], windows=WindowRule(16, 1))

        assert error.field_name == "windows"
        assert "15 trading days on nasdaq100: no whole window of 16" in str(error)

    def test_a_rule_needs_a_start_date(self, config: ModelsConfig, markets: Markets) -> None:
        error = refusal(config, markets, ["mom"], windows=WindowRule(5, 5), start_date=None)

        assert error.field_name == "start_date"

    def test_too_many_windows_are_refused(
        self, config: ModelsConfig, markets: Markets, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(runs, "MAX_WINDOWS", 14)

        error = refusal(config, markets, ["mom"], windows=WindowRule(1, 1))

        assert "the rule makes 15 windows on nasdaq100, more than 14" in str(error)


def test_a_job_holds_at_most_max_runs_timelines(
    config: ModelsConfig, markets: Markets, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "MAX_RUNS", 5)
    assert len(expand(config, markets, ["mock"], repeats=5)) == 5
    error = refusal(config, markets, ["mock", "rand"], repeats=3)
    assert (
        str(error)
        == "2 models with these repeats and windows make 6 timelines; a job holds at most 5"
    )
    assert error.field_name == "repeats"
