"""Inference on a Sharpe ratio that allows for skewed, fat-tailed returns.

With SR the per-period (not annualised) Sharpe ratio of n returns, g3 their skewness and g4
their kurtosis (3 for a normal distribution), both the sample moments m3 / m2 ** 1.5 and
m4 / m2 ** 2, the standard error of SR is sqrt((1 - g3 * SR + (g4 - 1) / 4 * SR ** 2) / (n - 1))
(Mertens, 2002). Bailey & López de Prado build on it:

- Probabilistic Sharpe Ratio (2012): the probability that the true Sharpe ratio exceeds SR*,
  PSR(SR*) = Phi((SR - SR*) * sqrt(n - 1) / sqrt(1 - g3 * SR + (g4 - 1) / 4 * SR ** 2)).
- Minimum track record length (2012): the number of returns needed for PSR(SR*) to reach the
  confidence c, MinTRL = 1 + (1 - g3 * SR + (g4 - 1) / 4 * SR ** 2) * (z_c / (SR - SR*)) ** 2
  with z_c = Phi^-1(c); defined only when SR > SR*.
- Deflated Sharpe Ratio (2014): PSR against the Sharpe ratio the best of N trials would reach
  by luck alone, SR0 = sqrt(V) * ((1 - e) * Phi^-1(1 - 1/N) + e * Phi^-1(1 - 1/(N * exp(1)))),
  V the variance of the N trials' Sharpe ratios and e Euler's constant 0.5772...

Phi is the standard normal distribution function. Each function answers None when its
formula is undefined (too few returns, no variation, a non-positive variance term).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
EULER_GAMMA = 0.5772156649015329
NORMAL = NormalDist()


@dataclass(frozen=True, slots=True)
class SharpeSample:
    """A per-period Sharpe ratio and the moments of the n returns it comes from."""

    sharpe: float
    periods: int
    skewness: float
    kurtosis: float

    @property
    def variance_term(self) -> float:
        """1 - g3 * SR + (g4 - 1) / 4 * SR ** 2: n - 1 times the variance of SR."""
        return 1 - self.skewness * self.sharpe + (self.kurtosis - 1) / 4 * self.sharpe**2


def sharpe_sample(returns: Floats, per_period_rf: float = 0.0) -> SharpeSample | None:
    """The sample of at least 2 returns that vary; None otherwise."""
    if len(returns) < 2:
        return None
    stdev = float(returns.std(ddof=1))
    deviations = returns - returns.mean()
    m2 = float(np.mean(deviations**2))
    if stdev == 0 or m2 == 0:
        return None
    return SharpeSample(
        sharpe=(float(returns.mean()) - per_period_rf) / stdev,
        periods=len(returns),
        skewness=float(np.mean(deviations**3)) / m2**1.5,
        kurtosis=float(np.mean(deviations**4)) / m2**2,
    )


def probabilistic_sharpe(sample: SharpeSample, threshold: float = 0.0) -> float | None:
    """PSR(threshold): the probability that the true per-period Sharpe ratio exceeds it."""
    term = sample.variance_term
    if term <= 0:
        return None
    return NORMAL.cdf((sample.sharpe - threshold) * math.sqrt(sample.periods - 1) / math.sqrt(term))


def min_track_record(
    sample: SharpeSample, threshold: float = 0.0, confidence: float = 0.95
) -> float | None:
    """MinTRL: the returns needed for PSR(threshold) to reach confidence; None unless
    SR > threshold."""
    term = sample.variance_term
    if term <= 0 or sample.sharpe <= threshold:
        return None
    return 1 + term * (NORMAL.inv_cdf(confidence) / (sample.sharpe - threshold)) ** 2


def expected_max_sharpe(sharpe_variance: float, trials: int) -> float:
    """SR0: the per-period Sharpe ratio the best of trials reaches by luck alone."""
    return math.sqrt(sharpe_variance) * (
        (1 - EULER_GAMMA) * NORMAL.inv_cdf(1 - 1 / trials)
        + EULER_GAMMA * NORMAL.inv_cdf(1 - 1 / (trials * math.e))
    )


def deflated_sharpe(best: SharpeSample, trial_sharpes: Floats) -> tuple[float, float] | None:
    """(DSR, SR0) of the best trial among trial_sharpes (per-period, the best's included);
    None with fewer than 2 trials or when they do not vary."""
    if len(trial_sharpes) < 2:
        return None
    variance = float(np.var(trial_sharpes, ddof=1))
    if variance == 0:
        return None
    threshold = expected_max_sharpe(variance, len(trial_sharpes))
    dsr = probabilistic_sharpe(best, threshold)
    return None if dsr is None else (dsr, threshold)
