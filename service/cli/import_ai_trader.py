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
from service.importer.detect import detect_market
from service.importer.jsonl import AgentDataError
from service.importer.reader import POSITION_FILE, AgentData, find_agents, read_agent
from service.jobs.imports import ImportedModel, ModelImportError, store_model
from service.market.catalog import MARKETS
from service.market.directory import Markets, MarketsConfigError, markets_from
from service.market.prices import PriceDataError
from service.market.rules import MarketRules
from service.settings import SettingsError, from_environment

PROG = "import-ai-trader"

DESCRIPTION = f"""\
Import AI-Trader agent data: DIR/<signature>/{POSITION_FILE} (one line per action) and
DIR/<signature>/log/<date>/log.jsonl (the messages of each day). The folder name is the
model's signature. An hourly run dates its lines and names its log folders by bar key
(2025-10-02 15:00:00; its registration may be at a time that is no bar, such as 08:30).
Everything lands in one job of kind 'import'; each model is stored in one transaction, so a
model with a line that cannot be read is left out entirely while the others are imported.
The files are a record: the holdings after each line are its positions, and a line that
disagrees with its order replayed at the open, or with the market's rules (quantity steps and
lots, T+1), is stored as written, with a warning.

Each model is imported into one market: --market, else the one whose price data's universe
holds every symbol the model traded or held (AI-Trader's NASDAQ-100, SSE-50 and crypto runs
tell themselves apart, and a run dated by bar fits only an hourly market; a model whose
symbols fit no market, or several, is not imported). Portfolio values and P&L are computed
from that market's price data (nasdaq100: PRICE_DATA; MARKETS_CONFIG may point a market at
other files); the database is DATABASE_PATH. Imported timelines continue in later simulation
jobs."""

EPILOG = """\
examples:
  import-ai-trader ../AI-Trader/data/agent_data
  import-ai-trader agent_data --models gpt-5,claude-3.7-sonnet --replace
  import-ai-trader ../AI-Trader/data/agent_data_astock --market sse50

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
    parser.add_argument(
        "--market",
        choices=list(MARKETS),
        help="the market every model is imported into (default: told by each model's symbols)",
    )
    return parser.parse_args(argv)


def describe(imported: ImportedModel, rules: MarketRules) -> str:
    """One line about an imported model (its bars counted, on an intraday market)."""
    currency, periods = rules.currency, "bars" if rules.intraday else "days"
    return (
        f"{imported.signature}: {imported.days} {periods}, {imported.actions} actions, "
        f"{imported.log_messages} log messages, {imported.first_date}..{imported.last_date}, "
        f"final value {imported.final_value:,.2f} {currency} ({imported.return_pct:+.2f}%) "
        f"on {imported.market}"
    )


def market_of(data: AgentData, markets: Markets, market: str | None) -> str:
    """The market named, else the one the data's symbols tell (said on the output)."""
    if market is not None:
        return market
    detected = detect_market(data, markets)
    print(f"{data.signature}: market {detected}, told by the symbols of {data.position_file}")
    return detected


def import_folders(
    conn: sqlite3.Connection,
    folders: list[Path],
    markets: Markets,
    market: str | None,
    replace: bool,
) -> tuple[str, int, int]:
    """Import each folder on its own, into market or the one its symbols tell; returns the job
    id and the counts imported and failed."""
    job_id = str(uuid.uuid4())
    imported = failed = 0
    for folder in folders:
        try:
            data = read_agent(folder)
            source = markets.source(market_of(data, markets, market))
            result = store_model(conn, job_id, data, source.prices(), source.rules, replace)
        except (AgentDataError, ModelImportError, PriceDataError, sqlite3.Error) as error:
            print(f"{PROG}: {folder.name}: not imported: {error}", file=sys.stderr)
            failed += 1
            continue
        imported += 1
        print(describe(result, source.rules))
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
        markets = markets_from(settings)
        with closing(connect(settings.database_path)) as conn:
            init_db(conn)
            job_id, imported, failed = import_folders(
                conn, folders, markets, args.market, args.replace
            )
    except (SettingsError, MarketsConfigError, AgentDataError, sqlite3.Error, OSError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    if imported:
        print(f"job {job_id}: imported {imported} of {imported + failed} models")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
