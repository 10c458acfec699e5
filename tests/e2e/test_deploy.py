"""Deployment paths without a Docker engine: the Dockerfile's steps, the Procfile, the release."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.e2e.processes import REPO, free_port, start, stop, wait_until_up

pytestmark = pytest.mark.e2e
DOCKERFILE = REPO / "Dockerfile"
# Run by an installed copy of the package: it must find every file it ships with.
INSTALLED_DATA_CHECK = """
import sys
from importlib import resources
from pathlib import Path

import service
from service.agent.news import load_news
from service.market.directory import markets_from
from service.market.fetch import default_symbols
from service.market.prices import load_prices
from service.models_config import load_models_config
from service.resources.dashboard.routes import blp
from service.settings import Settings

assert Path(service.__file__).is_relative_to(sys.argv[1]), service.__file__
settings = Settings()
assert resources.files("service.agent").joinpath("prompt.txt").is_file()
print(load_prices(settings.price_data).last_day, len(default_symbols()))
print(len(load_news(settings.news_data)) > 0, len(load_models_config(settings.config_path).models))
print(sorted(blp.jinja_loader.list_templates()))
print(" ".join(f"{m.rules.name}:{m.prices().last_day}" for m in markets_from(settings)))
"""


def dockerfile_instruction(name: str) -> str:
    """The text of a Dockerfile instruction, continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    match = re.search(rf"^{name}\s+(.+)$", text, re.MULTILINE)
    assert match, f"no {name} in the Dockerfile"
    return match.group(1)


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_declares_healthcheck_user_and_modes() -> None:
    assert "--interval=30s" in dockerfile_instruction("HEALTHCHECK")
    assert "/health" in dockerfile_instruction("HEALTHCHECK")
    assert dockerfile_instruction("USER") != "root"
    assert "docker-entrypoint" in dockerfile_instruction("ENTRYPOINT")
    assert "/data" in dockerfile_instruction("VOLUME")


@pytest.fixture(scope="module")
def image_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh virtual environment with the project installed as the Dockerfile's RUN does."""
    folder = tmp_path_factory.mktemp("image")
    venv.create(folder / "venv", with_pip=True)
    install = dockerfile_instruction("RUN").split("&&")[0].strip()
    assert install == "pip install --no-cache-dir -e ."
    pip = [str(folder / "venv" / "bin" / "pip"), "install", "--quiet", "-e", str(REPO)]
    installed = subprocess.run(pip, check=True, capture_output=True, text=True)
    # The first bin/run installs the same way: setuptools has nothing to warn about.
    assert "BuildBackendWarning" not in installed.stdout + installed.stderr, installed.stderr
    return {
        "PATH": f"{folder / 'venv' / 'bin'}:{os.environ['PATH']}",
        "DATABASE_PATH": str(folder / "data" / "trader.db"),
        "HUEY_PATH": str(folder / "data" / "huey.db"),
        "VIRTUAL_ENV": str(folder / "venv"),
    }


def test_batch_mode_runs_a_job_and_exits(image_env: dict[str, str]) -> None:
    command = ["bin/docker-entrypoint", "batch", "--start", "2025-09-02", "--end", "2025-09-12"]
    result = subprocess.run(
        command,
        cwd=REPO,
        env={**os.environ, **image_env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Leaderboard on 2025-09-12" in result.stdout
    assert "QQQ benchmark" in result.stdout


def test_serve_mode_answers_health_on_port(image_env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    env = {**image_env, "PORT": str(port)}
    server = start(["bin/docker-entrypoint", "serve"], env, tmp_path / "serve.log")
    try:
        wait_until_up(f"http://127.0.0.1:{port}", server, timeout=30)
    finally:
        stop(server)
    # A container must listen on every interface to be reachable through its published port.
    assert f"Listening at: http://0.0.0.0:{port}" in (tmp_path / "serve.log").read_text()


def test_unknown_mode_is_refused(image_env: dict[str, str]) -> None:
    result = subprocess.run(
        ["bin/docker-entrypoint", "deploy"],
        cwd=REPO,
        env={**os.environ, **image_env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "unknown mode" in result.stderr


def test_procfile_runs_under_honcho_and_release_is_idempotent(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {
        "DATABASE_PATH": str(tmp_path / "trader.db"),
        "HUEY_PATH": str(tmp_path / "h.db"),
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
    }
    for _ in range(2):
        release = subprocess.run(
            [str(bin_dir / "honcho"), "run", "python", "-m", "service.cli.release"],
            cwd=REPO,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
        )
        assert release.returncode == 0, release.stderr
        assert "ready" in release.stdout
    port = free_port()
    honcho = [str(bin_dir / "honcho"), "start", "--port", str(port), "web", "worker"]
    server = start(honcho, env, tmp_path / "h.log")
    try:
        wait_until_up(f"http://127.0.0.1:{port}", server, timeout=30)
    finally:
        stop(server)
    assert "worker" in (tmp_path / "h.log").read_text()


def package_data_files() -> set[str]:
    """The files of the packages that are not Python code, as paths in a wheel."""
    return {
        path.relative_to(REPO).as_posix()
        for folder in ("service", "tasks")
        for path in (REPO / folder).rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc")
    }


def test_wheel_ships_every_data_file_and_builds_without_warnings(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    # e.g. "Package 'service.defaults' is absent from the `packages` configuration"
    assert "BuildBackendWarning" not in build.stdout + build.stderr
    names = set(zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist())
    assert "service/defaults/nasdaq100_daily_2025-06-10_2025-10-29.jsonl.gz" in names
    assert package_data_files() <= names
    assert not [name for name in names if "__pycache__" in name or name.startswith("tests/")]

    site = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target"]
    subprocess.run([*install, str(site), *map(str, tmp_path.glob("*.whl"))], check=True)
    check = subprocess.run(
        [sys.executable, "-c", INSTALLED_DATA_CHECK, str(site)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr
    lines = check.stdout.splitlines()
    assert lines[0] == "2025-10-29 102" and lines[1] == "True 16"
    templates = REPO / "service" / "resources" / "dashboard" / "templates"
    assert lines[2] == str(sorted(path.name for path in templates.iterdir()))
    # Every market's bundled prices and benchmark index load from the installed package.
    assert lines[3] == (
        "nasdaq100:2025-10-29 sse50:2025-11-18 crypto10:2025-11-15"
        " nasdaq100_hourly:2025-11-10 14:00:00 sse50_hourly:2025-11-19 14:00:00"
    )
