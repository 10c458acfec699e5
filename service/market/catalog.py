"""The markets the service knows, by name; every timeline belongs to one (default nasdaq100)."""

from __future__ import annotations

from service.market.rules import MarketRules

NASDAQ100 = MarketRules(
    name="nasdaq100",
    label="NASDAQ-100",
    currency="USD",
    initial_cash=10000.0,
    benchmark="QQQ",
    trading_days_per_year=252,
    watchlist=("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "AVGO", "TSLA", "COST", "NFLX"),
)
MARKETS: dict[str, MarketRules] = {rules.name: rules for rules in (NASDAQ100,)}
DEFAULT_MARKET = NASDAQ100.name


def market_rules(name: str) -> MarketRules:
    """The rules of the market called name; KeyError names the known ones."""
    try:
        return MARKETS[name]
    except KeyError:
        raise KeyError(f"unknown market {name!r}; known: {', '.join(MARKETS)}") from None
