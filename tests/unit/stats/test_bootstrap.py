"""The stationary block bootstrap against a plain loop, and its statistics by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from service.stats import bootstrap
from service.stats.bootstrap import (
    centred_means,
    counts_of,
    mean_block_length,
    mean_p_value,
    percentile_interval,
    resample_counts,
    sharpe_ratios,
    stationary_indices,
    total_returns_pct,
)

pytestmark = pytest.mark.unit


def test_every_period_is_as_likely_at_every_position() -> None:
    indices = stationary_indices(343, 2000, 11)
    counts = np.bincount(indices.ravel(), minlength=343)
    assert counts.min() > 0.85 * counts.mean() and counts.max() < 1.15 * counts.mean()
    assert indices[:, 0].mean() == pytest.approx(171, rel=0.05)
    assert indices[:, -1].mean() == pytest.approx(171, rel=0.05)


def test_each_row_begins_a_block_of_its_own() -> None:
    # A row's first period does not continue the previous row's last: rows are independent.
    indices = stationary_indices(50, 4000, 2)
    continued = indices[1:, 0] == (indices[:-1, -1] + 1) % 50
    assert continued.mean() == pytest.approx(1 / 50, abs=0.01)


def test_large_draws_come_in_chunks_of_the_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bootstrap, "DRAW_CELLS", 30 * 8)  # drawn 8 rows at a time
    whole = stationary_indices(30, 50, 7)
    monkeypatch.setattr(bootstrap, "CACHE_CELLS", 30 * 40)  # too many cells to keep
    chunks = list(resample_counts(30, 50, 7))
    assert [len(chunk) for chunk in chunks] == [8, 8, 8, 8, 8, 8, 2]
    assert np.array_equal(np.concatenate(chunks), counts_of(whole, 30))


def test_the_same_seed_draws_the_same_resamples() -> None:
    first = stationary_indices(40, 200, 1)
    assert np.array_equal(first, stationary_indices(40, 200, 1))
    assert not np.array_equal(first, stationary_indices(40, 200, 2))


def test_blocks_are_geometric_with_the_documented_mean_length() -> None:
    # n = 216: L = 216 ** (1/3) = 6. A block continues with probability 1 - 1/6, so a position
    # after the first starts a new block with probability 1/6 (a new start may land on the next
    # period by chance, 1/216 of the time: seen as a continuation).
    indices = stationary_indices(216, 2000, 3)
    continued = (np.diff(indices, axis=1) % 216) == 1
    assert mean_block_length(216) == pytest.approx(6.0)
    assert 1 - continued.mean() == pytest.approx(1 / 6 * (1 - 1 / 216), abs=0.003)
    assert indices.min() == 0 and indices.max() == 215


def test_one_period_blocks_for_tiny_samples() -> None:
    assert mean_block_length(1) == 1.0
    assert stationary_indices(1, 10, 0).tolist() == [[0]] * 10


def test_percentile_interval_ignores_undefined_samples() -> None:
    samples = np.array([*range(101), np.nan, np.inf], dtype=np.float64)
    assert percentile_interval(samples) == pytest.approx((2.5, 97.5))
    assert percentile_interval(np.array([np.nan])) is None


def test_counts_say_how_often_a_resample_holds_each_period() -> None:
    indices = np.array([[0, 0, 2], [1, 2, 1]], dtype=np.int32)
    assert counts_of(indices, 4).tolist() == [[2, 0, 1, 0], [0, 2, 1, 0]]
    kept = next(resample_counts(30, 50, 7))
    assert np.array_equal(kept, counts_of(stationary_indices(30, 50, 7), 30))
    assert (kept.sum(axis=1) == 30).all()


def test_total_return_compounds_each_resample() -> None:
    # Each resample holds 4 periods: 1.1^2 * 0.9^2 = 0.9801 -> -1.99 %; 1.05^4 = 1.21550625 ->
    # +21.550625 %; a loss of everything is -100 %, and no NaN where a resample lacks it.
    returns = np.array([0.1, -0.1, 0.05, -1.0])
    counts = np.array([[2, 2, 0, 0], [0, 0, 4, 0], [3, 0, 0, 1]], dtype=np.float64)
    assert total_returns_pct(counts, returns) == pytest.approx([-1.99, 21.550625, -100.0])


def test_sharpe_of_each_resample_as_in_the_metrics() -> None:
    # 0.1, -0.1, 0.1: sharpe sqrt(21) a year of 252 (tests/unit/results/test_metrics.py);
    # a resample that does not vary has none.
    returns = np.array([0.1, -0.1, 0.1])
    counts = np.array([[1, 1, 1], [0, 0, 3]], dtype=np.float64)
    ratios = sharpe_ratios(counts, returns, 0.0, 252)
    assert ratios[0] == pytest.approx(math.sqrt(21))
    assert math.isnan(ratios[1])


def test_statistics_of_counts_are_those_of_the_resampled_series() -> None:
    # Written out: gather each resample's returns and compute as the metrics do.
    returns = np.random.default_rng(3).normal(0.001, 0.02, 60)
    indices = stationary_indices(60, 200, 4)
    counts = counts_of(indices, 60)
    resampled = returns[indices]
    totals = (np.prod(1 + resampled, axis=1) - 1) * 100
    sharpes = resampled.mean(axis=1) / resampled.std(axis=1, ddof=1) * math.sqrt(252)
    assert total_returns_pct(counts, returns) == pytest.approx(totals)
    assert sharpe_ratios(counts, returns, 0.0, 252) == pytest.approx(sharpes)
    centred = (resampled - returns.mean()).mean(axis=1)
    assert centred_means(counts, returns) == pytest.approx(centred, abs=1e-15)


def test_p_value_of_a_constant_difference_is_the_smallest() -> None:
    # Centred, every resample's mean is 0 and never as far from 0 as the observed 0.01.
    means = centred_means(counts_of(stationary_indices(20, 999, 0), 20), np.full(20, 0.01))
    assert mean_p_value(0.01, means) == pytest.approx(1 / 1000)


def test_p_value_of_a_difference_that_averages_zero_is_one() -> None:
    differences = np.array([0.01, -0.01] * 10)
    means = centred_means(counts_of(stationary_indices(20, 999, 0), 20), differences)
    assert mean_p_value(0.0, means) == 1.0


def test_p_value_tells_a_strong_edge_from_noise() -> None:
    noise = np.random.default_rng(5).normal(0.0, 0.01, 250)
    counts = counts_of(stationary_indices(250, 2000, 0), 250)
    edge = noise + 0.005
    assert mean_p_value(float(edge.mean()), centred_means(counts, edge)) < 0.01
    assert mean_p_value(0.0, centred_means(counts, noise)) == 1.0
