"""Hourly markets in the unit tests: bars built to catch a leak, runs over consecutive bars as the
job chains them, and the checks that a run kept the market's rules.

In a built universe everything a model may not see on its bar ends in .77 (or is the volume
7777): the close, high, low and volume of this bar, and every field of a later bar. Anything
it may see (earlier bars whole, this bar's open) does not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from service.market.asof import AsOfView
from service.market.calendar import day_of
from service.market.catalog import NASDAQ100_HOURLY, SSE50_HOURLY
from service.market.directory import bundled_source
from service.market.prices import PriceData, parse_lines
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings, OrderBook

FIELDS = ("open", "high", "low", "close", "volume")
HIDDEN = ".77"
HIDDEN_VOLUME = "7777"


@dataclass(frozen=True)
class HourlyUniverse:
    """Bars of symbols on days at the given times; `now` is the bar the model trades in."""

    symbols: tuple[str, ...]
    days: tuple[str, ...]
    times: tuple[str, ...]
    now: str

    @property
    def bars(self) -> list[str]:
        """Every bar key, in order."""
        return [f"{day} {time}" for day in self.days for time in self.times]

    def quote(self, symbol: str, bar: str) -> dict[str, float]:
        """open, high, low, close and volume of one bar: what is hidden at `now` ends in .77."""
        base = 100.0 + 10 * self.symbols.index(symbol) + self.bars.index(bar)
        if bar < self.now:
            return dict(open=base, high=base + 1.5, low=base - 0.5, close=base + 0.5, volume=1e3)
        open_ = base if bar == self.now else base + 0.77
        return dict(open=open_, high=base + 2.77, low=base - 0.23, close=base + 1.77, volume=7777)

    def prices(self) -> PriceData:
        """The universe parsed from Alpha Vantage 60-minute lines, as a file would be."""
        names = {field: f"{number}. {field}" for number, field in enumerate(FIELDS, start=1)}
        lines = [
            json.dumps(
                {
                    "Meta Data": {"2. Symbol": symbol},
                    "Time Series (60min)": {
                        bar: {names[field]: str(value) for field, value in quote.items()}
                        for bar in self.bars
                        for quote in [self.quote(symbol, bar)]
                    },
                }
            )
            for symbol in self.symbols
        ]
        return parse_lines(lines, "hourly-test")


def bundled_prices(rules: MarketRules) -> PriceData:
    """The market's bundled bars (and benchmark)."""
    return bundled_source(rules).prices()


def bought_earlier(books: list[OrderBook], bar: str) -> dict[str, float]:
    """What the earlier bars of bar's day bought, by symbol, as the job reads it from the store."""
    bought: dict[str, float] = {}
    for book in books:
        if day_of(book.view.day) == day_of(bar) and book.view.day < bar:
            for fill in book.fills:
                if fill.action_type == "buy":
                    bought[fill.symbol] = bought.get(fill.symbol, 0) + fill.amount
    return bought


Trade = Callable[[OrderBook, int], None]


def run_bars(
    prices: PriceData, rules: MarketRules, bars: list[str], start: Holdings, trade: Trade
) -> list[OrderBook]:
    """One book per bar, each from the previous bar's state; trade(book, step number) orders."""
    books: list[OrderBook] = []
    holdings = start
    for number, bar in enumerate(bars, start=1):
        unsettled = bought_earlier(books, bar) if rules.settlement_days else None
        book = OrderBook(AsOfView(prices, bar, rules), holdings, bought_earlier=unsettled)
        trade(book, number)
        books.append(book)
        holdings = book.state
    return books


def rule_breaks(rules: MarketRules, books: list[OrderBook]) -> list[str]:
    """How the fills of a run broke the rules, checked from the fills alone: amounts off the step
    (but for a whole holding sold), negative cash or holdings, and under T+1 more of a symbol
    sold on a day than was held when the day began."""
    breaks: list[str] = []
    day, day_start, sold = "", dict[str, float](), dict[str, float]()
    for book in books:
        if day_of(book.view.day) != day:
            day, day_start, sold = day_of(book.view.day), dict(book.start.shares), {}
        held = dict(book.start.shares)
        for fill in book.fills:
            where = f"{book.view.day} {fill.action_type} {fill.amount} {fill.symbol}"
            whole = fill.action_type == "sell" and fill.amount == held.get(fill.symbol)
            if rules.floor_quantity(fill.amount) != fill.amount and not whole:
                breaks.append(f"{where}: off the step")
            if fill.cash_after < 0 or any(q <= 0 for q in fill.holdings_after.values()):
                breaks.append(f"{where}: negative cash or holding")
            if fill.action_type == "sell":
                sold[fill.symbol] = sold.get(fill.symbol, 0) + fill.amount
                if rules.settlement_days and sold[fill.symbol] > day_start.get(fill.symbol, 0):
                    breaks.append(f"{where}: sells what was bought today (T+1)")
            held = dict(fill.holdings_after)
    return breaks


NASDAQ_TIMES = ("10:00:00", "11:00:00", "12:00:00", "13:00:00", "14:00:00", "15:00:00")
SSE_TIMES = ("10:30:00", "11:30:00", "14:00:00", "15:00:00")


def nasdaq_bars(now: str = "2025-10-01 11:00:00") -> HourlyUniverse:
    """NASDAQ-100 hourly's watchlist on three days of six bars labelled by their start."""
    days = ("2025-09-30", "2025-10-01", "2025-10-02")
    return HourlyUniverse(NASDAQ100_HOURLY.watchlist, days, NASDAQ_TIMES, now)


def sse_bars(now: str = "2025-10-10 11:30:00") -> HourlyUniverse:
    """SSE-50 hourly's watchlist on three days of four bars labelled by their end."""
    days = ("2025-10-09", "2025-10-10", "2025-10-13")
    return HourlyUniverse(SSE50_HOURLY.watchlist, days, SSE_TIMES, now)
