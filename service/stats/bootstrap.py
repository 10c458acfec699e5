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
    """The resamples' period indices in chunks of rows: the rows of stationary_indices."""
    if periods * resamples <= CACHE_CELLS:
        indices = stationary_indices(periods, resamples, seed)
        rows = _chunk_rows(periods)
        for first in range(0, resamples, rows):
            yield indices[first : first + rows]
        return
    yield from _draws(periods, resamples, seed)


@functools.lru_cache(maxsize=8)
def stationary_indices(periods: int, resamples: int, seed: int) -> Indices:
    """The period indices of each resample, one row per resample (read-only).

    Cached: every model with as many periods shares one matrix for a seed (resample_chunks
    asks for matrices of at most CACHE_CELLS cells only).
    """
    indices = np.concatenate(list(_draws(periods, resamples, seed)))
    indices.flags.writeable = False
    return indices


def _chunk_rows(periods: int) -> int:
    return max(1, WORK_CELLS // periods)


def _draws(periods: int, resamples: int, seed: int) -> Iterator[Indices]:
    """The resamples, drawn chunk after chunk of rows from one generator seeded by seed."""
    rng = np.random.default_rng(seed)
    rows = _chunk_rows(periods)
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
