"""Loader for AI-Trader's merged.jsonl prices (daily or intraday bars), with their calendar.

A file is merged.jsonl (one symbol's JSON object a line), or one JSON document over many lines
as Alpha Vantage answers it (one symbol: an index, a benchmark fetched on its own).
"""

from __future__ import annotations

import bisect
import gzip
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from service.filecache import cached_by_version
from service.market.calendar import bar_key, day_of, is_day, through

SERIES_KEY = "Time Series (Daily)"
SERIES_PREFIX = "Time Series ("
# AI-Trader renames open/close to buy/sell price; plain Alpha Vantage files use open/close.
FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "open": ("1. buy price", "1. open"),
    "high": ("2. high",),
    "low": ("3. low",),
    "close": ("4. sell price", "4. close"),
    "volume": ("5. volume",),
}


class PriceDataError(ValueError):
    """Price data that cannot be trusted; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One symbol's bar on one day; a missing, empty or non-positive field is None."""

    open: float | None
    high: float | None
    low: float | None
    close: float | None
    volume: float | None


class PriceData:
    """Immutable bars of a universe, indexed by symbol and bar key.

    Besides the universe (the symbols a model may trade, whose bars make the calendar) it may
    hold series that are only looked at, such as a benchmark index kept in its own file.
    """

    def __init__(
        self, bars: dict[str, dict[str, Bar]], source: str, universe: Iterable[str] | None = None
    ) -> None:
        self.source = source
        self._bars = bars
        self.symbols: tuple[str, ...] = tuple(sorted(bars if universe is None else universe))
        self.trading_days: tuple[str, ...] = _trading_days(
            {symbol: bars[symbol] for symbol in self.symbols}
        )
        self._closes: dict[str, tuple[list[str], list[float]]] = {
            symbol: _close_series(days) for symbol, days in bars.items()
        }

    @property
    def first_day(self) -> str:
        """The first trading day of the data."""
        return self.trading_days[0]

    @property
    def last_day(self) -> str:
        """The last trading day of the data (a newest open-only day is not one)."""
        return self.trading_days[-1]

    def bar(self, symbol: str, day: str) -> Bar | None:
        """The bar of symbol on day, or None."""
        return self._bars.get(symbol, {}).get(day)

    def open(self, symbol: str, day: str) -> float | None:
        """The open of symbol on day, or None when there is none."""
        bar = self.bar(symbol, day)
        return bar.open if bar else None

    def close(self, symbol: str, day: str) -> float | None:
        """The close of symbol on day, or None when there is none."""
        bar = self.bar(symbol, day)
        return bar.close if bar else None

    def close_on_or_before(self, symbol: str, day: str) -> float | None:
        """The latest close of symbol on or before day (valuation of a held symbol)."""
        days, closes = self._closes.get(symbol, ([], []))
        index = bisect.bisect_right(days, day)
        return closes[index - 1] if index else None

    def is_trading_day(self, day: str) -> bool:
        """Whether day is a trading day of the data."""
        index = bisect.bisect_left(self.trading_days, day)
        return index < len(self.trading_days) and self.trading_days[index] == day

    def previous_trading_day(self, day: str) -> str | None:
        """The last trading day strictly before day."""
        index = bisect.bisect_left(self.trading_days, day)
        return self.trading_days[index - 1] if index else None

    def next_trading_day(self, day: str) -> str | None:
        """The first trading day strictly after day."""
        index = bisect.bisect_right(self.trading_days, day)
        return self.trading_days[index] if index < len(self.trading_days) else None

    def trading_days_between(self, start: str, end: str) -> list[str]:
        """Bars from start to end, both included (a day includes each of its bars)."""
        low = bisect.bisect_left(self.trading_days, start)
        high = bisect.bisect_right(self.trading_days, through(end))
        return list(self.trading_days[low:high])

    def covers(self, key: str) -> bool:
        """Whether a day or a bar is inside the data's range (a day: any of its bars)."""
        if is_day(key):
            return day_of(self.first_day) <= key <= day_of(self.last_day)
        return self.first_day <= key <= self.last_day

    def last_bar_through(self, key: str) -> str | None:
        """The last bar on or before key (a day: its last bar, or an earlier day's)."""
        index = bisect.bisect_right(self.trading_days, through(key))
        return self.trading_days[index - 1] if index else None

    def summary(self) -> dict[str, Any]:
        """The file (its name only), range and size of the data, as answers show them."""
        return {
            "source": self.source.rsplit("/", 1)[-1],
            "first_day": self.first_day,
            "last_day": self.last_day,
            "trading_days": len(self.trading_days),
            "symbols": len(self.symbols),
        }

    def with_series(self, other: PriceData, closing_bar: str | None = None) -> PriceData:
        """These prices and the series of other (a benchmark's file), which stay out of the
        universe and the calendar; a symbol of both keeps this data's bars. With closing_bar
        (a time), other's daily bars are keyed at that bar of their day, so that an intraday
        bar sees a day's close only from the bar that closes the day on."""
        series = other._bars
        if closing_bar is not None:
            series = {
                symbol: {_at(day, closing_bar): bar for day, bar in days.items()}
                for symbol, days in series.items()
            }
        bars = {**series, **self._bars}
        return PriceData(bars, f"{self.source} + {other.source}", self.symbols)


