"""bin/simulate: one job run synchronously in this process, then the leaderboard as a table."""

from __future__ import annotations

import argparse
import sqlite3
import sys
import threading
from contextlib import closing
from datetime import date
from typing import Any

from service.cli.arguments import add_models_option
from service.cli.progress import ProgressBar
from service.db import connect, init_db
from service.jobs.batch import run_job
from service.jobs.creation import JobConflictError, create_job
from service.jobs.eta import job_eta, model_paces
from service.jobs.model_day import DayOutcome
from service.jobs.planning import JobRequest, JobRequestError
from service.jobs.spending import job_spending
from service.jobs.spending import total as total_spending
from service.jobs.status import job_status
from service.market.catalog import MARKETS
from service.market.directory import MarketsConfigError, markets_from
from service.market.prices import PriceDataError
from service.models_config import ModelsConfigError, load_models_config
from service.results.leaderboard import leaderboard
from service.settings import SettingsError, from_environment

# The service's messages name its request fields; here the same advice names this
# command's options.
OPTION_WORDS = (("use replace_existing", "use --replace"), ("use start_date null", "omit --start"))


def in_option_words(error: Exception) -> str:
    """The error's message with the request fields it names replaced by the options."""
    message = str(error)
    for field_words, option_words in OPTION_WORDS:
        message = message.replace(field_words, option_words)
    return message


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


def _usd(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount of USD from 0 to 1000000")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="bin/simulate",
        description="Run one simulation job in this process (no server, no queue) and print "
        "the leaderboard of each market. Uses DATABASE_PATH, PRICE_DATA, MARKETS_CONFIG and "
        "CONFIG_PATH like the service.",
    )
    parser.add_argument("--start", type=_day, help="first day; omit to resume each model")
    parser.add_argument("--end", type=_day, required=True, help="last day (YYYY-MM-DD)")
    add_models_option(parser, "with no --market, every enabled model of nasdaq100")
    parser.add_argument(
        "--market",
        choices=list(MARKETS),
        help="also run every enabled model of this market",
    )
    parser.add_argument("--replace", action="store_true", help="re-run days already stored")
    parser.add_argument(
        "--max-cost-usd",
        type=_usd,
        metavar="USD",
        help="budget of the job: once it cost this much, days not started are skipped",
    )
    return parser.parse_args(argv)


def format_leaderboard(board: dict[str, Any]) -> str:
    """The leaderboard as a fixed-width table, the benchmark last."""
    lines = [
        f"Leaderboard on {board['date']}: {board['market']}, values in {board['currency']}",
        f"{'rank':>4}  {'model':<28}{'value':>12}{'return':>10}",
    ]
    for row in board["rankings"]:
        lines.append(
            f"{row['rank']:>4}  {row['model']:<28}{row['portfolio_value']:>12,.2f}"
            f"{row['cumulative_return_pct']:>9.2f}%"
        )
    bench = board["benchmark"]
    if bench and bench["cumulative_return_pct"] is not None:
        label = f"{bench['symbol']} benchmark (from {bench['start_date']})"
        lines.append(f"{'':>4}  {label:<40}{bench['cumulative_return_pct']:>9.2f}%")
    return "\n".join(lines)


def spending_so_far(conn: sqlite3.Connection, job_id: str) -> tuple[float | None, str]:
    """The job's ETA from each model's own pace, and its tokens and cost so far as text."""
    spent = total_spending(list(job_spending(conn, job_id).values()))
    tokens = (spent.prompt_tokens or 0) + (spent.completion_tokens or 0)
    words = [f"{tokens:,} tokens"] if tokens else []
    words += [f"${spent.cost_usd:.4f}"] if spent.cost_usd is not None else []
    return job_eta(model_paces(conn, job_id)), " ".join(words)


def main(argv: list[str] | None = None) -> int:
    """Create the job, run it with a progress bar, print the leaderboard."""
    args = parse_args(argv)
    try:
        settings = from_environment()
        markets = markets_from(settings)
        config = load_models_config(settings.config_path)
        models: list[str] = args.models
        request = JobRequest(
            args.end, args.start, models, args.replace, args.max_cost_usd, market=args.market
        )
        with closing(connect(settings.database_path)) as conn:
            init_db(conn)
            created = create_job(conn, markets, config, request, settings.max_simulation_days)
            total = job_status(conn, created.job_id)["progress"]["pending"]  # type: ignore[index]
            bar, lock = ProgressBar(total, "model-days"), threading.Lock()

            def tick(_day: str, _outcome: DayOutcome) -> None:
                # Model threads report here one at a time: the connection is used by one.
                with lock:
                    bar.advance(1, *spending_so_far(conn, created.job_id))

            run_job(settings, markets, created.job_id, created.first_days, tick)
            bar.close()
            status = job_status(conn, created.job_id) or {}
            specs = config.by_signature()
            names = sorted({specs[model].market for model, _ in created.first_days})
            boards = [
                leaderboard(conn, markets.prices(name), markets.rules(name), args.end)
                for name in names
            ]
    except (
        JobRequestError,
        JobConflictError,
        PriceDataError,
        MarketsConfigError,
        ModelsConfigError,
        SettingsError,
    ) as error:
        print(f"simulate: {in_option_words(error)}", file=sys.stderr)
        return 1
    print(f"job {created.job_id}: {status['status']}")
    print("\n\n".join(format_leaderboard(board) for board in boards))
    return 0 if status["status"] == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
