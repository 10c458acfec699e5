"""A run's uncertainty section: intervals, Sharpe inference, the test, and reasons for nulls."""

from __future__ import annotations

import numpy as np
import pytest

from service.results.uncertainty import (
    FIGURES,
    MIN_PERIODS,
    UNDETERMINED,
    BootstrapOptions,
    RunReturns,
    run_uncertainty,
    verdict,
)
from service.stats import bootstrap
from service.stats.bootstrap import stationary_indices

pytestmark = pytest.mark.unit
NOISE = np.random.default_rng(11).normal(0.0, 0.01, 250)


def run(returns: np.ndarray, benchmark: np.ndarray | None) -> RunReturns:
    return RunReturns(returns, benchmark, per_period_rf=0.0, periods_per_year=252)


def test_every_figure_of_a_year_of_returns() -> None:
    answer = run_uncertainty(run(NOISE + 0.001, NOISE), BootstrapOptions(2000, 0))
    total = (np.prod(1 + NOISE + 0.001) - 1) * 100
    assert answer["periods"] == 250 and answer["resamples"] == 2000
    assert answer["mean_block_length"] == pytest.approx(250 ** (1 / 3))
    assert answer["total_return_pct"]["low"] < total < answer["total_return_pct"]["high"]
    assert answer["sharpe"]["low"] < answer["sharpe"]["high"]
    # The same noise plus 0.1 % a period: an excess of about 28 points, never near zero.
    assert answer["excess_return_pct"]["low"] > 0
    assert answer["excess_p_value"] < 0.001
    assert answer["beats_benchmark"] is True
    assert 0 < answer["probabilistic_sharpe_vs_benchmark"] < answer["probabilistic_sharpe"] <= 1
    assert answer["reasons"] == {}


def test_the_excess_interval_resamples_the_pairs_together() -> None:
    # A copy of the benchmark: every resample's excess return is exactly 0.
    answer = run_uncertainty(run(NOISE, NOISE), BootstrapOptions(500, 0))
    assert answer["excess_return_pct"] == {"low": 0.0, "high": 0.0}
    assert answer["beats_benchmark"] == UNDETERMINED


def test_a_worse_run_does_not_beat_its_benchmark() -> None:
    answer = run_uncertainty(run(NOISE - 0.002, NOISE), BootstrapOptions(500, 0))
    assert answer["beats_benchmark"] is False
    assert answer["excess_return_pct"]["high"] < 0


def test_the_interval_is_the_percentiles_of_the_resampled_totals() -> None:
    # Written out with the same resamples: numpy's percentiles of prod(1 + r) - 1.
    returns = NOISE[:40]
    indices = stationary_indices(40, 300, 9)
    totals = [(np.prod(1 + returns[row]) - 1) * 100 for row in indices]
    answer = run_uncertainty(run(returns, None), BootstrapOptions(300, 9))
    low, high = np.percentile(totals, [2.5, 97.5])
    assert answer["total_return_pct"] == pytest.approx({"low": low, "high": high})


def test_the_same_seed_gives_the_same_answer_and_another_seed_another() -> None:
    first = run_uncertainty(run(NOISE[:60], NOISE[:60] / 2), BootstrapOptions(1000, 3))
    again = run_uncertainty(run(NOISE[:60], NOISE[:60] / 2), BootstrapOptions(1000, 3))
    other = run_uncertainty(run(NOISE[:60], NOISE[:60] / 2), BootstrapOptions(1000, 4))
    assert first == again
    assert first["total_return_pct"] != other["total_return_pct"]


def test_a_series_too_short_for_an_interval_answers_null_with_a_reason() -> None:
    answer = run_uncertainty(run(NOISE[: MIN_PERIODS - 1], NOISE[:9]), BootstrapOptions())
    for name in ("total_return_pct", "sharpe", "excess_return_pct", "excess_p_value"):
        assert answer[name] is None
        assert answer["reasons"][name] == "9 returns: an interval or a test needs at least 10"
    assert answer["beats_benchmark"] is None
    assert answer["probabilistic_sharpe"] is not None  # PSR needs 2 returns only


def test_no_returns_at_all() -> None:
    answer = run_uncertainty(run(np.array([]), np.array([])), BootstrapOptions())
    assert answer["mean_block_length"] is None
    assert set(answer["reasons"]) == set(FIGURES)
    assert all(answer[name] is None for name in FIGURES)


def test_without_a_benchmark_only_its_figures_are_null() -> None:
    answer = run_uncertainty(run(NOISE, None), BootstrapOptions(200, 0))
    assert answer["total_return_pct"] is not None
    assert answer["min_track_record_periods"] is not None or NOISE.mean() <= 0
    for name in ("excess_return_pct", "excess_p_value", "beats_benchmark", "benchmark_sharpe"):
        assert answer[name] is None and answer["reasons"][name]


def test_a_flat_run_has_no_sharpe_inference() -> None:
    answer = run_uncertainty(run(np.zeros(30), NOISE[:30]), BootstrapOptions(200, 0))
    assert answer["sharpe"] is None  # no resample varies
    assert answer["probabilistic_sharpe"] is None
    assert "vary" in answer["reasons"]["probabilistic_sharpe"]
    assert answer["benchmark_sharpe"] is not None  # the benchmark's own returns vary
    assert answer["total_return_pct"] == {"low": 0.0, "high": 0.0}


def test_min_track_record_of_a_losing_run_is_null_with_a_reason() -> None:
    answer = run_uncertainty(run(NOISE - 0.01, NOISE), BootstrapOptions(200, 0))
    assert answer["min_track_record_periods"] is None
    assert answer["reasons"]["min_track_record_periods"] == (
        "defined only for a Sharpe ratio above 0"
    )


@pytest.mark.parametrize(
    ("p_value", "difference", "expected"),
    [
        (0.01, 0.001, True),
        (0.01, -0.001, False),
        (0.05, 0.001, UNDETERMINED),
        (0.2, -1, UNDETERMINED),
    ],
)
def test_verdict_at_95_percent(p_value: float, difference: float, expected: object) -> None:
    assert verdict(p_value, difference) == expected


def test_chunked_resamples_answer_as_one_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    kept = run_uncertainty(run(NOISE[:50], NOISE[:50] / 2), BootstrapOptions(300, 1))
    monkeypatch.setattr(bootstrap, "CACHE_CELLS", 50 * 64)  # drawn in chunks, not kept
    chunked = run_uncertainty(run(NOISE[:50], NOISE[:50] / 2), BootstrapOptions(300, 1))
    assert chunked == kept
