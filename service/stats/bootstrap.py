"""The stationary block bootstrap of per-period returns (Politis & Romano, 1994).

Returns of a trading strategy are autocorrelated and their volatility clusters, so resampling
single periods would understate the uncertainty. The stationary bootstrap resamples blocks of
consecutive periods instead: a resample starts at a uniformly drawn period; each next period
continues the block (the period after, wrapping round at the end) with probability 1 - 1/L and
starts a new block at a uniformly drawn period with probability 1/L. Block lengths are thus
geometric with mean L, and the resampled series is stationary.

The mean block length is L = n ** (1/3) (at least 1) for n returns: the rate at which the
optimal block length grows with the sample (Politis & White, 2004), without their plug-in
constant, which is itself too noisy to estimate from a month of data.

An interval is the percentile interval: the 2.5th and 97.5th percentiles of the statistic over
the resamples. Every draw comes from a numpy Generator seeded by the caller, so the same series,
seed and number of resamples give the same answer.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Indices = npt.NDArray[np.int32]

DEFAULT_RESAMPLES = 2000
MIN_RESAMPLES = 100
MAX_RESAMPLES = 10_000
LEVEL = 0.95


def mean_block_length(periods: int) -> float:
    """L = n ** (1/3), at least 1."""
    return max(1.0, math.pow(periods, 1 / 3))


# Every statistic here is a sum over a resample's periods, whatever their order (a total
# return multiplies the growths: it sums their logs). So a resample is kept as its counts, how
# many times it holds each period, and each statistic of all resamples is one matrix product
# of the counts with a column per period: 0.3 ms for 2,000 resamples of 249 periods, where
# gathering the resampled returns took 15. Counts of up to CACHE_CELLS cells (8 MB) are kept for
# the next model with as many periods; larger ones are drawn and used in chunks, not kept.
CACHE_CELLS = 1_000_000
# Resamples are drawn in chunks of rows of about this many cells, whether their counts are kept
# or not, so that the same seed draws the same resamples either way.
DRAW_CELLS = 250_000


def resample_counts(periods: int, resamples: int, seed: int) -> Iterator[Floats]:
    """The resamples' counts of each period (one row a resample) in chunks of rows."""
    if periods * resamples <= CACHE_CELLS:
        yield _kept_counts(periods, resamples, seed)
        return
    for indices in _draws(periods, resamples, seed):
        yield counts_of(indices, periods)


@functools.lru_cache(maxsize=4)
def _kept_counts(periods: int, resamples: int, seed: int) -> Floats:
    counts = counts_of(stationary_indices(periods, resamples, seed), periods)
    counts.flags.writeable = False
    return counts


def counts_of(indices: Indices, periods: int) -> Floats:
    """How many times each row of indices holds each period."""
    rows = len(indices)
    offsets = (np.arange(rows, dtype=np.int64) * periods)[:, None]
    flat = np.bincount((indices + offsets).ravel(), minlength=rows * periods)
    counts: Floats = flat.reshape(rows, periods).astype(np.float64)
    return counts


def stationary_indices(periods: int, resamples: int, seed: int) -> Indices:
    """The period indices of each resample, one row per resample."""
    return np.concatenate(list(_draws(periods, resamples, seed)))


