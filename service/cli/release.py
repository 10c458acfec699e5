"""The release step: create or upgrade the database and check prices and models config."""

from __future__ import annotations

import sqlite3
import sys
from contextlib import closing

from service.db import SCHEMA_VERSION, connect, init_db
from service.market.directory import MarketsConfigError, markets_from
from service.market.prices import PriceData, PriceDataError
from service.models_config import ModelsConfigError, load_models_config
from service.settings import SettingsError, from_environment


def _schema_change(found: int) -> str:
    if found == SCHEMA_VERSION:
        return f"schema version {SCHEMA_VERSION}"
    if found == 0:
        return f"created at schema version {SCHEMA_VERSION}"
    return f"upgraded from schema version {found} to {SCHEMA_VERSION}"


def _range(prices: PriceData) -> str:
    return f"{prices.first_day}..{prices.last_day} ({len(prices.symbols)} symbols)"


def main(argv: list[str] | None = None) -> int:
    """Run the release step; a one-line reason and exit 1 when something is unusable."""
    del argv
    try:
        settings = from_environment()
        markets = markets_from(settings)
        ranges = [f"{source.rules.name} {_range(source.prices())}" for source in markets]
        config = load_models_config(settings.config_path)
        with closing(connect(settings.database_path)) as conn:
            found = init_db(conn)
    except (
        PriceDataError,
        MarketsConfigError,
        ModelsConfigError,
        SettingsError,
        OSError,
        sqlite3.Error,
    ) as error:
        print(f"release: {error}", file=sys.stderr)
        return 1
    enabled = [model.signature for model in config.models if model.enabled]
    print(
        f"release: database {settings.database_path} ready ({_schema_change(found)}); "
        f"prices {'; '.join(ranges)}; "
        f"enabled models: {', '.join(enabled)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
