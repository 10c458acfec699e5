"""Strategies from other packages: the entry point group `ai_trader.strategies`.

The contract: each entry point's name is the strategy's name (lower case letters, digits and
underscores, at most 64), and its object is a strategy class with

- `Params`: a dataclass whose fields all have defaults, each a positive int or a tuple of
  tickers (given as a list of strings in the models config), as our own strategies' params;
- `__init__(self, params: Params)` and `trade(self, context: StrategyContext) -> None`.

The strategy is built as ours are: `kind(parse_params(kind.Params, params))`. A plugin that
cannot be loaded, breaks the contract or takes a name already taken is skipped with a warning
naming it, so that a bad plugin never stops the service; the built-ins win every clash.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import logging
import re
from collections.abc import Callable, Collection, Iterable
from typing import Any

from service.strategies.base import Strategy, parse_params

GROUP = "ai_trader.strategies"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

Factory = Callable[[dict[str, Any]], Strategy]

log = logging.getLogger(__name__)


def strategy_factory(kind: Any, params_type: type[Any]) -> Factory:
    """A factory building kind from a params dict checked against the params dataclass."""
    return lambda params: kind(parse_params(params_type, params))


def installed_entry_points() -> Iterable[importlib.metadata.EntryPoint]:
    """The entry points of the group in the installed distributions."""
    return importlib.metadata.entry_points(group=GROUP)


def discover(
    entry_points: Iterable[importlib.metadata.EntryPoint], taken: Collection[str]
) -> dict[str, Factory]:
    """The factories of the usable plugins whose names are not taken, by name."""
    found: dict[str, Factory] = {}
    for entry_point in entry_points:
        problem = _name_problem(entry_point.name, [*taken, *found])
        if problem:
            _skip(entry_point, problem)
            continue
        factory = _loaded(entry_point)
        if factory is not None:
            found[entry_point.name] = factory
    return found


def _name_problem(name: str, taken: Collection[str]) -> str | None:
    """Why a plugin cannot take this name, or None."""
    if not NAME_PATTERN.match(name):
        return f"its name must match {NAME_PATTERN.pattern}"
    if name in taken:
        return "a strategy of that name exists (built-ins and earlier plugins win)"
    return None


def _loaded(entry_point: importlib.metadata.EntryPoint) -> Factory | None:
    """The plugin's factory, or None (logged) when it cannot be imported or breaks the contract."""
    try:
        kind = entry_point.load()
        problem = contract_problem(kind)
    except Exception as error:  # a plugin's import may raise anything; none may stop the service
        problem = f"cannot be loaded: {type(error).__name__}: {error}"
    if problem:
        _skip(entry_point, problem)
        return None
    return strategy_factory(kind, kind.Params)


def contract_problem(kind: object) -> str | None:
    """How an entry point's object breaks the contract, or None when it keeps it."""
    params = getattr(kind, "Params", None)
    if not isinstance(kind, type):
        return f"{kind!r} is not a class"
    if not (isinstance(params, type) and dataclasses.is_dataclass(params)):
        return f"{kind.__name__}.Params is not a dataclass"
    if not callable(getattr(kind, "trade", None)):
        return f"{kind.__name__} has no trade(context) method"
    try:
        kind(parse_params(params, {}))
    except Exception as error:  # the defaults must build, whatever the plugin raises
        return f"{kind.__name__} cannot be built with its default params: {error}"
    return None


def _skip(entry_point: importlib.metadata.EntryPoint, problem: str) -> None:
    """Warn that a plugin is skipped, naming it, its target and its distribution."""
    dist = entry_point.dist
    origin = f"{entry_point.value} from {dist.name}" if dist is not None else entry_point.value
    log.warning("strategy plugin %r (%s) skipped: %s", entry_point.name, origin, problem)
