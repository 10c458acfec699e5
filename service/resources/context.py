"""Per-app shared state for views: settings, the markets, the models config, a connection."""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import closing
from typing import cast

from flask import Flask, current_app, g

from service.db import connect, init_db
from service.jobs.queueing import JobQueue
from service.market.directory import Markets, MarketSource, markets_from
from service.models_config import ModelsConfig, load_models_config
from service.settings import Settings


def init_context(app: Flask, settings: Settings) -> None:
    """Check prices, config and database at start-up: refuse to start on bad data."""
    app.extensions["markets"] = markets_from(settings)
    for source in app.extensions["markets"]:
        source.prices()
    load_models_config(settings.config_path)
    with closing(connect(settings.database_path)) as conn:
        init_db(conn)
    app.teardown_appcontext(_close_db)


def settings() -> Settings:
    """The app's settings."""
    return cast(Settings, current_app.config["SETTINGS"])


def job_queue() -> JobQueue:
    """The queue this app sends new model-days to."""
    return cast(JobQueue, current_app.extensions["job_queue"])


def markets() -> Markets:
    """The markets this app serves, with their data files and rules."""
    return cast(Markets, current_app.extensions["markets"])


def market(name: str) -> MarketSource:
    """The market called name (a name the request schemas checked)."""
    return markets().source(name)


def config_file() -> str:
    """The path of the models config."""
    return settings().config_path


def models_config() -> ModelsConfig:
    """The models config as it is now; jobs keep their own snapshot."""
    return load_models_config(config_file())


_local = threading.local()


def _file_identity(path: str) -> tuple[str, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return path, stat.st_dev, stat.st_ino


def get_db() -> sqlite3.Connection:
    """This thread's connection to the database, kept across requests.

    A new connection parses the schema on its first query, which costs more than most of
    our queries, so each server thread keeps one; it is replaced when the file changes.
    """
    path = settings().database_path
    identity = _file_identity(path)
    cached: tuple[tuple[str, int, int], sqlite3.Connection] | None = getattr(_local, "db", None)
    if cached is not None and cached[0] == identity:
        return cached[1]
    if cached is not None:
        cached[1].close()
        _local.db = None
    conn = connect(path)
    identity = _file_identity(path)
    if identity is not None:
        _local.db = (identity, conn)
    else:
        g.uncached_db = conn
    return conn


def _close_db(_error: BaseException | None) -> None:
    conn = g.pop("uncached_db", None)
    if conn is not None:
        conn.close()
