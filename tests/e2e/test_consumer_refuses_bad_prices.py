"""A consumer refuses to start on a corrupt price file, naming the file and the line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.processes import BIN, REPO

pytestmark = pytest.mark.e2e


def test_consumer_exits_with_file_and_line(tmp_path: Path) -> None:
    prices = tmp_path / "merged.jsonl"
    prices.write_text('{"Meta Data": {"2. Symbol": "AAPL"}, "Time Series (Daily)": {}}\n{oops\n')
    env = {
        "PRICE_DATA": str(prices),
        "DATABASE_PATH": str(tmp_path / "t.db"),
        "HUEY_PATH": str(tmp_path / "h.db"),
        "PATH": str(BIN),
    }
    result = subprocess.run(
        [str(BIN / "huey_consumer"), "tasks.consumer.huey"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"{prices}, line 2" in result.stderr
