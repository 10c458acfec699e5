"""The installed plugin, found through its entry point, trading the service's bundled prices."""

from __future__ import annotations

from service.market.asof import AsOfView
from service.market.catalog import NASDAQ100
from service.market.prices import load_prices
from service.portfolio.engine import Holdings, OrderBook
from service.settings import DEFAULT_PRICE_DATA
from service.strategies import STRATEGIES, StrategyContext, build_strategy, check_strategy


def losers(view: AsOfView, lookback: int) -> list[str]:
    """The symbols by their return over the last lookback steps, the worst first."""

    def trailing(symbol: str) -> float:
        closes = view.closes_before(symbol, lookback + 1)
        return closes[-1] / closes[0] - 1

    return sorted(view.symbols, key=trailing)


def test_registered_through_its_entry_point() -> None:
    assert "contrarian" in STRATEGIES
    assert check_strategy("contrarian", {"lookback": 10, "top_k": 3}) is None
    assert "unknown parameter 'window'" in (check_strategy("contrarian", {"window": 3}) or "")


def test_holds_the_recent_losers_of_the_bundled_prices() -> None:
    prices = load_prices(DEFAULT_PRICE_DATA)
    strategy = build_strategy("contrarian", {"lookback": 5, "top_k": 3, "rebalance_days": 5})
    holdings, held = Holdings(10_000.0), []
    for number, day in enumerate(prices.trading_days[6:26], start=1):
        view = AsOfView(prices, day, NASDAQ100)
        context = StrategyContext("contrarian-test", OrderBook(view, holdings), number)
        strategy.trade(context)
        if number % 5 != 1:
            assert not context.book.fills, day
        elif number == 1:
            assert set(context.book.state.shares) == set(losers(view, 5)[:3])
        holdings = context.book.state
        held.append(set(holdings.shares))
    assert all(len(symbols) == 3 for symbols in held)
    assert held[0] != held[-1]
