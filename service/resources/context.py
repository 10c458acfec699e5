"""Per-app shared state for views: settings, the price data, the models config, a connection."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import cast

from flask import Flask, current_app, g

from service.db import connect, init_db
from service.market.prices import PriceData, load_prices
from service.models_config import ModelsConfig, load_models_config
from service.settings import Settings


def init_context(app: Flask, settings: Settings) -> None:
    """Check prices, config and database at start-up: refuse to start on bad data."""
    load_prices(settings.price_data)
    load_models_config(settings.config_path)
    with closing(connect(settings.database_path)) as conn:
        init_db(conn)
    app.teardown_appcontext(_close_db)


def settings() -> Settings:
    """The app's settings."""
    return cast(Settings, current_app.config["SETTINGS"])


def prices() -> PriceData:
    """The price data (loaded once per process, shared read-only)."""
    return load_prices(settings().price_data)


def models_config() -> ModelsConfig:
    """The models config as it is now; jobs keep their own snapshot."""
    return load_models_config(settings().config_path)


def get_db() -> sqlite3.Connection:
    """The request's database connection, opened on first use."""
    if "db" not in g:
        g.db = connect(settings().database_path)
    return cast(sqlite3.Connection, g.db)


def _close_db(_error: BaseException | None) -> None:
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()
