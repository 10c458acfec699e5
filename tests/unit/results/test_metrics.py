"""Risk and return metrics against hand-computed series."""

from __future__ import annotations

import dataclasses
import math

import pytest

from service.results.metrics import DayPoint, Metrics, compute_metrics, max_drawdown_pct

pytestmark = pytest.mark.unit


def series(*points: tuple[float, float]) -> list[DayPoint]:
    """Points (value, daily_return_pct) on consecutive October days."""
    return [DayPoint(f"2025-10-{day:02d}", v, r) for day, (v, r) in enumerate(points, start=1)]


def metrics(
    points: list[DayPoint],
    *,
    bench: tuple[float | None, float | None] = (None, None),
    traded_value: float = 0.0,
    risk_free_rate: float = 0.0,
) -> Metrics:
    return compute_metrics(
        points,
        initial_value=10000.0,
        benchmark_start=bench[0],
        benchmark_end=bench[1],
        equal_weight_return_pct=None,
        trades=0,
        traded_value=traded_value,
        risk_free_rate=risk_free_rate,
        periods_per_year=252,
    )


def assert_all_finite(result: Metrics) -> None:
    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        if isinstance(value, float):
            assert math.isfinite(value), field.name


# Up, down, up: values 10000 -> 11000 -> 9900 -> 10890, r = [0.1, -0.1, 0.1], n = 3.
# mean = 0.1/3; deviations 0.2/3, -0.4/3, 0.2/3 -> squares sum 0.24/9 = 0.08/3;
# sample variance = 0.08/3/2 = 0.04/3 -> stdev = 0.2/sqrt(3) = 0.1154700538.
# volatility = 0.2/sqrt(3) * sqrt(252) * 100 = 20 * sqrt(84) = 183.3030278 %.
# sharpe = (0.1/3) / (0.2/sqrt(3)) * sqrt(252) = sqrt(252/12) = sqrt(21) = 4.5825757.
# downside = sqrt((0 + 0.01 + 0)/3) = 0.1/sqrt(3); sortino = sqrt(252/3) = sqrt(84) = 9.1651514.
# drawdown: peak 11000, trough 9900 -> 1100/11000 = 10 %.
# total = 10890/10000 - 1 = 8.9 %; annualized = 1.089^(252/3) - 1 = 1.089^84 - 1
#   = e^(84 * ln 1.089) - 1 = e^(84 * 0.0852598) - 1 = e^7.161827 - 1 = 1288.2641 -> 128826.41 %.
# calmar = 128826.41 / 10 = 12882.641.
UP_DOWN_UP = series((10000, 0), (11000, 10), (9900, -10), (10890, 10))


def test_up_down_up_series() -> None:
    result = metrics(UP_DOWN_UP)
    assert (result.start_date, result.end_date, result.trading_days) == (
        "2025-10-01",
        "2025-10-04",
        4,
    )
    assert result.total_return_pct == pytest.approx(8.9)
    assert result.volatility_pct == pytest.approx(183.3030278)
    assert result.sharpe == pytest.approx(4.5825757)
    assert result.sortino == pytest.approx(9.1651514)
    assert result.max_drawdown_pct == pytest.approx(10.0)
    assert result.annualized_return_pct == pytest.approx(128826.41, rel=1e-6)
    assert result.calmar == pytest.approx(12882.641, rel=1e-6)


def test_risk_free_rate_lowers_sharpe_and_sortino() -> None:
    # rf = 2.52 % a year -> 0.0001 a day; mean excess = 0.1/3 - 0.0001 = 0.0332333.
    # sharpe = 0.0332333 / 0.1154701 * sqrt(252) = 0.2878087 * 15.8745079 = 4.5688280.
    # downside = sqrt((0 + 0.1001^2 + 0)/3) = 0.0577928; sortino = 0.0332333/0.0577928 * 15.8745
    #   = 9.1285274.
    result = metrics(UP_DOWN_UP, risk_free_rate=0.0252)
    assert result.sharpe == pytest.approx(4.5688280)
    assert result.sortino == pytest.approx(9.1285274)


def test_win_rate_counts_only_positive_returns() -> None:
    # r = [0.1, -0.1, 0.1, 0] -> 2 wins of 4 days = 50 %; a flat day is not a win.
    points = [*UP_DOWN_UP, DayPoint("2025-10-05", 10890, 0.0)]
    assert metrics(points).win_rate_pct == pytest.approx(50.0)
    assert metrics(UP_DOWN_UP).win_rate_pct == pytest.approx(200 / 3)


def test_turnover_is_traded_value_over_average_value() -> None:
    # average value = (10000 + 11000 + 9900 + 10890) / 4 = 41790 / 4 = 10447.5;
    # traded 20895 -> turnover 20895 / 10447.5 = 2.0.
    assert metrics(UP_DOWN_UP, traded_value=20895.0).turnover == pytest.approx(2.0)
    assert metrics(UP_DOWN_UP).turnover == 0.0


def test_benchmark_and_excess_return() -> None:
    # QQQ 500 -> 525 = +5 %; the model made +8.9 % -> excess 3.9 points.
    result = metrics(UP_DOWN_UP, bench=(500.0, 525.0))
    assert result.benchmark_return_pct == pytest.approx(5.0)
    assert result.excess_return_pct == pytest.approx(3.9)


