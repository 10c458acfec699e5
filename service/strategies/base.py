"""What a built-in strategy sees and the order helpers every strategy shares.

A step is a trading day, or a bar on an intraday market; "today" below is the step's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import random
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from service.market.asof import AsOfView
from service.portfolio.engine import OrderBook, OrderError

P = TypeVar("P")


@dataclass
class StrategyContext:
    """One model-step for a strategy: the book to trade through and the step's place in its run."""

    signature: str
    book: OrderBook
    day_number: int  # 1 on the first step (day, or bar) after registration
    rejections: list[str] = field(default_factory=list)

    @property
    def view(self) -> AsOfView:
        """The as-of market view of the step."""
        return self.book.view

    def rng(self, *salt: object) -> random.Random:
        """A random generator that depends only on the signature, the step's key and the salt."""
        text = "|".join([self.signature, self.view.day, *map(str, salt)])
        return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))

    def order(self, action: str, symbol: str, amount: object) -> None:
        """Place an order through the book; a rejection is remembered, never raised."""
        try:
            if action == "buy":
                self.book.buy(symbol, amount)
            else:
                self.book.sell(symbol, amount)
        except OrderError as error:
            self.rejections.append(f"{action} {amount} {symbol}: {error}")


class Strategy(Protocol):
    """A built-in model: places today's orders on the context's book."""

    def trade(self, context: StrategyContext) -> None:
        """Place today's orders."""


def parse_params(kind: type[P], params: dict[str, Any]) -> P:
    """Build a params dataclass, rejecting unknown names and values of the wrong type."""
    known = {spec.name: spec.default for spec in dataclasses.fields(kind)}  # type: ignore[arg-type]
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ValueError(f"unknown parameter {unknown[0]!r}; allowed: {', '.join(sorted(known))}")
    values = {name: _checked(name, value, known[name]) for name, value in params.items()}
    return kind(**values)


def _checked(name: str, value: Any, default: Any) -> Any:
    """The value in the type of its default: a positive int, or a list of tickers."""
    if isinstance(default, int) and not isinstance(value, bool):
        if isinstance(value, int) and 1 <= value <= 100_000:
            return value
    elif isinstance(value, list) and value and len(value) <= 200:
        if all(isinstance(item, str) and item.strip() for item in value):
            return tuple(item.strip().upper() for item in value)
    raise ValueError(f"parameter {name!r} has an invalid value {value!r}")


def open_value(context: StrategyContext) -> float:
    """Cash plus holdings at today's open (the last close where a symbol has no open)."""
    state = context.book.state
    total = state.cash
    for symbol, quantity in state.shares.items():
        price = context.view.open(symbol) or context.view.last_close(symbol) or 0.0
        total += quantity * price
    return total


def sale_quantity(book: OrderBook, symbol: str, quantity: float) -> float:
    """The most of quantity the rules let be sold of symbol now: the whole holding when that is
    asked for and all of it can be sold, else what is sellable (T+1), rounded down to the step."""
    held = book.state.shares.get(symbol, 0)
    sellable = book.sellable(symbol)
    if quantity >= held and sellable >= held:
        return held
    return book.rules.floor_quantity(min(quantity, sellable))


def rebalance_equal(context: StrategyContext, targets: list[str]) -> None:
    """Hold the target symbols in equal value at today's open; sell the rest first."""
    view, book = context.view, context.book
    tradable = [symbol for symbol in targets if view.open(symbol)]
    budget = open_value(context) / len(tradable) if tradable else 0.0
    wanted = {
        symbol: view.rules.floor_quantity(budget / (view.open(symbol) or math.inf))
        for symbol in tradable
    }
    for symbol, quantity in sorted(book.state.shares.items()):
        excess = sale_quantity(book, symbol, quantity - wanted.get(symbol, 0))
        if excess > 0 and view.open(symbol):
            context.order("sell", symbol, excess)
    for symbol in tradable:
        missing = view.rules.floor_quantity(wanted[symbol] - book.state.shares.get(symbol, 0))
        quantity = min(missing, book.affordable(symbol))
        if quantity > 0:
            context.order("buy", symbol, quantity)
