"""Built-in strategies on a synthetic market whose leaders change half-way through."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple

import pytest

from service.market.asof import AsOfView
from service.market.catalog import NASDAQ100
from service.portfolio.engine import Fill, Holdings, OrderBook
from service.strategies import STRATEGIES, Strategy, StrategyContext, build_strategy, check_strategy
from tests.unit.pricebuilder import Quote, build_prices

pytestmark = pytest.mark.unit

# Daily returns before and after the flip; after it the order of the symbols is reversed.
RATES = {
    **{"AAA": 0.010, "BBB": -0.005, "CCC": 0.020, "DDD": 0.000, "EEE": 0.015},
    **{"FFF": -0.010, "GGG": 0.005, "HHH": 0.030, "QQQ": 0.002},
}
FLIP = 15  # index of the first day of the second phase
REGISTRATION = 5  # index of the registration day: day 1 has six closes of history
DAYS = [
    day.isoformat()
    for day in (date(2025, 9, 1) + timedelta(days=offset) for offset in range(42))
    if day.weekday() < 5
][:30]


def quotes(rank: int, rate: float) -> dict[str, Quote]:
    """Opens at the previous close; the volume ranks by `rank` first, in reverse after the flip."""
    close, series = 100.0, dict[str, Quote]()
    for index, day in enumerate(DAYS):
        growth = rate if index < FLIP else -rate
        volume = 10.0**rank if index < FLIP else 10.0 ** (8 - rank) * 1e3
        series[day] = (close, close * (1 + growth), volume)
        close *= 1 + growth
    return series


PRICES = build_prices({symbol: quotes(rank, RATES[symbol]) for rank, symbol in enumerate(RATES)})


class Day(NamedTuple):
    """What one strategy did on one day."""

    fills: list[Fill]
    rejections: list[str]
    state: Holdings


def run(strategy: Strategy, signature: str = "s", days: int = 20) -> list[Day]:
    """Run the strategy from registration, each day starting from the previous day's state."""
    holdings, result = Holdings(10000.0), []
    trading = DAYS[REGISTRATION + 1 : REGISTRATION + 1 + days]
    for number, day in enumerate(trading, start=1):
        context = StrategyContext(
            signature, OrderBook(AsOfView(PRICES, day, NASDAQ100), holdings), number
        )
        strategy.trade(context)
        holdings = context.book.state
        result.append(Day(context.book.fills, context.rejections, holdings.copy()))
    return result


def trading_day_numbers(days: list[Day]) -> list[int]:
    """The day numbers on which something was filled."""
    return [number for number, day in enumerate(days, start=1) if day.fills]


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_defaults_work(name: str) -> None:
    assert check_strategy(name, {}) is None
    days = run(build_strategy(name, {}))
    assert any(day.fills for day in days)


@pytest.mark.parametrize(
    ("name", "params", "named"),
    [
        ("nope", {}, "nope"),
        ("momentum", {"lookbak": 5}, "lookbak"),
        ("momentum", {"lookback": "20"}, "lookback"),
        ("momentum", {"top_k": 0}, "top_k"),
        ("equal_weight", {"top_n": True}, "top_n"),
        ("equal_weight", {"rebalance_days": 2.5}, "rebalance_days"),
        ("buy_and_hold", {"symbols": "QQQ"}, "symbols"),
        ("buy_and_hold", {"symbols": []}, "symbols"),
        ("buy_and_hold", {"symbols": ["QQQ", 1]}, "symbols"),
        ("random", {"seed": None}, "seed"),
        ("random", {"max_orders": 100_001}, "max_orders"),
    ],
)
def test_bad_strategy_or_params_is_named(name: str, params: dict[str, Any], named: str) -> None:
    problem = check_strategy(name, params)
    assert problem is not None
    assert repr(named) in problem
    with pytest.raises(ValueError, match=repr(named)):
        build_strategy(name, params)


SMALL_PARAMS: dict[str, dict[str, Any]] = {
    "buy_and_hold": {"symbols": ["AAA", "HHH"]},
    "equal_weight": {"top_n": 3, "rebalance_days": 4},
    "momentum": {"lookback": 5, "top_k": 2, "rebalance_days": 5},
    "random": {"seed": 7, "max_orders": 8},
}


@pytest.mark.parametrize("name", sorted(SMALL_PARAMS))
def test_orders_depend_only_on_signature_params_and_data(name: str) -> None:
    strategy = build_strategy(name, SMALL_PARAMS[name])
    first = run(strategy)
    assert run(strategy) == first  # no state kept between runs
    assert run(build_strategy(name, SMALL_PARAMS[name])) == first


