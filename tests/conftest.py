"""Shared fixtures: an app on a temporary database, its model-days run as they are queued."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from service import create_app
from service.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture
def database_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh results database file, also named in DATABASE_PATH for the commands under test."""
    path = tmp_path / "trader.db"
    monkeypatch.setenv("DATABASE_PATH", str(path))
    return path


@pytest.fixture
def app(database_path: Path) -> Iterator[Flask]:
    """The app on a temporary database, with tasks run in-process as they are queued."""
    app = create_app({"database_path": str(database_path), "huey_immediate": True})
    app.config["TESTING"] = True
    yield app


@pytest.fixture
def settings(app: Flask) -> Settings:
    """The settings the app was built with."""
    built: Settings = app.config["SETTINGS"]
    return built


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip when this checkout has none."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is not present")
    return path
