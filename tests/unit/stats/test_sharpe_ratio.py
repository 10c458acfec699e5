"""PSR, MinTRL and DSR against values computed by hand and by scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from service.stats.sharpe_ratio import (
    EULER_GAMMA,
    deflated_sharpe,
    expected_max_sharpe,
    min_track_record,
    probabilistic_sharpe,
    sharpe_sample,
)

pytestmark = pytest.mark.unit

# returns 0.01, -0.01, 0.02, 0: mean 0.005; deviations 0.005, -0.015, 0.015, -0.005;
# m2 = 0.0005 / 4 = 0.000125; sample stdev sqrt(0.0005 / 3) = 0.0129099 -> SR = 0.3872983;
# m3 = 0 -> skewness 0; m4 = 1.025e-7 / 4 = 2.5625e-8 -> kurtosis 2.5625e-8 / 1.5625e-8 = 1.64.
# variance term 1 - 0 + (1.64 - 1) / 4 * 0.15 = 1.024.
RETURNS = np.array([0.01, -0.01, 0.02, 0.0])


def normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def test_sample_moments_by_hand_and_by_scipy() -> None:
    sample = sharpe_sample(RETURNS)
    assert sample is not None
    assert sample.sharpe == pytest.approx(0.3872983)
    assert sample.skewness == pytest.approx(0.0, abs=1e-12)
    assert sample.kurtosis == pytest.approx(1.64)
    assert sample.variance_term == pytest.approx(1.024)
    skewed = np.random.default_rng(2).lognormal(0, 0.5, 100) - 1.1
    other = sharpe_sample(skewed)
    assert other is not None
    assert other.skewness == pytest.approx(stats.skew(skewed, bias=True))
    assert other.kurtosis == pytest.approx(stats.kurtosis(skewed, fisher=False, bias=True))


def test_probabilistic_sharpe_by_hand() -> None:
    # PSR(0) = Phi(0.3872983 * sqrt(3) / sqrt(1.024)) = Phi(0.6629126) = 0.746310.
    # PSR(0.5) = Phi((0.3872983 - 0.5) * sqrt(3) / sqrt(1.024)) = Phi(-0.1929013) = 0.423518.
    sample = sharpe_sample(RETURNS)
    assert sample is not None
    assert probabilistic_sharpe(sample) == pytest.approx(normal_cdf(0.6629126), abs=1e-6)
    assert probabilistic_sharpe(sample) == pytest.approx(0.746310, abs=1e-5)
    assert probabilistic_sharpe(sample, 0.5) == pytest.approx(0.423518, abs=1e-5)


def test_min_track_record_by_hand() -> None:
    # 1 + 1.024 * (1.6448536 / 0.3872983) ** 2 = 1 + 1.024 * 18.036950 = 19.469837 returns.
    sample = sharpe_sample(RETURNS)
    assert sample is not None
    assert min_track_record(sample) == pytest.approx(19.469837, rel=1e-6)
    assert min_track_record(sample, threshold=0.5) is None  # SR below the threshold


def test_a_track_record_that_long_reaches_the_confidence() -> None:
    # The definition: with MinTRL returns of the same SR and moments, PSR is 95 %.
    sample = sharpe_sample(np.random.default_rng(4).normal(0.002, 0.01, 60))
    assert sample is not None
    length = min_track_record(sample)
    assert length is not None
    z = sample.sharpe * math.sqrt(length - 1) / math.sqrt(sample.variance_term)
    assert normal_cdf(z) == pytest.approx(0.95)


def test_expected_max_sharpe_by_scipy() -> None:
    # SR0 of 3 trials whose Sharpe ratios vary by 0.01: 0.1 * ((1 - g) * z(2/3) + g * z(1 - 1/3e))
    # = 0.1 * (0.4227843 * 0.4307273 + 0.5772157 * 1.1619569) = 0.1 * (0.182105 + 0.670700).
    expected = 0.1 * (
        (1 - 0.5772156649) * stats.norm.ppf(1 - 1 / 3)
        + 0.5772156649 * stats.norm.ppf(1 - 1 / (3 * math.e))
    )
    assert EULER_GAMMA == pytest.approx(0.5772156649)
    assert expected_max_sharpe(0.01, 3) == pytest.approx(expected)
    assert expected == pytest.approx(0.0852805, abs=1e-6)


def test_deflated_sharpe_is_psr_against_the_expected_maximum() -> None:
    best = sharpe_sample(RETURNS)
    assert best is not None
    trials = np.array([0.1, 0.2, best.sharpe])
    deflated = deflated_sharpe(best, trials)
    assert deflated is not None
    dsr, threshold = deflated
    assert threshold == pytest.approx(expected_max_sharpe(float(np.var(trials, ddof=1)), 3))
    assert dsr == pytest.approx(probabilistic_sharpe(best, threshold))
    assert dsr < probabilistic_sharpe(best)  # luck among three trials lowers the confidence


def test_undefined_cases_are_none() -> None:
    assert sharpe_sample(np.array([0.01])) is None
    assert sharpe_sample(np.array([0.01, 0.01, 0.01])) is None
    best = sharpe_sample(RETURNS)
    assert best is not None
    assert deflated_sharpe(best, np.array([0.3])) is None
    assert deflated_sharpe(best, np.array([0.3, 0.3])) is None
