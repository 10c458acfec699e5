"""What differs between markets, in one value that a job's snapshot carries to every model-day.

The order book, the timeline, the agent's prompt and tools, the strategies, the metrics and the
benchmarks read these rules from the value they are handed; none of them knows a market by name.
The markets themselves are listed in service/market/catalog.py.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

# Larger orders are refused: no member of a universe is that cheap, and SQLite's integers stay
# far from overflowing.
MAX_ORDER_UNITS = 10_000_000
# A quantity within this of a step counts as on it: "0.30000000000000004" is 0.3 coins.
STEP_TOLERANCE = 1e-9


class QuantityError(ValueError):
    """An amount the market's quantity rule does not allow; the message says why."""


@dataclass(frozen=True)
class MarketRules:
    """A market's rules: currency and cash, quantities, settlement, calendar, bars, benchmark."""

    name: str
    label: str
    currency: str
    initial_cash: float
    benchmark: str
    trading_days_per_year: int
    watchlist: tuple[str, ...] = ()  # symbols examples and the mock model look at first
    unit: str = "share"
    quantity_decimals: int = 0  # 0: whole units; 4: steps of 0.0001
    lot_size: int = 1  # buys in multiples of this many units
    settlement_days: int = 0  # T+n: units bought cannot be sold for n trading days
    every_day: bool = False  # the calendar: every day, or the data's trading days
    bar_interval: str = "1d"
    bars_per_day: int = 1
    bar_minutes: int = 1440
    labelled_by_end: bool = False  # a bar's key is the time it ends (else when it begins)
    # The key's time of the bar whose close is the day's close: a daily benchmark's close is
    # known from that bar on (None: a daily market, or a benchmark with bars of its own).
    closing_bar: str | None = None

    @property
    def periods_per_year(self) -> int:
        """Bars in a year, for annualising per-bar returns."""
        return self.bars_per_day * self.trading_days_per_year

    @property
    def intraday(self) -> bool:
        """Whether a bar is less than a day: the prompt and tools speak of bars, not days."""
        return self.bars_per_day > 1

    @property
    def example_symbol(self) -> str:
        """A symbol to show in examples of how to name one."""
        return self.watchlist[0] if self.watchlist else self.benchmark

    @property
    def step(self) -> float:
        """The smallest quantity that can be traded."""
        return float(10**-self.quantity_decimals) * self.lot_size

    @property
    def asset(self) -> str:
        """What one symbol is called in the prompt: stocks trade in shares, others in their unit."""
        return "stock" if self.unit == "share" else self.unit

    def quantity_text(self) -> str:
        """How an order's amount must be written, for the model and for error messages."""
        if self.quantity_decimals:
            return f"a positive number of {self.unit}s in steps of {self.step:g}"
        if self.lot_size > 1:
            return f"a positive whole number of {self.unit}s, in lots of {self.lot_size}"
        return f"a positive whole number of {self.unit}s"

    def check_quantity(self, amount: object) -> float:
        """amount as a number the rule allows (an int for whole units), or QuantityError."""
        number = self._checked_number(amount)
        on_step = self._on_step(number)
        if on_step is None:
            raise QuantityError(f"amount must be {self.quantity_text()}, got {_shown(number)}")
        return on_step

    def check_sale(self, amount: object, held: float) -> float:
        """The amount of a sale from a holding of held: a quantity the rule allows, or exactly
        the whole holding (an odd lot, or a holding off the step, can only be sold whole)."""
        number = self._checked_number(amount)
        on_step = self._on_step(number)
        if on_step is not None:
            return on_step
        if held > 0 and self._on_step(held) is None:
            if abs(number - held) <= STEP_TOLERANCE * held:
                return held
            raise QuantityError(
                f"amount must be {self.quantity_text()}, or all {_shown(held)} {self.unit}s "
                f"held, got {_shown(number)}"
            )
        raise QuantityError(f"amount must be {self.quantity_text()}, got {_shown(number)}")

    def floor_quantity(self, quantity: float) -> float:
        """The largest quantity the rule allows that is not above quantity (0 when none)."""
        steps = math.floor(quantity / self.step + STEP_TOLERANCE)
        return self.units(max(0, steps) * self.step)

    def tidy(self, quantity: float) -> float:
        """quantity without float noise: on the grid of quantity_decimals when within the
        tolerance of it (0.1 + 0.2 coins are 0.3, 237.0 shares are 237), else unchanged (an
        imported 0.123456 coins)."""
        units = quantity * 10**self.quantity_decimals
        whole = round(units)
        if abs(units - whole) > STEP_TOLERANCE * max(1.0, abs(units)):
            return quantity
        return self.units(whole / 10**self.quantity_decimals)

    def units(self, quantity: float) -> float:
        """A quantity in the rule's form: an int for whole units, else rounded to the step."""
        if self.quantity_decimals == 0:
            return int(round(quantity))
        return round(quantity, self.quantity_decimals)

    def _checked_number(self, amount: object) -> float:
        number = _number(amount, self.quantity_text())
        if number <= 0:
            raise QuantityError(f"amount must be positive, got {_shown(number)}")
        if number > MAX_ORDER_UNITS:
            raise QuantityError(
                f"amount {_shown(number)} is larger than {MAX_ORDER_UNITS} {self.unit}s"
            )
        return number

    def _on_step(self, quantity: float) -> float | None:
        """quantity in the rule's form when it is a positive multiple of the step, else None."""
        steps = quantity / self.step
        whole = round(steps)
        if whole < 1 or abs(steps - whole) > STEP_TOLERANCE * steps:
            return None
        return self.units(whole * self.step)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, as stored in a job's snapshot."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MarketRules:
        """Rules from a snapshot; keys this version does not know are ignored."""
        known: dict[str, Any] = {
            spec.name: data[spec.name] for spec in fields(cls) if spec.name in data
        }
        # JSON has no tuples; the rules stay hashable (they key cached tool definitions).
        values: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in known.items()
        }
        return cls(**values)


def _number(amount: object, expected: str) -> float:
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        raise QuantityError(f"amount must be {expected}")
    try:
        number = float(amount)
    except (ValueError, OverflowError):
        raise QuantityError(f"amount must be {expected}, got {amount!r}") from None
    if not math.isfinite(number):
        raise QuantityError(f"amount must be {expected}, got {amount!r}")
    return number


def _shown(number: float) -> str:
    # 12 digits: a holding shown this way, sent back as an amount, is within the tolerance of it.
    return str(int(number)) if float(number).is_integer() else f"{number:.12g}"
