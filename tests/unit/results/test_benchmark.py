"""The benchmark's span: first trading day on or after the start, last on or before the end."""

from __future__ import annotations

import pytest

from service.results.benchmark import (
    benchmark_curve,
    benchmark_return_pct,
    benchmark_series,
    equal_weight_return_pct,
    trading_span,
)
from tests.unit.pricebuilder import build_prices

pytestmark = pytest.mark.unit

# Mon..Thu; Wednesday is a holiday for the universe, and on Thursday only QQQ's bar is complete
# (a newest day with opens only for the rest): neither is a trading day.
PRICES = build_prices(
    {
        "QQQ": {
            "2025-09-01": (99.0, 100.0),
            "2025-09-02": (100.0, 110.0),
            "2025-09-04": (110.0, 121.0),
        },
        "AAA": {"2025-09-01": (9.0, 10.0), "2025-09-02": (10.0, 12.0), "2025-09-04": (12.0, None)},
        "BBB": {"2025-09-01": (19.0, 20.0), "2025-09-02": (20.0, 21.0), "2025-09-04": (21.0, None)},
    }
)


def test_the_calendar_has_only_complete_days() -> None:
    assert PRICES.trading_days == ("2025-09-01", "2025-09-02")


@pytest.mark.parametrize(
    ("start", "end", "span"),
    [
        ("2025-09-01", "2025-09-02", ("2025-09-01", "2025-09-02")),
        ("2025-08-30", "2025-09-04", ("2025-09-01", "2025-09-02")),  # weekend start, open-only end
        ("2025-09-02", "2025-09-02", ("2025-09-02", "2025-09-02")),
        ("2025-09-03", "2025-09-04", None),  # no trading day in between
        ("2025-09-02", "2025-09-01", None),
    ],
)
def test_trading_span(start: str, end: str, span: tuple[str, str] | None) -> None:
    assert trading_span(PRICES, start, end) == span


def test_a_close_of_a_day_that_is_not_a_trading_day_is_never_used() -> None:
    # QQQ's complete Thursday bar (121) would say +21 %; the calendar ends on Tuesday (110).
    assert benchmark_return_pct(PRICES, "QQQ", "2025-09-01", "2025-09-04") == pytest.approx(10.0)


def test_a_start_on_a_non_trading_day_counts_from_the_next_close() -> None:
    assert benchmark_return_pct(PRICES, "QQQ", "2025-08-31", "2025-09-02") == pytest.approx(10.0)
    assert benchmark_return_pct(PRICES, "QQQ", "2025-09-03", "2025-09-04") is None


def test_curve_series_and_equal_weight_use_the_same_span() -> None:
    curve = benchmark_curve(PRICES, "QQQ", "2025-09-01")
    assert curve == {"2025-09-01": 0.0, "2025-09-02": pytest.approx(10.0)}
    assert benchmark_series(PRICES, "QQQ", "2025-09-01", "2025-09-04", 1000.0) == [
        ("2025-09-01", 1000.0),
        ("2025-09-02", pytest.approx(1100.0)),
    ]
    # AAA +20 %, BBB +5 %: QQQ is the benchmark, not part of the equal-weight basket.
    assert equal_weight_return_pct(PRICES, "QQQ", "2025-09-01", "2025-09-04") == pytest.approx(12.5)
