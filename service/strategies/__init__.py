"""Built-in strategies (provider `builtin`): rule-based models that trade like an LLM would.

A strategy trades once a step: each trading day on a daily market, each bar on an intraday one.
Its parameters count steps, so on an intraday market their days are bars (six bars are a day of
nasdaq100_hourly, four of sse50_hourly): momentum's lookback of 20 is 20 bars there.

Other packages add strategies through the entry point group `ai_trader.strategies`
(service.strategies.plugins has the contract); they are looked up once, when the registry is
first read, and appear beside ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib.metadata import EntryPoint
from typing import Any

from service.strategies.base import Strategy, StrategyContext
from service.strategies.buy_and_hold import BuyAndHold, BuyAndHoldParams
from service.strategies.equal_weight import EqualWeight, EqualWeightParams
from service.strategies.momentum import Momentum, MomentumParams
from service.strategies.plugins import Factory, discover, installed_entry_points, strategy_factory
from service.strategies.random_orders import RandomOrders, RandomParams

__all__ = [
    "STRATEGIES",
    "Strategy",
    "StrategyContext",
    "StrategyRegistry",
    "build_strategy",
    "check_strategy",
]

BUILT_INS: dict[str, Factory] = {
    "buy_and_hold": strategy_factory(BuyAndHold, BuyAndHoldParams),
    "equal_weight": strategy_factory(EqualWeight, EqualWeightParams),
    "momentum": strategy_factory(Momentum, MomentumParams),
    "random": strategy_factory(RandomOrders, RandomParams),
}


class StrategyRegistry(Mapping[str, Factory]):
    """Strategy name -> factory(params): the built-ins, then the plugins found on first read."""

    def __init__(
        self,
        built_ins: Mapping[str, Factory],
        find: Callable[[], Iterable[EntryPoint]] = installed_entry_points,
    ) -> None:
        self._built_ins = dict(built_ins)
        self._find = find
        self._all: dict[str, Factory] | None = None

    def _loaded(self) -> dict[str, Factory]:
        if self._all is None:
            self._all = {**self._built_ins, **discover(self._find(), self._built_ins)}
        return self._all

    def __getitem__(self, name: str) -> Factory:
        return self._loaded()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


STRATEGIES = StrategyRegistry(BUILT_INS)


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
