"""Built-in strategies on the hourly markets' bundled bars: they keep the rules (lots of 100 and
T+1 across the bars of a day on sse50_hourly) and their parameters count bars."""

from __future__ import annotations

from typing import Any

import pytest

from service.market.asof import AsOfView
from service.market.calendar import day_of
from service.market.catalog import NASDAQ100_HOURLY, SSE50_HOURLY
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings, OrderBook
from service.strategies import STRATEGIES, StrategyContext, build_strategy
from service.strategies.random_orders import BAD_AMOUNTS as RANDOM_BAD_AMOUNTS
from tests.unit.hourly import bundled_prices, rule_breaks, run_bars

pytestmark = pytest.mark.unit

MARKETS = {rules.name: rules for rules in (NASDAQ100_HOURLY, SSE50_HOURLY)}
DAYS = 8  # enough bars for the defaults' 20-bar windows on either market
SMALL_PARAMS: dict[str, dict[str, Any]] = {
    "buy_and_hold": {},
    "equal_weight": {"top_n": 3, "rebalance_days": 6},
    "momentum": {"lookback": 6, "top_k": 2, "rebalance_days": 3},
    "random": {"seed": 7, "max_orders": 8},
}
BAD_AMOUNTS = {str(amount) for amount in RANDOM_BAD_AMOUNTS}


def first_bars(prices: PriceData, days: int) -> list[str]:
    """The bars of the data's first days."""
    kept = sorted({day_of(bar) for bar in prices.trading_days})[:days]
    return [bar for bar in prices.trading_days if day_of(bar) in kept]


def run(
    rules: MarketRules, name: str, params: dict[str, Any], start: Holdings | None = None
) -> tuple[list[OrderBook], list[str]]:
    """The strategy's books over the first DAYS days' bars, and the orders it had refused."""
    prices, strategy, rejections = bundled_prices(rules), build_strategy(name, params), []

    def trade(book: OrderBook, number: int) -> None:
        context = StrategyContext("s", book, number)
        strategy.trade(context)
        rejections.extend(context.rejections)

    holdings = start or Holdings(rules.initial_cash)
    return run_bars(prices, rules, first_bars(prices, DAYS), holdings, trade), rejections


@pytest.mark.parametrize("name", sorted(STRATEGIES))
@pytest.mark.parametrize("market", MARKETS)
@pytest.mark.parametrize("small", [False, True], ids=["defaults", "small params"])
def test_strategies_keep_the_rules_on_the_bundled_bars(market: str, name: str, small: bool) -> None:
    rules = MARKETS[market]
    books, rejections = run(rules, name, SMALL_PARAMS[name] if small else {})
    assert any(book.fills for book in books), "the strategy trades"
    assert rule_breaks(rules, books) == []
    if name == "random":
        # Only its bad amounts break the quantity rule; T+1 and the cash refuse some others.
        for reason in rejections:
            assert "amount must be" not in reason or reason.split()[1] in BAD_AMOUNTS, reason
    else:
        assert rejections == []


def test_an_odd_lot_is_sold_whole_and_nothing_bought_today_is_sold_today() -> None:
    # Momentum holds two symbols from its seventh bar on: the odd 150 of 600028.SH go at once,
    # and each rebalance sells only what earlier days bought.
    books, rejections = run(
        SSE50_HOURLY, "momentum", SMALL_PARAMS["momentum"], Holdings(100_000.0, {"600028.SH": 150})
    )
    assert rejections == [] and rule_breaks(SSE50_HOURLY, books) == []
    sells = [
        (book.view.day, fill) for book in books for fill in book.fills if fill.action_type == "sell"
    ]
    assert ("600028.SH", 150) in [(fill.symbol, fill.amount) for _, fill in sells]
    assert len({day_of(bar) for bar, _ in sells}) > 1


def fill_steps(books: list[OrderBook]) -> list[int]:
    """The step numbers (1 for the first bar) on which something was filled."""
    return [number for number, book in enumerate(books, start=1) if book.fills]


def test_momentum_counts_its_lookback_and_rebalance_in_bars() -> None:
    # A 5-bar return needs 6 closes: the seventh bar, the second day's first, has them (not the
    # seventh day); rebalancing every 6 bars is once a day, in the day's 10:00 bar.
    books, _ = run(NASDAQ100_HOURLY, "momentum", {"lookback": 5, "top_k": 2, "rebalance_days": 6})
    steps = fill_steps(books)
    assert steps[0] == 7 and all((step - 1) % 6 == 0 for step in steps) and len(steps) > 2
    assert {books[step - 1].view.day[11:] for step in steps} == {"10:00:00"}


def test_equal_weight_rebalances_every_n_bars() -> None:
    books, _ = run(SSE50_HOURLY, "equal_weight", {"top_n": 3, "rebalance_days": 4})
    steps = fill_steps(books)
    assert steps[0] == 1 and len(steps) > 1
    assert all((step - 1) % 4 == 0 for step in steps)  # the day's first bar, 10:30


def test_the_check_sees_a_sale_of_what_an_earlier_bar_bought() -> None:
    # Without what the 10:30 bar bought, the 11:30 book would let it be sold: the check says so.
    prices = bundled_prices(SSE50_HOURLY)
    first, second = prices.trading_days[:2]
    morning = OrderBook(AsOfView(prices, first, SSE50_HOURLY), Holdings(100_000.0))
    morning.buy("600028.SH", 100)
    later = OrderBook(AsOfView(prices, second, SSE50_HOURLY), morning.state)
    later.sell("600028.SH", 100)
    assert rule_breaks(SSE50_HOURLY, [morning, later]) == [
        f"{second} sell 100 600028.SH: sells what was bought today (T+1)"
    ]
