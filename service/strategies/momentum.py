"""momentum: hold the top-K symbols by trailing N-day return, rebalanced every K days."""

from __future__ import annotations

from dataclasses import dataclass

from service.strategies.base import StrategyContext, rebalance_equal


@dataclass(frozen=True)
class MomentumParams:
    """lookback: trading days of return; top_k: symbols held; rebalance_days: days between."""

    lookback: int = 20
    top_k: int = 5
    rebalance_days: int = 5


def trailing_return(context: StrategyContext, symbol: str, lookback: int) -> float | None:
    """Return from the close lookback days ago to the last close, or None without history."""
    closes = context.view.closes_before(symbol, lookback + 1)
    if len(closes) < lookback + 1:
        return None
    return closes[-1] / closes[0] - 1


class Momentum:
    """Buys recent winners; holds cash until there is enough history."""

    def __init__(self, params: MomentumParams) -> None:
        self.params = params

    def trade(self, context: StrategyContext) -> None:
        """Rebalance on day 1 and every rebalance_days after."""
        if (context.day_number - 1) % self.params.rebalance_days:
            return
        scored = []
        for symbol in context.view.symbols:
            score = trailing_return(context, symbol, self.params.lookback)
            if score is not None:
                scored.append((-score, symbol))
        if scored:
            rebalance_equal(context, [symbol for _, symbol in sorted(scored)[: self.params.top_k]])
