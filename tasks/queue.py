"""The Huey instance: SQLite storage next to the results database, or Redis to scale out."""

from __future__ import annotations

from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey

from service.logs import configure_logging
from service.settings import Settings, SettingsError, from_environment

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def make_huey(settings: Settings) -> Huey:
    """SqliteHuey by default; RedisHuey when HUEY_URL names a Redis server.

    results=False: job state lives in our own tables, the queue only carries ids.
    """
    if settings.huey_url:
        if not settings.huey_url.startswith(REDIS_SCHEMES):
            raise SettingsError(f"HUEY_URL must start with one of {', '.join(REDIS_SCHEMES)}")
        return RedisHuey("ai-trader", url=settings.huey_url, results=False, utc=True)
    Path(settings.huey_path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("ai-trader", filename=settings.huey_path, results=False, utc=True)


configure_logging()
huey = make_huey(from_environment())
