"""bin/import-ai-trader: AI-Trader agent data into the results database, one model at a time."""

from __future__ import annotations

import argparse
import sqlite3
import sys
import uuid
from contextlib import closing
from pathlib import Path

from service.cli.arguments import agent_data_parser
from service.db import connect, init_db
from service.importer.jsonl import AgentDataError
from service.importer.reader import POSITION_FILE, find_agents, read_agent
from service.jobs.imports import ImportedModel, ModelImportError, store_model
from service.market.catalog import DEFAULT_MARKET, market_rules
from service.market.directory import markets_from
from service.market.prices import PriceData, PriceDataError
from service.settings import SettingsError, from_environment

PROG = "import-ai-trader"

DESCRIPTION = f"""\
Import AI-Trader agent data: DIR/<signature>/{POSITION_FILE} (one line per action) and
DIR/<signature>/log/<date>/log.jsonl (the messages of each day). The folder name is the
model's signature. Everything lands in one job of kind 'import'; each model is stored in one
transaction, so a model with a line that cannot be read is left out entirely while the others
are imported. The files are a record: the holdings after each line are its positions, and a
line that disagrees with its order replayed at the open is stored as written, with a warning.
Portfolio values and P&L are computed from the price data (PRICE_DATA); the database is
DATABASE_PATH. Imported timelines continue in later simulation jobs."""

EPILOG = """\
examples:
  import-ai-trader ../AI-Trader/data/agent_data
  import-ai-trader agent_data --models gpt-5,claude-3.7-sonnet --replace

exit status: 0 every model imported, 1 some model not imported, 2 usage error"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = agent_data_parser(
        PROG, DESCRIPTION, EPILOG, "AI-Trader agent_data directory", "every folder"
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="overwrite models that already have a timeline (their positions and logs)",
    )
    return parser.parse_args(argv)


def describe(imported: ImportedModel) -> str:
    """One line about an imported model."""
    return (
        f"{imported.signature}: {imported.days} days, {imported.actions} actions, "
        f"{imported.log_messages} log messages, {imported.first_date}..{imported.last_date}, "
        f"final value {imported.final_value:,.2f} ({imported.return_pct:+.2f}%)"
    )


def import_folders(
    conn: sqlite3.Connection, folders: list[Path], prices: PriceData, replace: bool
) -> tuple[str, int, int]:
    """Import each folder on its own; returns the job id and the counts imported and failed."""
    job_id = str(uuid.uuid4())
    imported = failed = 0
    for folder in folders:
        try:
            rules = market_rules(DEFAULT_MARKET)
            result = store_model(conn, job_id, read_agent(folder), prices, rules, replace)
        except (AgentDataError, ModelImportError, sqlite3.Error) as error:
            print(f"{PROG}: {folder.name}: not imported: {error}", file=sys.stderr)
            failed += 1
            continue
        imported += 1
        print(describe(result))
        for warning in result.warnings:
            print(f"{PROG}: warning: {warning}", file=sys.stderr)
    return job_id, imported, failed


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = parse_args(argv)
    only: list[str] = args.models
    try:
        settings = from_environment()
        folders = find_agents(args.dir, only)
        prices = markets_from(settings).prices(DEFAULT_MARKET)
        with closing(connect(settings.database_path)) as conn:
            init_db(conn)
            job_id, imported, failed = import_folders(conn, folders, prices, args.replace)
    except (SettingsError, AgentDataError, PriceDataError, sqlite3.Error, OSError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    if imported:
        print(f"job {job_id}: imported {imported} of {imported + failed} models")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
