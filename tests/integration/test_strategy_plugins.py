"""The example strategy plugin installed: its own tests and the API with it, in a fresh
interpreter that sees its entry point through a generated dist-info (no install needed)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from service.strategies.plugins import GROUP
from tests.conftest import REPO

pytestmark = pytest.mark.integration

PLUGIN = REPO / "examples" / "strategy_plugin"


def visible_plugin(site: Path) -> Path:
    """A dist-info of the example plugin in site with the entry points of its pyproject.toml,
    as pip install would leave it."""
    project = tomllib.loads((PLUGIN / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dist_info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist_info.mkdir(parents=True)
    metadata = f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    (dist_info / "METADATA").write_text(metadata, encoding="utf-8")
    lines = [f"[{GROUP}]"]
    lines += [f"{name} = {target}" for name, target in project["entry-points"][GROUP].items()]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return site


def test_example_plugin_installed(tmp_path: Path) -> None:
    site = visible_plugin(tmp_path / "site")
    inherited = [os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []
    path = os.pathsep.join([str(site), str(PLUGIN), *inherited])
    tests = [str(PLUGIN / "tests"), str(REPO / "tests" / "integration" / "installed_plugin_api.py")]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", *tests],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout, done.stdout
