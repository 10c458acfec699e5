"""Risk and return metrics of one model's end-of-day portfolio series.

Input: end-of-day points in date order; the first point is the baseline (often the
registration day, return 0). With n the number of points after the first,
r_t = daily_return_pct / 100 of each of those points (the return of its period: a day, or a
bar on an intraday market), P the market's periods per year (252 for NASDAQ-100 days), rf the
annual risk-free rate as a fraction (0.04 = 4 %) and rf_d = rf / P:

- trading_days = number of points, baseline included
- total_return_pct = (last value / initial_value - 1) * 100
- annualized_return_pct = ((1 + total_return_pct / 100) ** (P / n) - 1) * 100; None when n = 0
- volatility_pct = stdev(r_t) * sqrt(P) * 100, stdev the sample deviation (n - 1);
  None when n < 2
- sharpe = (mean(r_t) - rf_d) / stdev(r_t) * sqrt(P); None when n < 2 or stdev = 0
- sortino = (mean(r_t) - rf_d) / DD * sqrt(P) with the downside deviation
  DD = sqrt(mean(min(r_t - rf_d, 0) ** 2)) over all n days; None when DD = 0
- max_drawdown_pct = largest (peak - value) / peak * 100 over the series, peak being the
  highest value so far; 0 for a series that never falls
- calmar = annualized_return_pct / max_drawdown_pct; None when the drawdown is 0
- win_rate_pct = share of the n daily returns that are > 0, in percent; None when n = 0
- turnover = traded_value / mean(portfolio value over all points)
- benchmark_return_pct = (benchmark_end / benchmark_start - 1) * 100
- excess_return_pct = total_return_pct - benchmark_return_pct

A value that is undefined (zero denominator, missing input, overflow) is None, never NaN or inf.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DayPoint:
    """End-of-day state of a timeline on one trading day."""

    date: str
    portfolio_value: float
    daily_return_pct: float


@dataclass(frozen=True, slots=True)
class Metrics:
    """Risk and return metrics over a series; None marks a value that is undefined."""

    start_date: str
    end_date: str
    trading_days: int
    total_return_pct: float | None
    annualized_return_pct: float | None
    volatility_pct: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown_pct: float
    calmar: float | None
    win_rate_pct: float | None
    trades: int
    turnover: float | None
    benchmark_return_pct: float | None
    equal_weight_return_pct: float | None
    excess_return_pct: float | None


def compute_metrics(
    series: Sequence[DayPoint],
    *,
    initial_value: float,
    benchmark_start: float | None,
    benchmark_end: float | None,
    equal_weight_return_pct: float | None,
    trades: int,
    traded_value: float,
    risk_free_rate: float = 0.0,
    periods_per_year: int,
) -> Metrics:
    """Metrics of a non-empty end-of-day series (see the module docstring for formulas)."""
    if not series:
        raise ValueError("a metrics series needs at least one day")
    values = [point.portfolio_value for point in series]
    returns = [point.daily_return_pct / 100 for point in series[1:]]
    daily_rf = risk_free_rate / periods_per_year
    total = _percent_change(values[-1], initial_value)
    annualized = _annualized(total, len(returns), periods_per_year)
    drawdown = max_drawdown_pct(values)
    benchmark = _percent_change(benchmark_end, benchmark_start)
    return Metrics(
        start_date=series[0].date,
        end_date=series[-1].date,
        trading_days=len(series),
        total_return_pct=total,
        annualized_return_pct=annualized,
        volatility_pct=_volatility_pct(returns, periods_per_year),
        sharpe=_sharpe(returns, daily_rf, periods_per_year),
        sortino=_sortino(returns, daily_rf, periods_per_year),
        max_drawdown_pct=drawdown,
        calmar=_ratio(annualized, drawdown),
        win_rate_pct=_ratio(100.0 * sum(r > 0 for r in returns), len(returns)),
        trades=trades,
        turnover=_ratio(traded_value, statistics.fmean(values)),
        benchmark_return_pct=benchmark,
        equal_weight_return_pct=equal_weight_return_pct,
        excess_return_pct=None if total is None or benchmark is None else total - benchmark,
    )


def max_drawdown_pct(values: Sequence[float]) -> float:
    """Largest fall from a running peak, as a positive percent of that peak (0 if none)."""
    peak = -math.inf
    worst = 0.0
    for value in values:
        peak = max(peak, value)
        if peak > 0:
            worst = max(worst, (peak - value) / peak * 100)
    return worst


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _ratio(numerator: float | None, denominator: float) -> float | None:
    if numerator is None or denominator == 0:
        return None
    return _finite(numerator / denominator)


def _percent_change(end: float | None, start: float | None) -> float | None:
    if end is None or start is None or start <= 0:
        return None
    return _finite((end / start - 1) * 100)


def _annualized(total_pct: float | None, days: int, per_year: int) -> float | None:
    if total_pct is None or days == 0:
        return None
    growth = 1 + total_pct / 100
    if growth < 0:
        return None
    try:
        return _finite((growth ** (per_year / days) - 1) * 100)
    except OverflowError:
        # A huge short-window gain compounds past the float range: no meaningful annual rate.
        return None


def _sample_stdev(values: Sequence[float]) -> float:
    """Sample standard deviation in floats (statistics.stdev is exact, and 50 times slower)."""
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((value - mean) ** 2 for value in values) / (len(values) - 1))


def _volatility_pct(returns: Sequence[float], per_year: int) -> float | None:
    if len(returns) < 2:
        return None
    return _finite(_sample_stdev(returns) * math.sqrt(per_year) * 100)


def _sharpe(returns: Sequence[float], daily_rf: float, per_year: int) -> float | None:
    if len(returns) < 2:
        return None
    excess = _ratio(statistics.fmean(returns) - daily_rf, _sample_stdev(returns))
    return None if excess is None else excess * math.sqrt(per_year)


def _sortino(returns: Sequence[float], daily_rf: float, per_year: int) -> float | None:
    if not returns:
        return None
    downside = math.sqrt(statistics.fmean([min(r - daily_rf, 0.0) ** 2 for r in returns]))
    excess = _ratio(statistics.fmean(returns) - daily_rf, downside)
    return None if excess is None else excess * math.sqrt(per_year)
