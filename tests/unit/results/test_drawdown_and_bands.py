"""The drawdown curve and the bands over repeats, against hand-computed series."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.results.bands import run_bands
from service.results.drawdown import deepest, drawdown_curve
from service.results.metrics import max_drawdown_pct

pytestmark = pytest.mark.unit

DAYS = ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07"]


def dated(*values: float) -> list[tuple[str, float]]:
    """Values on consecutive trading days of DAYS."""
    return list(zip(DAYS, values, strict=False))


def test_drawdown_is_the_fall_from_the_running_peak_in_percent() -> None:
    curve = drawdown_curve(dated(100, 110, 99, 121, 110))

    assert [day for day, _ in curve] == DAYS
    assert [value for _, value in curve] == pytest.approx([0, 0, -10, 0, -100 * 11 / 121])
    assert deepest(curve) == (DAYS[2], pytest.approx(-10))


def test_a_rising_series_never_draws_down() -> None:
    assert [value for _, value in drawdown_curve(dated(1, 2, 3))] == [0, 0, 0]


def test_a_peak_of_zero_or_less_has_nothing_to_fall_from() -> None:
    assert [value for _, value in drawdown_curve(dated(0, -5, 0))] == [0, 0, 0]


def test_empty_series() -> None:
    assert drawdown_curve([]) == []
    assert deepest([]) is None


def test_the_first_of_equal_lows_is_the_deepest() -> None:
    assert deepest(dated(0, -3, -3)) == (DAYS[1], -3)


@given(st.lists(st.floats(min_value=1, max_value=1e6), min_size=1, max_size=40))
def test_the_lowest_point_is_minus_the_maximum_drawdown(values: list[float]) -> None:
    points = [(f"day-{index:02d}", value) for index, value in enumerate(values)]

    low = deepest(drawdown_curve(points))

    assert low is not None
    assert -low[1] == pytest.approx(max_drawdown_pct(values), abs=1e-9)


def test_bands_of_repeats_on_the_same_days() -> None:
    bands = run_bands([dated(1, 10), dated(2, 30), dated(3, 20), dated(4, 40), dated(5, 50)])

    assert bands is not None
    assert bands.dates == tuple(DAYS[:2]) and bands.runs == 5 and bands.counts == (5, 5)
    assert bands.low == (1, 10) and bands.high == (5, 50)
    assert bands.median == (3, 30)
    # Linear interpolation between order statistics: the 25th percentile of 1..5 is 2.
    assert bands.lower_quartile == (2, 20) and bands.upper_quartile == (4, 40)
    assert bands.points(bands.median) == [(DAYS[0], 3), (DAYS[1], 30)]


def test_a_day_some_runs_lack_is_summarised_over_the_others() -> None:
    bands = run_bands([dated(1, 2, 3), dated(3, 4), dated(5)])

    assert bands is not None
    assert bands.counts == (3, 2, 1)
    assert bands.median == (3, 3, 3)
    assert bands.low == (1, 2, 3) and bands.high == (5, 4, 3)


def test_no_values_no_bands() -> None:
    assert run_bands([]) is None
    assert run_bands([[], []]) is None