def _at(key: str, time: str) -> str:
    return f"{key} {time}" if is_day(key) else key


def _number(fields: dict[str, Any], names: tuple[str, ...]) -> float | None:
    for name in names:
        if name in fields:
            try:
                value = float(fields[name])
            except (TypeError, ValueError):
                return None
            # Zero or negative prices are data errors; treat them as missing, never as 0.
            return value if math.isfinite(value) and value > 0 else None
    return None


def _bar(fields: dict[str, Any]) -> Bar:
    values = {name: _number(fields, keys) for name, keys in FIELD_KEYS.items()}
    return Bar(**values)


def _trading_days(bars: dict[str, dict[str, Bar]]) -> tuple[str, ...]:
    complete: dict[str, int] = {}
    for days in bars.values():
        for day, bar in days.items():
            if bar.open is not None and bar.close is not None:
                complete[day] = complete.get(day, 0) + 1
    needed = len(bars) / 2
    return tuple(sorted(day for day, count in complete.items() if count >= needed))


def _close_series(days: dict[str, Bar]) -> tuple[list[str], list[float]]:
    pairs = sorted((day, bar.close) for day, bar in days.items() if bar.close is not None)
    return [day for day, _ in pairs], [close for _, close in pairs]


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _symbol_of(record: Any) -> str:
    meta = record.get("Meta Data") if isinstance(record, dict) else None
    symbol = meta.get("2. Symbol") if isinstance(meta, dict) else None
    if not isinstance(symbol, str) or not symbol.strip():
        raise ValueError('no "Meta Data" / "2. Symbol"')
    return symbol.strip().upper()


def _series(record: dict[str, Any]) -> dict[str, Any]:
    """The bars of a record: "Time Series (Daily)", "Time Series (60min)" and the like."""
    found = [value for key, value in record.items() if key.startswith(SERIES_PREFIX)]
    if len(found) != 1 or not isinstance(found[0], dict):
        raise ValueError(f'no "{SERIES_KEY}" (or other single "{SERIES_PREFIX}…)") object')
    return found[0]


def _parse_line(text: str) -> tuple[str, dict[str, Bar]]:
    record = json.loads(text)
    symbol = _symbol_of(record)
    series = _series(record)
    bars: dict[str, Bar] = {}
    for day, fields in series.items():
        if not isinstance(fields, dict):
            raise ValueError(f"bar of {day} is not an object")
        bars[bar_key(day)] = _bar(fields)
    return symbol, bars


def _records(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each record: a line, or the whole of a document."""
    every = list(lines)
    numbered = [(number, text) for number, text in enumerate(every, start=1) if text.strip()]
    if numbered and numbered[0][1].strip() == "{":
        yield numbered[0][0], "".join(every[numbered[0][0] - 1 :]).strip()
        return
    # Without its line end, a record cut short is an error on its own line, not the next.
    yield from ((number, text.strip()) for number, text in numbered)


def parse_lines(lines: Iterable[str], source: str) -> PriceData:
    """Parse merged.jsonl lines (or one JSON document); a bad record raises PriceDataError
    naming source and line."""
    bars: dict[str, dict[str, Bar]] = {}
    for number, text in _records(lines):
        try:
            symbol, symbol_bars = _parse_line(text)
        except json.JSONDecodeError as error:
            line = number + error.lineno - 1
            raise PriceDataError(f"{source}, line {line}: {error.msg}") from None
        except ValueError as error:
            raise PriceDataError(f"{source}, line {number}: {error}") from None
        bars.setdefault(symbol, {}).update(symbol_bars)
    if not bars:
        raise PriceDataError(f"{source}: no price data")
    data = PriceData(bars, source)
    if not data.trading_days:
        raise PriceDataError(f"{source}: no day has complete bars for half of the symbols")
    return data


def _read(path: Path) -> PriceData:
    try:
        with _open_text(path) as handle:
            return parse_lines(_lines(handle), str(path))
    except OSError as error:
        raise PriceDataError(f"{path}: cannot read price data: {error.strerror}") from None


def _lines(handle: IO[str]) -> Iterator[str]:
    try:
        yield from handle
    except (EOFError, gzip.BadGzipFile, UnicodeDecodeError) as error:
        raise PriceDataError(f"{handle.name}: corrupt file: {error}") from None


load_prices = cached_by_version(
    _read, lambda path: PriceDataError(f"{path}: price data file not found")
)
"""Load price data once per file version; prices are immutable, so every caller shares it."""
