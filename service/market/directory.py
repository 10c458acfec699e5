"""Where each market's data is and which rules it trades under: bundled defaults, overridable.

A deployment may point a market at other files or change its rules in one JSON file
(MARKETS_CONFIG), e.g. {"sse50": {"price_file": "sse50.jsonl", "rules": {"initial_cash": 1e6}}};
relative paths are read from the file's folder. PRICE_DATA stays the NASDAQ-100 price file.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, validate
from marshmallow import fields as ma

from service.market.catalog import BUNDLED_FILES, DEFAULT_MARKET, MARKETS
from service.market.prices import PriceData, load_prices
from service.market.rules import MarketRules
from service.settings import DEFAULTS_DIR, Settings


class MarketsConfigError(ValueError):
    """A markets config that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class MarketSource:
    """One market: its rules, its price file and, when the benchmark is not in it, its file."""

    rules: MarketRules
    price_file: str
    benchmark_file: str | None = None
    loaded: PriceData | None = field(default=None, compare=False, repr=False)

    @property
    def files(self) -> tuple[str, ...]:
        """The files the market's answers are made from."""
        return (self.price_file,) + ((self.benchmark_file,) if self.benchmark_file else ())

    def prices(self) -> PriceData:
        """The market's bars with its benchmark's (loaded once per file version)."""
        if self.loaded is not None:
            return self.loaded
        prices = load_prices(self.price_file)
        if self.benchmark_file is None:
            return prices
        benchmark = load_prices(self.benchmark_file)
        return _with_benchmark(prices, benchmark, self.rules.closing_bar)


@functools.lru_cache(maxsize=32)
def _with_benchmark(prices: PriceData, benchmark: PriceData, closing_bar: str | None) -> PriceData:
    # Loaded PriceData never change (a new file version is a new object): one merge each.
    return prices.with_series(benchmark, closing_bar)


class Markets:
    """The markets of a deployment, by name, in the catalog's order."""

    def __init__(self, sources: Mapping[str, MarketSource]) -> None:
        self._sources = dict(sources)

    def __iter__(self) -> Iterator[MarketSource]:
        return iter(self._sources.values())

    def __contains__(self, name: object) -> bool:
        return name in self._sources

    @property
    def names(self) -> tuple[str, ...]:
        """The markets' names."""
        return tuple(self._sources)

    def source(self, name: str) -> MarketSource:
        """The market called name; KeyError names the known ones."""
        try:
            return self._sources[name]
        except KeyError:
            raise KeyError(f"unknown market {name!r}; known: {', '.join(self.names)}") from None

    def rules(self, name: str) -> MarketRules:
        """The rules of the market called name."""
        return self.source(name).rules

    def prices(self, name: str) -> PriceData:
        """The price data of the market called name."""
        return self.source(name).prices()

    def input_files(self) -> tuple[str, ...]:
        """Every data file of every market."""
        return tuple(path for source in self for path in source.files)

    @classmethod
    def of(cls, *markets: tuple[MarketRules, PriceData]) -> Markets:
        """Markets over price data already in memory (generated data, tests)."""
        return cls(
            {
                rules.name: MarketSource(rules, prices.source, loaded=prices)
                for rules, prices in markets
            }
        )


def bundled_source(rules: MarketRules) -> MarketSource:
    """A catalog market on the data files bundled with the service."""
    price_name, benchmark_name = BUNDLED_FILES[rules.name]
    benchmark = str(DEFAULTS_DIR / benchmark_name) if benchmark_name else None
    return MarketSource(rules, str(DEFAULTS_DIR / price_name), benchmark)


class _RulesSchema(Schema):
    class Meta:
        unknown = RAISE

    label = ma.String(validate=validate.Length(1, 60))
    currency = ma.String(validate=validate.Length(1, 12))
    initial_cash = ma.Float(validate=validate.Range(min=1))
    benchmark = ma.String(validate=validate.Length(1, 40))
    trading_days_per_year = ma.Integer(validate=validate.Range(1, 366))
    watchlist = ma.List(ma.String())
    unit = ma.String(validate=validate.Length(1, 20))
    quantity_decimals = ma.Integer(validate=validate.Range(0, 8))
    lot_size = ma.Integer(validate=validate.Range(1, 1_000_000))
    settlement_days = ma.Integer(validate=validate.Range(0, 10))
    every_day = ma.Boolean()


class _MarketEntrySchema(Schema):
    class Meta:
        unknown = RAISE

    price_file = ma.String(validate=validate.Length(min=1))
    benchmark_file = ma.String(allow_none=True, validate=validate.Length(min=1))
    rules = ma.Nested(_RulesSchema)


def _override(source: MarketSource, entry: dict[str, Any], folder: Path) -> MarketSource:
    changes: dict[str, Any] = {
        name: str(folder / entry[name]) if entry[name] is not None else None
        for name in ("price_file", "benchmark_file")
        if name in entry
    }
    rules = entry.get("rules", {})
    if "watchlist" in rules:
        rules = {**rules, "watchlist": tuple(rules["watchlist"])}
    return replace(source, rules=replace(source.rules, **rules), **changes)


def _read_config(path: Path) -> dict[str, dict[str, Any]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MarketsConfigError(f"{path}: cannot read: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise MarketsConfigError(f"{path}, line {error.lineno}: {error.msg}") from None
    if not isinstance(raw, dict):
        raise MarketsConfigError(f"{path}: expected an object of markets by name")
    unknown = sorted(set(raw) - set(MARKETS))
    if unknown:
        known = ", ".join(MARKETS)
        raise MarketsConfigError(f"{path}: unknown market {unknown[0]!r}; known: {known}")
    try:
        return {name: _MarketEntrySchema().load(entry) for name, entry in raw.items()}
    except ValidationError as error:
        raise MarketsConfigError(f"{path}: {error.messages}") from None


def markets_from(settings: Settings) -> Markets:
    """The catalog's markets on the bundled data, with the settings' files and overrides."""
    sources = {name: bundled_source(rules) for name, rules in MARKETS.items()}
    sources[DEFAULT_MARKET] = replace(sources[DEFAULT_MARKET], price_file=settings.price_data)
    if settings.markets_config:
        path = Path(settings.markets_config)
        for name, entry in _read_config(path).items():
            sources[name] = _override(sources[name], entry, path.parent)
    return Markets(sources)
