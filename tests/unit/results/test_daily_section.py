"""The daily section of an intraday timeline's metrics: each day's last bar."""

from __future__ import annotations

import math

import pytest

from service.market.catalog import market_rules
from service.results.metrics import DayPoint
from service.results.performance import daily_metrics

pytestmark = pytest.mark.unit
RULES = market_rules("nasdaq100_hourly")


def bars(*days: tuple[str, list[float]]) -> list[DayPoint]:
    return [
        DayPoint(f"{day} {10 + hour}:00:00", value, 0.0)
        for day, values in days
        for hour, value in enumerate(values)
    ]


def test_each_days_last_bar_gives_the_daily_returns() -> None:
    # Day ends 100, 110, 99: returns +10 %, -10 %; drawdown 11 / 110 = 10 %.
    points = bars(("2025-10-01", [90, 100]), ("2025-10-02", [120, 110]), ("2025-10-03", [99]))
    daily = daily_metrics(points, RULES, 0.0)
    assert daily["trading_days"] == 3
    assert daily["max_drawdown_pct"] == pytest.approx(10.0)
    assert daily["win_rate_pct"] == pytest.approx(50.0)
    # mean 0, so Sharpe 0; stdev of (0.1, -0.1) is 0.1 * sqrt(2), times sqrt(252) for the year.
    assert daily["sharpe"] == pytest.approx(0.0)
    assert daily["volatility_pct"] == pytest.approx(0.1 * math.sqrt(2) * math.sqrt(252) * 100)


def test_a_day_that_ends_at_zero_is_followed_by_a_zero_return() -> None:
    points = bars(("2025-10-01", [100]), ("2025-10-02", [0]), ("2025-10-03", [0]))
    daily = daily_metrics(points, RULES, 0.0)
    assert daily["max_drawdown_pct"] == pytest.approx(100.0)
    assert daily["win_rate_pct"] == 0.0  # -100 %, then 0 rather than a division by zero


def test_a_day_missing_bars_ends_at_its_last_stored_bar() -> None:
    points = bars(("2025-10-01", [100, 104]), ("2025-10-02", [102]), ("2025-10-03", [50, 51]))
    del points[3]  # 2025-10-03's first bar
    daily = daily_metrics(points, RULES, 0.0)
    assert daily["trading_days"] == 3
    assert daily["max_drawdown_pct"] == pytest.approx((104 - 51) / 104 * 100)
