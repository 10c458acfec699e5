"""contrarian: hold the top_k symbols that fell most over the last lookback steps, in equal
value, rebalanced every rebalance_days steps (a bet that recent losers revert to the mean).

A strategy plugin of AI-Trader Service: a class with a `Params` dataclass and `trade(context)`,
registered under the entry point group `ai_trader.strategies`.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.strategies.base import StrategyContext, rebalance_equal


@dataclass(frozen=True)
class ContrarianParams:
    """lookback: steps of return; top_k: symbols held; rebalance_days: steps between rebalances."""

    lookback: int = 5
    top_k: int = 5
    rebalance_days: int = 5


class Contrarian:
    """Buys the recent losers; holds cash until there are lookback steps of history."""

    Params = ContrarianParams

    def __init__(self, params: ContrarianParams) -> None:
        self.params = params

    def trade(self, context: StrategyContext) -> None:
        """Rebalance on step 1 and every rebalance_days steps after."""
        if (context.day_number - 1) % self.params.rebalance_days:
            return
        returns = []
        for symbol in context.view.symbols:
            closes = context.view.closes_before(symbol, self.params.lookback + 1)
            if len(closes) == self.params.lookback + 1:
                returns.append((closes[-1] / closes[0] - 1, symbol))
        losers = [symbol for _, symbol in sorted(returns)[: self.params.top_k]]
        if losers:
            rebalance_equal(context, losers)