def _draws(periods: int, resamples: int, seed: int) -> Iterator[Indices]:
    """The resamples, drawn chunk after chunk of rows from one generator seeded by seed."""
    rng = np.random.default_rng(seed)
    rows = max(1, DRAW_CELLS // periods)
    for first in range(0, resamples, rows):
        yield _draw(rng, periods, min(rows, resamples - first))


def _draw(rng: np.random.Generator, periods: int, rows: int) -> Indices:
    """rows resamples of periods indices.

    The rows are laid end to end, cells = rows * n positions. Blocks begin at position 0, at
    each row's first position and after each gap of a geometric length with mean L (success
    probability 1/L) from the one before; a row is thus cut into blocks of geometric lengths,
    independent of the other rows, the geometric being memoryless. Each block begins at a
    uniformly drawn period f; position t of a block that began at b holds (f + t - b) mod n,
    written as a running sum: 1 a step, and at each block's beginning the jump to its f.
    """
    chance = 1 / mean_block_length(periods)
    cells = rows * periods
    # Enough gaps, almost always at the first draw: their mean sum is 1.2 times the cells.
    ends = np.cumsum(rng.geometric(chance, size=int(cells * chance * 1.2) + 16))
    while ends[-1] < cells:
        ends = np.concatenate([ends, ends[-1] + np.cumsum(rng.geometric(chance, len(ends)))])
    begins = np.zeros(cells, dtype=bool)
    begins[ends[ends < cells]] = True
    begins[::periods] = True
    starts = np.flatnonzero(begins)
    firsts = rng.integers(0, periods, size=len(starts), dtype=np.int32)
    steps = np.ones(cells, dtype=np.int32)
    steps[0] = firsts[0]
    steps[starts[1:]] = firsts[1:] - firsts[:-1] - (starts[1:] - starts[:-1]) + 1
    np.cumsum(steps, out=steps)
    steps %= periods
    indices: Indices = steps.reshape(rows, periods)
    return indices


def percentile_interval(samples: Floats, level: float = LEVEL) -> tuple[float, float] | None:
    """The central level interval of the finite samples; None when there are none."""
    finite = samples[np.isfinite(samples)]
    if not len(finite):
        return None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


LOG_OF_NOTHING = -1e300  # finite, and the exp of any sum with it is 0


def total_returns_pct(counts: Floats, returns: Floats) -> Floats:
    """Each resample's compounded return in percent: (prod(1 + r) - 1) * 100, as
    expm1(sum(log1p(r))) (a loss of everything, r = -1, gives -100)."""
    with np.errstate(divide="ignore"):
        growth = np.log1p(returns)
    # A loss of everything: log 0 = -inf would be 0 * -inf = NaN where a resample lacks it.
    growth[np.isneginf(growth)] = LOG_OF_NOTHING
    totals: Floats = np.expm1(_sums(counts, growth)) * 100
    return totals


def sharpe_ratios(
    counts: Floats, returns: Floats, per_period_rf: float, periods_per_year: int
) -> Floats:
    """Each resample's annualised Sharpe ratio; NaN where its returns do not vary.

    A resample is as long as the sample: its counts sum to n. From the sums of the deviations
    d from the sample's mean (better conditioned than raw squares): with s1 and s2 a resample's
    sums of d and d^2, its mean is mean(r) + s1 / n and its sample variance
    (s2 - s1^2 / n) / (n - 1).
    """
    n = counts.shape[1]
    centre = float(returns.mean())
    deviations = returns - centre
    first, second = _sums(counts, deviations), _sums(counts, deviations**2)
    variance = (second - first**2 / n) / (n - 1)
    flat = variance <= (1e-12 * float(deviations @ deviations) / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios: Floats = (centre + first / n - per_period_rf) / np.sqrt(variance)
    ratios[flat] = np.nan
    return ratios * math.sqrt(periods_per_year)


def centred_means(counts: Floats, differences: Floats) -> Floats:
    """Each resample's mean of the differences less their mean (the world where H0 holds)."""
    means: Floats = _sums(counts, differences - differences.mean()) / counts.shape[1]
    return means


def mean_p_value(observed: float, means: Floats) -> float:
    """Two-sided bootstrap p-value of H0: the mean of the differences is 0, from the observed
    mean and the resamples' centred_means: p = (1 + #{|mean| >= |observed|}) / (B + 1)."""
    # A tolerance of a few ulps: a resample equal to the observed mean counts as extreme.
    extreme = int(np.count_nonzero(np.abs(means) >= abs(observed) - 1e-15))
    return (1 + extreme) / (len(means) + 1)


def _sums(counts: Floats, column: Floats) -> Floats:
    """counts @ column without BLAS: its threads sleep between a request's few products and
    took milliseconds to wake for each (on two cores shared by four web workers), where the
    product itself takes a tenth of one."""
    sums: Floats = np.einsum("rp,p->r", counts, column)
    return sums
