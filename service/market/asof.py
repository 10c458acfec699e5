"""The view of the market a model has on trading day D: closes before D and the open of D."""

from __future__ import annotations

import bisect

from service.market.prices import PriceData
from service.market.rules import MarketRules


class LookAheadError(LookupError):
    """A request for data the model may not see on its trading day."""


class AsOfView:
    """Read-only prices as of the morning of one trading day (SPEC §2 rule 3), and its rules."""

    def __init__(self, prices: PriceData, day: str, rules: MarketRules) -> None:
        self.prices = prices
        self.day = day
        self.rules = rules
        self.symbols = prices.symbols

    def open(self, symbol: str) -> float | None:
        """Today's open of symbol, or None when it has none."""
        return self.prices.open(symbol, self.day)

    def close(self, symbol: str, day: str) -> float | None:
        """The close of symbol on an earlier day; today's or a later close raises."""
        if day >= self.day:
            raise LookAheadError(f"the close of {day} is not known on {self.day}")
        return self.prices.close(symbol, day)

    def bar(self, symbol: str, day: str) -> dict[str, float | None]:
        """What may be seen of one bar: the open only for today, the whole bar before."""
        if day > self.day:
            raise LookAheadError(f"{day} is in the future on {self.day}")
        bar = self.prices.bar(symbol, day)
        if bar is None:
            return {}
        if day == self.day:
            return {"open": bar.open}
        return {
            "open": bar.open,
            "high": bar.high,
            "low": bar.low,
            "close": bar.close,
            "volume": bar.volume,
        }

    def previous_day(self) -> str | None:
        """The trading day before today."""
        return self.prices.previous_trading_day(self.day)

    def last_close(self, symbol: str) -> float | None:
        """The latest close of symbol before today."""
        previous = self.previous_day()
        return self.prices.close_on_or_before(symbol, previous) if previous else None

    def closes_before(self, symbol: str, count: int) -> list[float]:
        """The closes of symbol on the `count` trading days before today, oldest first."""
        days = self.prices.trading_days
        end = bisect.bisect_left(days, self.day)
        window = days[max(0, end - count) : end]
        closes = [self.prices.close(symbol, day) for day in window]
        return [close for close in closes if close is not None]
