"""Discovery of strategy plugins: the contract, and the plugins skipped with a warning."""

from __future__ import annotations

import importlib.metadata
import logging
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.strategies import BUILT_INS, StrategyContext, StrategyRegistry
from service.strategies.plugins import GROUP, discover, installed_entry_points

pytestmark = pytest.mark.unit

HERE = __name__


@dataclass(frozen=True)
class HoldParams:
    """symbols: what to buy on step 1."""

    symbols: tuple[str, ...] = ("AAA",)


class Hold:
    """Buys its symbols once."""

    Params = HoldParams

    def __init__(self, params: HoldParams) -> None:
        self.params = params

    def trade(self, context: StrategyContext) -> None:
        """Buy one of each symbol on step 1."""
        for symbol in self.params.symbols if context.day_number == 1 else ():
            context.order("buy", symbol, 1)


class NoParams:
    """A strategy without its Params."""

    def trade(self, context: StrategyContext) -> None:
        """Nothing."""


class Idle:
    """Params but no trade."""

    Params = HoldParams

    def __init__(self, params: HoldParams) -> None:
        self.params = params


class Unbuildable(Hold):
    """Refuses its own defaults."""

    def __init__(self, params: HoldParams) -> None:
        raise ValueError("no defaults here")


def entry(name: str, target: str) -> importlib.metadata.EntryPoint:
    """An entry point of the group, as an installed distribution would declare it."""
    return importlib.metadata.EntryPoint(name, target, GROUP)


def test_a_plugin_builds_with_its_params_checked() -> None:
    found = discover([entry("hold", f"{HERE}:Hold")], BUILT_INS)

    assert list(found) == ["hold"]
    strategy = found["hold"]({"symbols": ["bbb", "CCC"]})
    assert isinstance(strategy, Hold) and strategy.params == HoldParams(("BBB", "CCC"))
    with pytest.raises(ValueError, match="unknown parameter 'top_k'"):
        found["hold"]({"top_k": 3})


@pytest.mark.parametrize(
    ("name", "target", "problem"),
    [
        ("momentum", f"{HERE}:Hold", "a strategy of that name exists"),
        ("Hold-Me", f"{HERE}:Hold", "its name must match"),
        ("gone", "no_such_plugin_module:Strategy", "cannot be loaded: ModuleNotFoundError"),
        ("typo", f"{HERE}:Hodl", "cannot be loaded: AttributeError"),
        ("bare", f"{HERE}:NoParams", "NoParams.Params is not a dataclass"),
        ("loose", f"{HERE}:Hold.trade", "is not a class"),
        ("idle", f"{HERE}:Idle", "Idle has no trade(context) method"),
        ("stubborn", f"{HERE}:Unbuildable", "cannot be built with its default params"),
    ],
)
def test_an_unusable_plugin_is_skipped_with_a_warning(
    name: str, target: str, problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    plugins = [entry(name, target), entry("hold", f"{HERE}:Hold")]
    with caplog.at_level(logging.WARNING, logger="service.strategies.plugins"):
        found = discover(plugins, BUILT_INS)

    assert list(found) == ["hold"]
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith(f"strategy plugin {name!r} ({target}) skipped: ")
    assert problem in record.getMessage()


def test_a_plugin_raising_on_import_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "exploding_plugin.py").write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    assert discover([entry("boom", "exploding_plugin:Strategy")], BUILT_INS) == {}
    assert "cannot be loaded: RuntimeError: boom" in caplog.text


def test_the_first_of_two_plugins_of_one_name_wins(caplog: pytest.LogCaptureFixture) -> None:
    found = discover([entry("hold", f"{HERE}:Hold"), entry("hold", f"{HERE}:NoParams")], [])

    assert isinstance(found["hold"]({}), Hold)
    assert f"'hold' ({HERE}:NoParams) skipped: a strategy of that name exists" in caplog.text


def test_the_registry_looks_plugins_up_once_on_first_read() -> None:
    lookups: list[int] = []

    def find() -> list[importlib.metadata.EntryPoint]:
        lookups.append(1)
        return [entry("hold", f"{HERE}:Hold"), entry("random", f"{HERE}:Hold")]

    registry = StrategyRegistry(BUILT_INS, find)
    assert lookups == []

    assert list(registry) == [*BUILT_INS, "hold"]
    assert registry["random"] is BUILT_INS["random"]  # built-ins win
    assert "hold" in registry and len(registry) == 5
    assert lookups == [1]


def test_installed_entry_points_are_those_of_the_group(monkeypatch: pytest.MonkeyPatch) -> None:
    groups: list[str] = []

    def entry_points(*, group: str) -> list[importlib.metadata.EntryPoint]:
        groups.append(group)
        return [entry("hold", f"{HERE}:Hold")]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)

    assert [point.name for point in installed_entry_points()] == ["hold"]
    assert groups == ["ai_trader.strategies"]


def test_a_distribution_on_the_path_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    dist_info = tmp_path / "fake_plugins-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Name: fake-plugins\nVersion: 1.0\n", encoding="utf-8")
    (dist_info / "entry_points.txt").write_text(
        f"[{GROUP}]\nhold = {HERE}:Hold\nmomentum = {HERE}:Hold\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    found = discover(installed_entry_points(), BUILT_INS)

    assert isinstance(found["hold"]({}), Hold) and "momentum" not in found
    assert f"'momentum' ({HERE}:Hold from fake-plugins) skipped" in caplog.text
