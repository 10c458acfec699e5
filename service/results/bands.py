"""Bands over the repeats of one model: at each date the range, the quartiles and the median.

The repeats of a model run over the same days with different seeds; drawn as one fan they
show how far chance alone spreads its curve. At each date the values of the repeats that have
one are summarised: minimum, first quartile, median, third quartile, maximum (quartiles by
linear interpolation between order statistics, numpy's default).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

Dated = tuple[str, float]
QUANTILES = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True, slots=True)
class Bands:
    """Per date (in order): the lowest, first quartile, median, third quartile and highest
    value of the runs, and how many runs have a value that day; runs counts them all."""

    dates: tuple[str, ...]
    low: tuple[float, ...]
    lower_quartile: tuple[float, ...]
    median: tuple[float, ...]
    upper_quartile: tuple[float, ...]
    high: tuple[float, ...]
    counts: tuple[int, ...]
    runs: int

    def points(self, which: Sequence[float]) -> list[Dated]:
        """One of the summaries (self.median, ...) as dated points."""
        return list(zip(self.dates, which, strict=True))


def run_bands(curves: Iterable[Sequence[Dated]]) -> Bands | None:
    """The bands of the curves (each a timeline's dated values); None without any value."""
    rows = [dict(curve) for curve in curves]
    dates = tuple(sorted({day for row in rows for day in row}))
    if not dates:
        return None
    # One row per date, one column per run: NaN where a run has no value that day.
    table = np.array([[row.get(day, np.nan) for row in rows] for day in dates], np.float64)
    missing = np.isnan(table)
    # nanquantile loops in Python over the dates: fifty times slower when no value is missing.
    quantile = np.nanquantile if missing.any() else np.quantile
    summaries = quantile(table, QUANTILES, axis=1)
    low, lower, median, upper, high = (tuple(map(float, summary)) for summary in summaries)
    counts = tuple(int(count) for count in np.count_nonzero(~missing, axis=1))
    return Bands(dates, low, lower, median, upper, high, counts, len(rows))
