"""Built-in strategies under other markets' rules: lots of 100 with T+1, and 0.0001 coins."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from service.market.asof import AsOfView
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings, OrderBook
from service.strategies import STRATEGIES, StrategyContext, build_strategy
from service.strategies.base import sale_quantity
from service.strategies.random_orders import BAD_AMOUNTS as RANDOM_BAD_AMOUNTS
from tests.unit.market_shapes import COINS, LOTS_T1
from tests.unit.strategies.test_strategies import DAYS, PRICES, REGISTRATION, SMALL_PARAMS, Day

pytestmark = pytest.mark.unit

MARKETS = {"lots and T+1": (LOTS_T1, 100_000.0), "decimals": (COINS, 50_000.0)}
# The random strategy's amounts meant to be refused; every other amount it sends is on the step.
BAD_AMOUNTS = {str(amount) for amount in RANDOM_BAD_AMOUNTS}


def run(
    rules: MarketRules,
    cash: float,
    name: str,
    params: dict[str, Any],
    days: int = 20,
    start: dict[str, float] | None = None,
) -> list[Day]:
    """Run a strategy from registration under rules, each day from the previous day's state."""
    strategy, holdings, result = build_strategy(name, params), Holdings(cash, start or {}), []
    for number, day in enumerate(DAYS[REGISTRATION + 1 : REGISTRATION + 1 + days], start=1):
        book = OrderBook(AsOfView(PRICES, day, rules), holdings)
        context = StrategyContext("s", book, number)
        strategy.trade(context)
        holdings = book.state
        result.append(Day(book.fills, context.rejections, holdings.copy()))
    return result


def on_the_rules(rules: MarketRules, amount: float) -> bool:
    """Whether amount is a quantity the rule allows."""
    return rules.floor_quantity(amount) == amount and amount > 0


@pytest.mark.parametrize("name", sorted(STRATEGIES))
@pytest.mark.parametrize("market", MARKETS)
@pytest.mark.parametrize("small", [False, True], ids=["defaults", "small params"])
def test_strategies_trade_within_the_rules(market: str, name: str, small: bool) -> None:
    rules, cash = MARKETS[market]
    days = run(rules, cash, name, SMALL_PARAMS[name] if small else {})
    fills = [fill for day in days for fill in day.fills]
    assert fills, "the strategy trades"
    for fill in fills:
        assert on_the_rules(rules, fill.amount), fill
        assert fill.cash_after >= 0
        assert all(quantity > 0 for quantity in fill.holdings_after.values())
    rejections = [reason for day in days for reason in day.rejections]
    if name == "random":
        # "buy 2.5 AAA: amount must be ...": only its bad amounts break the quantity rule.
        for reason in rejections:
            assert "amount must be" not in reason or reason.split()[1] in BAD_AMOUNTS, reason
        assert any("amount must be" in reason for reason in rejections)
    else:
        assert rejections == []


def test_rebalancing_sells_an_odd_lot_whole_and_buys_in_lots() -> None:
    # Momentum holds two symbols; the odd 37 BBB (not among them) are sold in one order.
    days = run(LOTS_T1, 100_000.0, "momentum", SMALL_PARAMS["momentum"], days=1, start={"BBB": 37})
    (day,) = days
    assert day.rejections == []
    assert ("sell", "BBB", 37) in [(f.action_type, f.symbol, f.amount) for f in day.fills]
    assert set(day.state.shares) == {"HHH", "CCC"}
    assert all(quantity % 100 == 0 for quantity in day.state.shares.values())


def test_sale_quantity_is_the_whole_settled_holding_or_settled_lots() -> None:
    book = OrderBook(AsOfView(PRICES, DAYS[10], LOTS_T1), Holdings(100_000.0, {"AAA": 250}))
    assert sale_quantity(book, "AAA", 250) == 250  # all of it, an odd lot included
    assert sale_quantity(book, "AAA", 120) == 100
    book.buy("AAA", 100)  # 350 held, 250 of them sellable today
    assert sale_quantity(book, "AAA", 350) == 200  # the 250 are not the whole holding: lots
    assert sale_quantity(book, "AAA", 50) == 0
    coins = OrderBook(AsOfView(PRICES, DAYS[10], COINS), Holdings(0.0, {"AAA": 0.123456}))
    assert sale_quantity(coins, "AAA", 0.123456) == 0.123456
    assert sale_quantity(coins, "AAA", 0.05) == 0.05
    assert sale_quantity(coins, "AAA", 0.00005) == 0


@pytest.mark.parametrize(
    ("watchlist", "bought"),
    [(("AAA", "HHH"), {"AAA", "HHH"}), ((), set(PRICES.symbols))],
    ids=["watchlist", "universe"],
)
def test_buy_and_hold_without_a_tradable_benchmark(
    watchlist: tuple[str, ...], bought: set[str]
) -> None:
    rules = replace(COINS, benchmark="NOT-IN-THE-DATA", watchlist=watchlist)
    (day,) = run(rules, 50_000.0, "buy_and_hold", {}, days=1)
    assert set(day.state.shares) == bought and day.rejections == []
    assert day.state.cash < 1.0  # the cash is spent, to the last step
