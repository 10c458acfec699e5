"""equal_weight: hold the top-N largest symbols in equal value, rebalanced every K steps.

Steps are trading days, or bars on an intraday market: there the size window and rebalance_days
count bars.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.strategies.base import StrategyContext, rebalance_equal

SIZE_WINDOW = 20  # steps: trading days, or bars


@dataclass(frozen=True)
class EqualWeightParams:
    """top_n: how many symbols; rebalance_days: steps between rebalances, in trading days (in
    bars on an intraday market)."""

    top_n: int = 10
    rebalance_days: int = 20


def dollar_volume(context: StrategyContext, symbol: str) -> float:
    """Average close × volume over the last SIZE_WINDOW steps (days, or bars) before this one:
    a public proxy for size."""
    prices = context.view.prices
    previous = context.view.previous_day()
    days = prices.trading_days
    if previous is None:
        return 0.0
    end = days.index(previous) + 1
    total = 0.0
    for day in days[max(0, end - SIZE_WINDOW) : end]:
        bar = prices.bar(symbol, day)
        if bar and bar.close and bar.volume:
            total += bar.close * bar.volume
    return total / SIZE_WINDOW


class EqualWeight:
    """Ranks by average dollar volume (market caps are not in the data) and holds the top N."""

    def __init__(self, params: EqualWeightParams) -> None:
        self.params = params

    def trade(self, context: StrategyContext) -> None:
        """Rebalance on step 1 and every rebalance_days steps after."""
        if (context.day_number - 1) % self.params.rebalance_days:
            return
        ranked = sorted(
            context.view.symbols, key=lambda symbol: (-dollar_volume(context, symbol), symbol)
        )
        rebalance_equal(context, ranked[: self.params.top_n])
