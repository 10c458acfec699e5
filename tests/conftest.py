"""Shared fixtures: an app on a temporary database, the Huey queue in immediate mode."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# The queue module reads HUEY_PATH at import time: point it at a throw-away file first.
os.environ.setdefault("HUEY_PATH", os.path.join(tempfile.mkdtemp(prefix="ai-trader-"), "huey.db"))

from flask import Flask  # noqa: E402

from service import create_app  # noqa: E402
from tasks import huey  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture
def database_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh results database file, also seen by tasks through the environment."""
    path = tmp_path / "trader.db"
    monkeypatch.setenv("DATABASE_PATH", str(path))
    return path


@pytest.fixture
def app(database_path: Path) -> Iterator[Flask]:
    """The app on a temporary database, with tasks run in-process as they are queued."""
    huey.immediate = True
    app = create_app({"database_path": str(database_path)})
    app.config["TESTING"] = True
    yield app
    huey.immediate = False


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip when this checkout has none."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is not present")
    return path
