"""The benchmarks (SPEC §2 rule 7), with one definition of their span for every answer.

A benchmark is held from the close of the first trading day on or after the start (a model
registered on a holiday counts from the next session) to the close of the last trading day on
or before the day asked about. Trading days are those of the calendar the models trade on: a
price file may already hold a close of some symbols for a day that is not a trading day yet
(the benchmark's own bar can be complete while the universe has only opens), and that close is
never used, so the leaderboard, the metrics, the time series and the dashboard agree.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from service.market.prices import PriceData

Point = tuple[str, float]


def trading_span(prices: PriceData, start: str, end: str) -> tuple[str, str] | None:
    """The first bar on or after start and the last on or before end (a day: its last bar);
    None if none."""
    first = start if prices.is_trading_day(start) else prices.next_trading_day(start)
    last = prices.last_bar_through(end)
    if first is None or last is None or first > last:
        return None
    return first, last


def closes_over(
    prices: PriceData, symbol: str, start: str, end: str
) -> tuple[float | None, float | None]:
    """symbol's closes at both ends of the trading span (each the latest on or before its day)."""
    span = trading_span(prices, start, end)
    if span is None:
        return None, None
    return prices.close_on_or_before(symbol, span[0]), prices.close_on_or_before(symbol, span[1])


def _change_pct(first: float | None, last: float | None) -> float | None:
    return (last / first - 1) * 100 if first and last else None


def benchmark_return_pct(prices: PriceData, symbol: str, start: str, end: str) -> float | None:
    """Return of holding the benchmark symbol over the trading span of start..end."""
    return _change_pct(*closes_over(prices, symbol, start, end))


@functools.lru_cache(maxsize=256)
def benchmark_curve(prices: PriceData, symbol: str, registered: str) -> dict[str, float | None]:
    """The benchmark's return since registered on each trading day from registered on.

    A PriceData never changes once loaded (a new file version is a new object), so one curve
    per (prices, registration day) serves every request.
    """
    return {
        day: benchmark_return_pct(prices, symbol, registered, day)
        for day in prices.trading_days
        if day >= registered
    }


@functools.lru_cache(maxsize=4096)
def equal_weight_return_pct(
    prices: PriceData, benchmark: str, start: str, end: str
) -> float | None:
    """Buy-and-hold of the whole universe but the benchmark, in equal value, over the span.

    Cached like benchmark_curve: the key holds the immutable PriceData itself.
    """
    returns = []
    for symbol in prices.symbols:
        change = _change_pct(*closes_over(prices, symbol, start, end))
        if change is not None and symbol != benchmark:
            returns.append(change)
    return sum(returns) / len(returns) if returns else None


def benchmark_series(
    prices: PriceData, symbol: str, start: str, end: str, initial: float
) -> list[Point]:
    """The value of holding the benchmark over the span, scaled to begin at initial."""
    span = trading_span(prices, start, end)
    first = prices.close_on_or_before(symbol, span[0]) if span else None
    if span is None or not first:
        return []
    points = []
    for day in prices.trading_days_between(*span):
        close = prices.close_on_or_before(symbol, day)
        if close:
            points.append((day, initial * close / first))
    return points


def benchmark_returns(
    prices: PriceData, symbol: str, dates: Sequence[str]
) -> npt.NDArray[np.float64] | None:
    """The benchmark's return over each period between consecutive dates (fractions, one fewer
    than dates), held from the first trading day's close as above; None when a close is
    missing."""
    span = trading_span(prices, dates[0], dates[-1]) if dates else None
    if span is None:
        return None
    closes = [prices.close_on_or_before(symbol, max(date, span[0])) for date in dates]
    if not all(closes):
        return None
    values = np.array(closes, dtype=np.float64)
    changes: npt.NDArray[np.float64] = values[1:] / values[:-1] - 1
    return changes
