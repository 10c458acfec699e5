"""Deployment paths without a Docker engine: the Dockerfile's steps, the Procfile, the release."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.e2e.processes import REPO, free_port, start, stop, wait_until_up

pytestmark = pytest.mark.e2e
DOCKERFILE = REPO / "Dockerfile"


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
    subprocess.run(pip, check=True, capture_output=True)
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
