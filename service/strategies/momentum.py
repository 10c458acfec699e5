"""momentum: hold the top-K symbols by trailing N-step return, rebalanced every K steps.

Steps are trading days, or bars on an intraday market: there lookback and rebalance_days count
bars.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.strategies.base import StrategyContext, rebalance_equal


@dataclass(frozen=True)
class MomentumParams:
    """lookback: steps of return; top_k: symbols held; rebalance_days: steps between rebalances.
    A step is a trading day, or a bar on an intraday market."""

    lookback: int = 20
    top_k: int = 5
    rebalance_days: int = 5


def trailing_return(context: StrategyContext, symbol: str, lookback: int) -> float | None:
    """Return from the close lookback steps ago to the last close, or None without history."""
    closes = context.view.closes_before(symbol, lookback + 1)
    if len(closes) < lookback + 1:
        return None
    return closes[-1] / closes[0] - 1


class Momentum:
    """Buys recent winners; holds cash until there is enough history."""

    def __init__(self, params: MomentumParams) -> None:
        self.params = params

    def trade(self, context: StrategyContext) -> None:
        """Rebalance on step 1 and every rebalance_days steps after."""
        if (context.day_number - 1) % self.params.rebalance_days:
            return
        scored = []
        for symbol in context.view.symbols:
            score = trailing_return(context, symbol, self.params.lookback)
            if score is not None:
                scored.append((-score, symbol))
        if scored:
            rebalance_equal(context, [symbol for _, symbol in sorted(scored)[: self.params.top_k]])
