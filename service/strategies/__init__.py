"""Built-in strategies (provider `builtin`): rule-based models that trade like an LLM would.

A strategy trades once a step: each trading day on a daily market, each bar on an intraday one.
Its parameters count steps, so on an intraday market their days are bars (six bars are a day of
nasdaq100_hourly, four of sse50_hourly): momentum's lookback of 20 is 20 bars there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from service.strategies.base import Strategy, StrategyContext, parse_params
from service.strategies.buy_and_hold import BuyAndHold, BuyAndHoldParams
from service.strategies.equal_weight import EqualWeight, EqualWeightParams
from service.strategies.momentum import Momentum, MomentumParams
from service.strategies.random_orders import RandomOrders, RandomParams

__all__ = ["STRATEGIES", "Strategy", "StrategyContext", "build_strategy", "check_strategy"]


def _factory(kind: Any, params_type: type[Any]) -> Callable[[dict[str, Any]], Strategy]:
    return lambda params: kind(parse_params(params_type, params))


STRATEGIES: dict[str, Callable[[dict[str, Any]], Strategy]] = {
    "buy_and_hold": _factory(BuyAndHold, BuyAndHoldParams),
    "equal_weight": _factory(EqualWeight, EqualWeightParams),
    "momentum": _factory(Momentum, MomentumParams),
    "random": _factory(RandomOrders, RandomParams),
}


def build_strategy(name: str, params: dict[str, Any]) -> Strategy:
    """The strategy called name with its params (defaults for the ones not given)."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}")
    return STRATEGIES[name](params)


def check_strategy(name: str, params: dict[str, Any]) -> str | None:
    """Why this strategy and params cannot be used, or None when they can."""
    try:
        build_strategy(name, params)
    except ValueError as error:
        return str(error)
    return None
