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


# Resamples are used in chunks of about WORK_CELLS cells: a request's resampled returns then
# stay under half a megabyte at a time, which the allocator keeps for the next chunk and the
# next request (a 4 MB array was handed back to the system and faulted in again, page by page:
# 9 of the 24 ms of a year's intervals). A matrix of up to CACHE_CELLS indices (4 MB) is kept
# for the next model with as many periods; a larger one is drawn chunk by chunk, not kept.
WORK_CELLS = 65_536
CACHE_CELLS = 1_000_000


def resample_chunks(periods: int, resamples: int, seed: int) -> Iterator[Indices]:
    """The resamples' period indices in chunks of rows, together the same rows as one draw."""
    rows = max(1, WORK_CELLS // periods)
    if periods * resamples <= CACHE_CELLS:
        indices = stationary_indices(periods, resamples, seed)
        for first in range(0, resamples, rows):
            yield indices[first : first + rows]
        return
    rng = np.random.default_rng(seed)
    for first in range(0, resamples, rows):
        yield _draw(rng, periods, min(rows, resamples - first))


@functools.lru_cache(maxsize=8)
def stationary_indices(periods: int, resamples: int, seed: int) -> Indices:
    """The period indices of each resample, one row per resample (read-only).

    Cached: every model with as many periods shares one matrix for a seed (resample_chunks
    asks for matrices of at most CACHE_CELLS cells only).
    """
    indices = _draw(np.random.default_rng(seed), periods, resamples)
    indices.flags.writeable = False
    return indices


def _draw(rng: np.random.Generator, periods: int, rows: int) -> Indices:
    """rows resamples of periods indices.

    Position t of a row starts a new block when its uniform draw u is below p = 1/L (always at
    t = 0); the block then starts at period floor(u / p * n), u / p being uniform itself given
    u < p, so one draw serves both. Its index is the block's start plus the offset of t in the
    block, modulo n. The draws are taken row after row, so chunks of rows from one generator
    are the rows of one matrix.
    """
    chance = 1 / mean_block_length(periods)
    draws = rng.random((rows, periods))
    draws[:, 0] *= chance
    # In place wherever it can: each new array of a big draw costs its page faults.
    positions = np.arange(periods, dtype=np.int32)
    block_began = np.where(draws < chance, positions, np.int32(0))
    np.maximum.accumulate(block_began, axis=1, out=block_began)
    draws *= periods / chance
    starts = draws.astype(np.int32)
    np.minimum(starts, periods - 1, out=starts)
    indices: Indices = np.take_along_axis(starts, block_began, axis=1)
    indices += positions
    indices -= block_began
    indices[indices >= periods] -= periods
    return indices


def percentile_interval(samples: Floats, level: float = LEVEL) -> tuple[float, float] | None:
    """The central level interval of the finite samples; None when there are none."""
    finite = samples[np.isfinite(samples)]
    if not len(finite):
        return None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def total_returns_pct(resampled: Floats) -> Floats:
    """Each resample's compounded return in percent: (prod(1 + r) - 1) * 100."""
    growth: Floats = np.prod(1 + resampled, axis=1)
    return (growth - 1) * 100


def sharpe_ratios(resampled: Floats, per_period_rf: float, periods_per_year: int) -> Floats:
    """Each resample's annualised Sharpe ratio; NaN where its returns do not vary."""
    stdev = resampled.std(axis=1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios: Floats = (resampled.mean(axis=1) - per_period_rf) / stdev
    ratios[stdev == 0] = np.nan
    return ratios * math.sqrt(periods_per_year)


def centred_means(differences: Floats, indices: Indices) -> Floats:
    """Each resample's mean of the differences less their mean (the world where H0 holds)."""
    centred = differences - differences.mean()
    means: Floats = centred[indices].mean(axis=1)
    return means


def mean_p_value(observed: float, means: Floats) -> float:
    """Two-sided bootstrap p-value of H0: the mean of the differences is 0, from the observed
    mean and the resamples' centred_means: p = (1 + #{|mean| >= |observed|}) / (B + 1)."""
    # A tolerance of a few ulps: a resample equal to the observed mean counts as extreme.
    extreme = int(np.count_nonzero(np.abs(means) >= abs(observed) - 1e-15))
    return (1 + extreme) / (len(means) + 1)
