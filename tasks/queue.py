"""The Huey instance: SQLite storage next to the results database, or Redis to scale out."""

from __future__ import annotations

from pathlib import Path

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

from service.settings import Settings, SettingsError

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
NAME = "ai-trader"


def make_huey(settings: Settings) -> Huey:
    """SqliteHuey by default; RedisHuey when HUEY_URL names a Redis server; in memory and
    immediate when model-days run where they are queued (tests, one-process runs).

    results=False: job state lives in our own tables, the queue only carries ids.
    """
    if settings.huey_immediate:
        return MemoryHuey(NAME, results=False, utc=True, immediate=True)
    if settings.huey_url:
        if not settings.huey_url.startswith(REDIS_SCHEMES):
            raise SettingsError(f"HUEY_URL must start with one of {', '.join(REDIS_SCHEMES)}")
        return RedisHuey(NAME, url=settings.huey_url, results=False, utc=True)
    Path(settings.huey_path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(NAME, filename=settings.huey_path, results=False, utc=True)
