"""The commands in bin/: every one prints --help; release and smoke do their jobs."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service.cli import release, smoke
from tests.integration.conftest import AppFactory

pytestmark = pytest.mark.integration
BIN = Path(__file__).resolve().parents[2] / "bin"
KEY = "smoke-test-key"
COMMANDS = [
    "run",
    "test",
    "lint",
    "simulate",
    "smoke",
    "fetch-prices",
    "import-ai-trader",
    "export-ai-trader",
    "docker-entrypoint",
    "bench",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_prints_help(command: str) -> None:
    result = subprocess.run(
        [str(BIN / command), "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "usage" in result.stdout.lower()


def test_release_creates_the_database_idempotently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db" / "trader.db"))
    assert release.main([]) == 0
    assert release.main([]) == 0
    assert (tmp_path / "db" / "trader.db").is_file()
    assert "enabled models: qqq-buy-and-hold" in capsys.readouterr().out


def test_release_refuses_a_broken_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "models.json").write_text('{"models": [{"signature": "bad name"}]}')
    monkeypatch.setenv("CONFIG_PATH", str(tmp_path / "models.json"))
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "trader.db"))
    assert release.main([]) == 1
    assert "models.0.signature" in capsys.readouterr().err


@pytest.fixture
def app(make_app: AppFactory, request: pytest.FixtureRequest) -> Flask:
    """The app with the settings a test asks for (indirect parametrisation), open by default."""
    return make_app(**getattr(request, "param", {}))


def test_smoke_passes_against_a_live_server(
    live_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert smoke.main([live_server.url()]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and out.count("PASS") == len(smoke.checks(None))


@pytest.mark.parametrize("app", [{"api_key": KEY, "api_read_auth": True}], indirect=True)
def test_smoke_hints_at_the_key_on_401_answers(
    live_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert smoke.main([live_server.url()]) == 1
    assert "pass it with --api-key KEY" in capsys.readouterr().err
    assert smoke.main([live_server.url(), "--api-key", "wrong"]) == 1
    assert "refused the key given with --api-key" in capsys.readouterr().err

    assert smoke.main([live_server.url(), "--api-key", KEY]) == 0
    captured = capsys.readouterr()
    assert "FAIL" not in captured.out and "--api-key" not in captured.err


def test_smoke_reports_an_unreachable_server(capsys: pytest.CaptureFixture[str]) -> None:
    assert smoke.main(["http://127.0.0.1:9"]) == 1
    assert "cannot reach http://127.0.0.1:9" in capsys.readouterr().err
