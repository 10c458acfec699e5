"""The commands in bin/: every one prints --help; release and smoke do their jobs."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from service.cli import release, smoke

pytestmark = pytest.mark.integration
BIN = Path(__file__).resolve().parents[2] / "bin"
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


def test_smoke_passes_against_a_live_server(
    live_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert smoke.main([live_server.url()]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and out.count("PASS") == len(smoke.checks(None))


def test_smoke_reports_an_unreachable_server(capsys: pytest.CaptureFixture[str]) -> None:
    assert smoke.main(["http://127.0.0.1:9"]) == 1
    assert "cannot reach http://127.0.0.1:9" in capsys.readouterr().err
