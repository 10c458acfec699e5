"""Markets over price data built or loaded by a test."""

from __future__ import annotations

from service.market.catalog import NASDAQ100
from service.market.directory import Markets
from service.market.prices import PriceData
from service.market.rules import MarketRules


def nasdaq(prices: PriceData, rules: MarketRules = NASDAQ100) -> Markets:
    """The nasdaq100 market (or rules of another) on prices."""
    return Markets.of((rules, prices))