def test_no_benchmark_means_no_excess_return() -> None:
    result = metrics(UP_DOWN_UP, bench=(None, 525.0))
    assert result.benchmark_return_pct is None
    assert result.excess_return_pct is None


def test_flat_series_divides_by_nothing() -> None:
    # Values never move: r = [0, 0, 0]; stdev 0 -> volatility 0 but sharpe undefined;
    # downside 0 -> sortino undefined; no fall -> drawdown 0 -> calmar undefined.
    result = metrics(series((10000, 0), (10000, 0), (10000, 0), (10000, 0)))
    assert result.total_return_pct == 0.0
    assert result.annualized_return_pct == 0.0
    assert result.volatility_pct == 0.0
    assert result.sharpe is None
    assert result.sortino is None
    assert result.max_drawdown_pct == 0.0
    assert result.calmar is None
    assert result.win_rate_pct == 0.0
    assert_all_finite(result)


def test_registration_day_only() -> None:
    # One point, no daily return: n = 0, so every per-day statistic is undefined.
    result = metrics(series((10000, 0)), traded_value=0.0)
    assert (result.start_date, result.end_date, result.trading_days) == (
        "2025-10-01",
        "2025-10-01",
        1,
    )
    assert result.total_return_pct == 0.0
    assert result.annualized_return_pct is None
    assert result.volatility_pct is None
    assert result.sharpe is None
    assert result.sortino is None
    assert result.max_drawdown_pct == 0.0
    assert result.calmar is None
    assert result.win_rate_pct is None
    assert result.turnover == 0.0


def test_two_day_series() -> None:
    # 10000 -> 10100, r = [0.01], n = 1: total 1 %; annualized = 1.01^252 - 1
    #   = e^(252 * 0.00995033) - 1 = e^2.5074830 - 1 = 11.274002 -> 1127.4002 %.
    # One return: no sample stdev (volatility, sharpe None); no losing day -> sortino None.
    result = metrics(series((10000, 0), (10100, 1)))
    assert result.total_return_pct == pytest.approx(1.0)
    assert result.annualized_return_pct == pytest.approx(1127.4002)
    assert result.volatility_pct is None
    assert result.sharpe is None
    assert result.sortino is None
    assert result.max_drawdown_pct == 0.0
    assert result.calmar is None
    assert result.win_rate_pct == 100.0


def test_drawdown_that_never_recovers() -> None:
    # 10000 -> 10500 -> 9450 -> 8505 (r = [0.05, -0.1, -0.1]); peak 10500, last 8505:
    #   drawdown = 1995 / 10500 = 19 %. total = 8505/10000 - 1 = -14.95 %;
    #   annualized = 0.8505^84 - 1 = e^(84 * -0.1619309) - 1 = e^-13.602193 - 1 -> -99.9998762 %;
    #   calmar = -99.9998762 / 19 = -5.2631514.
    # mean = -0.05; stdev = sqrt((0.1^2 + 0.05^2 + 0.05^2)/2) = sqrt(0.0075) = 0.0866025;
    #   sharpe = -0.05 / 0.0866025 * 15.8745079 = -9.1651514.
    # downside = sqrt((0 + 0.01 + 0.01)/3) = 0.0816497; sortino = -0.05/0.0816497 * 15.8745
    #   = -9.7211110.
    result = metrics(series((10000, 0), (10500, 5), (9450, -10), (8505, -10)))
    assert result.max_drawdown_pct == pytest.approx(19.0)
    assert result.total_return_pct == pytest.approx(-14.95)
    assert result.annualized_return_pct == pytest.approx(-99.9998762)
    assert result.calmar == pytest.approx(-5.2631514)
    assert result.sharpe == pytest.approx(-9.1651514)
    assert result.sortino == pytest.approx(-9.7211110)
    assert result.win_rate_pct == pytest.approx(100 / 3)


def test_max_drawdown_takes_the_largest_of_several_falls() -> None:
    # 100 -> 90 is 10 %; then 120 -> 96 is 24/120 = 20 %.
    assert max_drawdown_pct([100, 90, 120, 96, 110]) == pytest.approx(20.0)
    assert max_drawdown_pct([100, 101, 102]) == 0.0


def test_overflowing_annualized_return_is_none() -> None:
    # +9900 % in one day: 100^252 = 1e504 overflows a float; report None, not inf.
    result = metrics(series((10000, 0), (1_000_000, 9900)))
    assert result.annualized_return_pct is None
    assert result.total_return_pct == pytest.approx(9900.0)
    assert_all_finite(result)


def test_zero_initial_value_gives_no_total_return() -> None:
    result = compute_metrics(
        series((0, 0), (0, 0)),
        initial_value=0.0,
        benchmark_start=0.0,
        benchmark_end=100.0,
        equal_weight_return_pct=2.5,
        trades=3,
        traded_value=50.0,
        periods_per_year=252,
    )
    assert result.total_return_pct is None
    assert result.annualized_return_pct is None
    assert result.benchmark_return_pct is None
    assert result.turnover is None
    assert (result.trades, result.equal_weight_return_pct) == (3, 2.5)


def test_empty_series_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        metrics([])
