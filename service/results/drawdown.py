"""The drawdown curve of a timeline: how far each value lies below the highest one before it.

For values v_1..v_n with running peak p_t = max(v_1..v_t), the drawdown at t is
(v_t / p_t - 1) * 100: 0 at a new peak, negative below it. Its lowest point is minus the
maximum drawdown of service.results.metrics.max_drawdown_pct.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Dated = tuple[str, float]


def drawdown_curve(points: Sequence[Dated]) -> list[Dated]:
    """Each (date, value) as (date, drawdown in percent of the running peak); a peak of zero
    or less gives 0 (nothing to fall from)."""
    values = np.fromiter((value for _, value in points), np.float64, len(points))
    peaks = np.maximum.accumulate(values) if len(values) else values
    with np.errstate(divide="ignore", invalid="ignore"):
        falls = np.where(peaks > 0, (values / peaks - 1) * 100, 0.0)
    return [(day, float(fall)) for (day, _), fall in zip(points, falls, strict=True)]


def deepest(curve: Sequence[Dated]) -> Dated | None:
    """The curve's lowest point (the first of equal ones); None for an empty curve."""
    return min(curve, key=lambda point: point[1]) if curve else None
