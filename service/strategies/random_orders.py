"""random: seeded random orders, valid and invalid alike: a stress test of the order checks."""

from __future__ import annotations

from dataclasses import dataclass

from service.strategies.base import StrategyContext

# Amounts that must be rejected, mixed in so that every order check is exercised.
BAD_AMOUNTS: tuple[object, ...] = (0, -3, 2.5, "ten", None)


@dataclass(frozen=True)
class RandomParams:
    """seed: changes the sequence; max_orders: orders per step (a day, or a bar) at most."""

    seed: int = 1
    max_orders: int = 5


class RandomOrders:
    """Buys and sells random symbols in random amounts; some orders are meant to fail."""

    def __init__(self, params: RandomParams) -> None:
        self.params = params

    def trade(self, context: StrategyContext) -> None:
        """Place between 0 and max_orders orders drawn from the seeded generator."""
        rng = context.rng(self.params.seed)
        symbols = list(context.view.symbols) + ["NOT-A-SYMBOL"]
        for _ in range(rng.randint(0, self.params.max_orders)):
            action = rng.choice(("buy", "buy", "sell"))
            held = sorted(context.book.state.shares)
            pool = held if action == "sell" and held and rng.random() < 0.8 else symbols
            symbol = rng.choice(pool)
            # 1 to 25 steps: shares, lots or fractions of a coin, valid as the market has them.
            amount: object = context.view.rules.units(rng.randint(1, 25) * context.view.rules.step)
            if rng.random() < 0.1:
                amount = rng.choice(BAD_AMOUNTS)
            context.order(action, symbol, amount)
