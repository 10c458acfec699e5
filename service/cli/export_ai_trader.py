"""bin/export-ai-trader: stored timelines and reasoning logs written as AI-Trader agent data."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from service.cli.arguments import agent_data_parser
from service.db import connect
from service.importer.export import ExportError, export_model
from service.importer.reader import POSITION_FILE
from service.market.catalog import MARKETS
from service.portfolio.positions import stored_models
from service.settings import SettingsError, from_environment

PROG = "export-ai-trader"

DESCRIPTION = f"""\
Write each model's timeline from the database (DATABASE_PATH) as AI-Trader agent data:
DIR/<signature>/{POSITION_FILE} (one line per action, with every held symbol and CASH)
and DIR/<signature>/log/<date>/log.jsonl (the reasoning log), in the layout AI-Trader writes
for the model's market (crypto orders as buy_crypto and sell_crypto, fractional quantities as
stored, the registration on its own day even when that is no trading day; on an hourly market
the lines are dated and the log folders named by bar key, log/2025-10-02 15:00:00/log.jsonl).
bin/import-ai-trader reads it back unchanged. A model's folder must not exist yet (or be
empty): nothing is overwritten."""

EPILOG = """\
examples:
  export-ai-trader exported/agent_data
  export-ai-trader exported/agent_data --models gpt-5
  export-ai-trader exported/agent_data_crypto --market crypto10

exit status: 0 every model exported, 1 some model not exported, 2 usage error"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = agent_data_parser(
        PROG, DESCRIPTION, EPILOG, "directory to write into", "every stored model"
    )
    parser.add_argument(
        "--market",
        choices=list(MARKETS),
        help="only the models of this market (default: every market's)",
    )
    return parser.parse_args(argv)


def export_models(
    conn: sqlite3.Connection, root: Path, models: list[str], market: str | None
) -> int:
    """Export each model on its own (refused when not on market, if given); returns how many
    failed."""
    failed = 0
    for signature in models:
        try:
            exported = export_model(conn, signature, root, market)
        except (ExportError, OSError, sqlite3.Error) as error:
            print(f"{PROG}: {signature}: not exported: {error}", file=sys.stderr)
            failed += 1
            continue
        periods = "bars" if exported.intraday else "days"
        print(
            f"{signature}: {exported.actions} actions on {exported.market}, "
            f"{exported.log_folders} {periods} of logs -> {exported.folder}"
        )
    return failed


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = parse_args(argv)
    only: list[str] = args.models
    try:
        settings = from_environment()
        if not Path(settings.database_path).is_file():
            raise ExportError(f"{settings.database_path}: no database (check DATABASE_PATH)")
        with closing(connect(settings.database_path)) as conn:
            models = only or stored_models(conn, args.market)
            if not models:
                where = f" on {args.market}" if args.market else ""
                raise ExportError(f"{settings.database_path}: no model has a timeline{where}")
            args.dir.mkdir(parents=True, exist_ok=True)
            failed = export_models(conn, args.dir, models, args.market)
    except (SettingsError, ExportError, sqlite3.Error, OSError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
