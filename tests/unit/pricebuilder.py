"""Builds PriceData for tests from a table of (open, close[, volume]) per symbol and day."""

from __future__ import annotations

import json
from collections.abc import Mapping

from service.market.prices import PriceData, parse_lines

# (open, close) or (open, close, volume); None leaves the field out of the bar.
Quote = tuple[float | None, ...]
Table = Mapping[str, Mapping[str, Quote]]
AI_TRADER_KEYS = ("1. buy price", "4. sell price", "5. volume")
ALPHA_VANTAGE_KEYS = ("1. open", "4. close", "5. volume")


def price_line(
    symbol: str, days: Mapping[str, Quote], keys: tuple[str, ...] = AI_TRADER_KEYS
) -> str:
    """One merged.jsonl line, numbers written as strings like AI-Trader's files."""
    series = {
        day: {
            key: f"{value:.4f}"
            for key, value in zip(keys, quote, strict=False)
            if value is not None
        }
        for day, quote in days.items()
    }
    return json.dumps({"Meta Data": {"2. Symbol": symbol}, "Time Series (Daily)": series})


def price_lines(table: Table, keys: tuple[str, ...] = AI_TRADER_KEYS) -> list[str]:
    """One line per symbol of the table."""
    return [price_line(symbol, days, keys) for symbol, days in table.items()]


def build_prices(
    table: Table, keys: tuple[str, ...] = AI_TRADER_KEYS, source: str = "test.jsonl"
) -> PriceData:
    """PriceData parsed from the table's lines, exactly as a file would be."""
    return parse_lines(price_lines(table, keys), source)
