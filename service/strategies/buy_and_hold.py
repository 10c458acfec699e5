"""buy_and_hold: spend the cash on a fixed list of symbols on the first step, then hold.

The first step is the first trading day, or the first bar on an intraday market.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from service.strategies.base import StrategyContext


@dataclass(frozen=True)
class BuyAndHoldParams:
    """symbols: what to buy, in equal value (default: the market's benchmark, e.g. QQQ; where
    the benchmark is not in the universe, the market's watchlist, else the whole universe)."""

    symbols: tuple[str, ...] = ()


class BuyAndHold:
    """Buys once, while it holds nothing, and never sells."""

    def __init__(self, params: BuyAndHoldParams) -> None:
        self.params = params

    def trade(self, context: StrategyContext) -> None:
        """Buy every symbol for an equal share of the cash if nothing is held yet."""
        if context.book.state.shares:
            return
        view = context.view
        wanted = self.params.symbols or _default_symbols(context)
        symbols = [symbol for symbol in wanted if view.open(symbol)]
        budget = context.book.state.cash / len(symbols) if symbols else 0.0
        for symbol in symbols:
            shares = view.rules.floor_quantity(budget / (view.open(symbol) or math.inf))
            shares = min(shares, context.book.affordable(symbol))
            if shares > 0:
                context.order("buy", symbol, shares)


def _default_symbols(context: StrategyContext) -> tuple[str, ...]:
    view = context.view
    if view.rules.benchmark in view.symbols:
        return (view.rules.benchmark,)
    return view.rules.watchlist or tuple(view.symbols)