def test_random_orders_change_with_the_signature_and_the_seed() -> None:
    params = SMALL_PARAMS["random"]
    first = run(build_strategy("random", params), "a")
    assert run(build_strategy("random", params), "b") != first
    assert run(build_strategy("random", {**params, "seed": 8}), "a") != first


def test_buy_and_hold_buys_qqq_on_day_one_and_never_trades_again() -> None:
    days = run(build_strategy("buy_and_hold", {}))
    shares = int(10000.0 // PRICES.open("QQQ", DAYS[REGISTRATION + 1]))  # type: ignore[operator]
    (fill,) = days[0].fills
    assert (fill.action_type, fill.symbol, fill.amount) == ("buy", "QQQ", shares)
    assert trading_day_numbers(days) == [1]
    assert days[-1].state.shares == {"QQQ": shares}


def test_buy_and_hold_never_buys_while_it_holds_something() -> None:
    book = OrderBook(AsOfView(PRICES, DAYS[10], NASDAQ100), Holdings(10000.0, {"AAA": 1}))
    build_strategy("buy_and_hold", {}).trade(StrategyContext("s", book, 5))
    assert book.fills == []


def test_buy_and_hold_splits_the_cash_equally() -> None:
    days = run(build_strategy("buy_and_hold", {"symbols": [" aaa ", "HHH"]}), days=3)
    first_day = DAYS[REGISTRATION + 1]
    expected = {
        symbol: int(5000.0 // PRICES.open(symbol, first_day))  # type: ignore[operator]
        for symbol in ("AAA", "HHH")
    }
    assert days[0].state.shares == expected
    assert trading_day_numbers(days) == [1]


def test_momentum_holds_the_top_k_and_rebalances_every_k_days() -> None:
    days = run(build_strategy("momentum", SMALL_PARAMS["momentum"]))
    assert set(days[0].state.shares) == {"HHH", "CCC"}  # the best first-phase returns
    assert set(trading_day_numbers(days)) <= {1, 6, 11, 16}
    # Day 16 sees five second-phase returns only, where the former losers lead.
    assert set(days[15].state.shares) == {"FFF", "BBB"}
    assert days[-1].state.shares == days[15].state.shares


def test_momentum_holds_cash_without_enough_history() -> None:
    days = run(build_strategy("momentum", {"lookback": 50}))
    assert trading_day_numbers(days) == []
    assert days[-1].state == Holdings(10000.0, {})


def test_equal_weight_holds_top_n_in_equal_value_and_rebalances_every_n_days() -> None:
    days = run(build_strategy("equal_weight", SMALL_PARAMS["equal_weight"]))
    assert set(days[0].state.shares) == {"QQQ", "HHH", "GGG"}  # the largest dollar volumes
    first_day = DAYS[REGISTRATION + 1]
    opens = {symbol: PRICES.open(symbol, first_day) or 0.0 for symbol in days[0].state.shares}
    values = [quantity * opens[s] for s, quantity in days[0].state.shares.items()]
    assert max(values) - min(values) <= max(opens.values())
    assert days[0].state.cash < sum(opens.values())  # less than one more share of each
    trading = trading_day_numbers(days)
    assert set(trading) <= {1, 5, 9, 13, 17}
    assert 13 in trading
    assert set(days[12].state.shares) == {"AAA", "BBB", "CCC"}


def test_random_makes_rejected_orders_but_never_negative_cash_or_holdings() -> None:
    days = run(build_strategy("random", {"seed": 3, "max_orders": 10}))
    rejections = [reason for day in days for reason in day.rejections]
    fills = [fill for day in days for fill in day.fills]
    assert rejections
    # Every kind of check is exercised: symbols, amounts, cash and holdings.
    for reason in ("unknown symbol", "amount must be", "insufficient cash", "no shorting"):
        assert any(reason in rejection for rejection in rejections), reason
    assert {fill.action_type for fill in fills} == {"buy", "sell"}
    for fill in fills:
        assert fill.cash_after >= 0
        assert all(quantity > 0 for quantity in fill.holdings_after.values())


def test_context_rng_depends_on_signature_day_and_salt() -> None:
    def draw(signature: str, day: str, salt: int) -> float:
        book = OrderBook(AsOfView(PRICES, day, NASDAQ100), Holdings(0.0))
        return StrategyContext(signature, book, 1).rng(salt).random()

    first = draw("a", DAYS[10], 1)
    assert draw("a", DAYS[10], 1) == first
    assert len({first, draw("b", DAYS[10], 1), draw("a", DAYS[11], 1), draw("a", DAYS[10], 2)}) == 4
