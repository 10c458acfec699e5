"""Dependencies point one way (docs/architecture.md): every module's imports are checked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
# The domain's layers in order: a module may import its own layer and those before it.
LAYERS: list[tuple[str, ...]] = [
    ("service.db", "service.filecache", "service.settings", "service.logs", "service.run_names"),
    ("service.stats",),
    ("service.market",),
    ("service.portfolio", "service.journal"),
    ("service.strategies", "service.agent", "service.models_config", "service.importer"),
    ("service.trading",),
    ("service.jobs",),
    ("service.results",),
]
OUTSIDE_THE_DOMAIN = (
    "flask",
    "flask_smorest",
    "werkzeug",
    "huey",
    "mcp",
    "service.resources",
    "service.mcp_server",
    "tasks",
)
# The front ends: HTTP (the API, the MCP server) and the commands.
FRONT_ENDS = ("service.resources", "service.mcp_server", "service.cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module path imports (absolute imports; the project uses no relative ones)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def layer_of(name: str) -> int | None:
    for index, prefixes in enumerate(LAYERS):
        if any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes):
            return index
    return None


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


DOMAIN = sorted(
    path for path in (ROOT / "service").rglob("*.py") if layer_of(module_name(path)) is not None
)


@pytest.mark.parametrize("path", DOMAIN, ids=lambda path: module_name(path))
def test_domain_modules_import_nothing_above_them(path: Path) -> None:
    own = layer_of(module_name(path))
    assert own is not None
    upward = sorted(
        name for name in imports(path) if (layer := layer_of(name)) is not None and layer > own
    )
    outside = sorted(name for name in imports(path) if within(name, OUTSIDE_THE_DOMAIN))
    assert (upward, outside) == ([], [])


def test_the_domain_is_every_module_but_the_front_ends() -> None:
    everything = {module_name(path) for path in (ROOT / "service").rglob("*.py")}
    unplaced = {
        name for name in everything if layer_of(name) is None and not within(name, FRONT_ENDS)
    }
    assert unplaced == {"service"}  # the package itself: create_app, the composition root


def test_tasks_do_not_import_the_http_layer() -> None:
    for path in (ROOT / "tasks").rglob("*.py"):
        assert not [name for name in imports(path) if within(name, ("service.resources",))], path


def test_the_http_layer_does_not_import_tasks() -> None:
    for path in (ROOT / "service" / "resources").rglob("*.py"):
        assert not [name for name in imports(path) if within(name, ("tasks",))], path
