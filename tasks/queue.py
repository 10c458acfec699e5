"""The Huey instance: SQLite storage next to, never inside, the results database."""

from __future__ import annotations

from pathlib import Path

from huey import SqliteHuey

from service.settings import from_environment

_settings = from_environment()
Path(_settings.huey_path).parent.mkdir(parents=True, exist_ok=True)

# results=False: job state lives in our own tables, the queue only carries ids.
huey = SqliteHuey("ai-trader", filename=_settings.huey_path, results=False, utc=True)
