"""Dashboard data helpers: date parsing, durations, the scaled benchmark series."""

from __future__ import annotations

import pytest

from service.market.catalog import NASDAQ100
from service.market.prices import PriceData, load_prices
from service.resources.dashboard.page import (
    benchmark_row,
    benchmark_series,
    format_duration,
    parse_day,
)
from service.settings import DEFAULT_PRICE_DATA

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text", ["2025-10-29", "2024-02-29"])
def test_parse_day_accepts_iso_dates(text: str) -> None:
    assert parse_day(text) == text


@pytest.mark.parametrize("text", ["2025-02-29", "20251029", "2025-1-2", "29/10/2025", "", "x"])
def test_parse_day_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="use YYYY-MM-DD"):
        parse_day(text)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "—"), (0, "0s"), (44.6, "45s"), (65, "1m 05s"), (3600, "1h 00m"), (7322, "2h 02m")],
)
def test_format_duration(seconds: float | None, shown: str) -> None:
    assert format_duration(seconds) == shown


def test_benchmark_series_starts_at_the_initial_value_and_follows_qqq() -> None:
    prices: PriceData = load_prices(DEFAULT_PRICE_DATA)
    points = benchmark_series(prices, NASDAQ100.benchmark, "2025-09-02", "2025-09-08", 10000.0)
    assert [day for day, _ in points] == prices.trading_days_between("2025-09-02", "2025-09-08")
    assert points[0][1] == pytest.approx(10000.0)
    first = prices.close(NASDAQ100.benchmark, "2025-09-02") or 0
    last = prices.close(NASDAQ100.benchmark, "2025-09-08") or 0
    assert points[-1][1] == pytest.approx(10000.0 * last / first)


def test_benchmark_row_takes_value_and_daily_change_from_the_series() -> None:
    board = {"benchmark": {"symbol": "QQQ", "start_date": "2025-09-02", "cumulative_return_pct": 2}}
    row = benchmark_row(board, [("2025-09-02", 10000.0), ("2025-09-03", 10100.0)])
    assert row is not None
    assert row["portfolio_value"] == 10100.0
    assert row["daily_return_pct"] == pytest.approx(1.0)
    assert row["date"] == "2025-09-03" and row["cumulative_return_pct"] == 2
    assert benchmark_row(board, []) is None
