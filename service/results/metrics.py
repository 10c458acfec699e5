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
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class DayPoint:
    """End-of-day state of a timeline on one trading day."""

    date: str
    portfolio_value: float
    daily_return_pct: float


@dataclass(frozen=True, slots=True)
class Risk:
    """The return and risk figures of a value series; None marks a value that is undefined."""

    total_return_pct: float | None
    annualized_return_pct: float | None
    volatility_pct: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown_pct: float
    calmar: float | None
    win_rate_pct: float | None


@dataclass(frozen=True, slots=True)
class Metrics(Risk):
    """Risk and return metrics over a series; None marks a value that is undefined."""

    start_date: str
    end_date: str
    trading_days: int
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
    values = np.fromiter((point.portfolio_value for point in series), np.float64, len(series))
    returns = np.fromiter(
        (point.daily_return_pct for point in series[1:]), np.float64, len(series) - 1
    )
    risk = risk_metrics(values, returns / 100, initial_value, risk_free_rate, periods_per_year)
    benchmark = _percent_change(benchmark_end, benchmark_start)
    total = risk.total_return_pct
    return Metrics(
        **{field.name: getattr(risk, field.name) for field in fields(Risk)},
        start_date=series[0].date,
        end_date=series[-1].date,
        trading_days=len(series),
        trades=trades,
        turnover=_ratio(traded_value, float(values.mean())),
        benchmark_return_pct=benchmark,
        equal_weight_return_pct=equal_weight_return_pct,
        excess_return_pct=None if total is None or benchmark is None else total - benchmark,
    )


def risk_metrics(
    values: Floats,
    returns: Floats,
    initial_value: float,
    risk_free_rate: float,
    periods_per_year: int,
) -> Risk:
    """The return and risk figures of values (baseline first) and their per-period returns
    (fractions, one fewer than values), annualised with periods_per_year."""
    n = len(returns)
    per_period_rf = risk_free_rate / periods_per_year
    total = _percent_change(float(values[-1]), initial_value)
    annualized = _annualized(total, n, periods_per_year)
    drawdown = max_drawdown_pct(values)
    # Sums and dot products rather than mean() and std(): a month of days is a few dozen
    # numbers, and each numpy call costs more than its arithmetic.
    mean = float(returns.sum()) / n if n else 0.0
    mean_excess = mean - per_period_rf
    deviations = returns - mean
    stdev = math.sqrt(float(deviations @ deviations) / (n - 1)) if n >= 2 else None
    shortfalls = np.minimum(returns - per_period_rf, 0.0)
    downside = math.sqrt(float(shortfalls @ shortfalls) / n) if n else 0.0
    root_p = math.sqrt(periods_per_year)
    return Risk(
        total_return_pct=total,
        annualized_return_pct=annualized,
        volatility_pct=None if stdev is None else _finite(stdev * root_p * 100),
        sharpe=None if stdev is None else _scaled(_ratio(mean_excess, stdev), root_p),
        sortino=_scaled(_ratio(mean_excess, downside), root_p),
        max_drawdown_pct=drawdown,
        calmar=_ratio(annualized, drawdown),
        win_rate_pct=_ratio(100.0 * int(np.count_nonzero(returns > 0)), n),
    )


def max_drawdown_pct(values: Sequence[float] | Floats) -> float:
    """Largest fall from a running peak, as a positive percent of that peak (0 if none)."""
    series = np.asarray(values, dtype=np.float64)
    if not len(series):
        return 0.0
    peaks = np.maximum.accumulate(series)
    if peaks[0] > 0:  # so is every later peak: the plain division (a masked one is 3x slower)
        return float(1 - (series / peaks).min()) * 100
    # A value under a peak of 0 or less is no fall: its ratio stays 1.
    ratios = np.divide(series, peaks, out=np.ones_like(series), where=peaks > 0)
    return float(1 - ratios.min()) * 100


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _ratio(numerator: float | None, denominator: float) -> float | None:
    if numerator is None or denominator == 0:
        return None
    return _finite(numerator / denominator)


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def _percent_change(end: float | None, start: float | None) -> float | None:
    if end is None or start is None or start <= 0:
        return None
    return _finite((end / start - 1) * 100)


def _annualized(total_pct: float | None, periods: int, per_year: int) -> float | None:
    if total_pct is None or periods == 0:
        return None
    growth = 1 + total_pct / 100
    if growth < 0:
        return None
    try:
        return _finite((growth ** (per_year / periods) - 1) * 100)
    except OverflowError:
        # A huge short-window gain compounds past the float range: no meaningful annual rate.
        return None
