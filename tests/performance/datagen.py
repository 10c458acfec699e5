"""Benchmark data: 20 built-in models, synthetic prices, databases filled by the real engine."""

from __future__ import annotations

import json
import math
import random
import sqlite3
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from service.db import connect, init_db
from service.jobs.batch import run_job
from service.jobs.creation import create_job
from service.jobs.planning import JobRequest
from service.market.catalog import NASDAQ100
from service.market.directory import Markets, MarketSource
from service.market.prices import SERIES_KEY, Bar, PriceData, load_prices
from service.market.rules import MarketRules
from service.models_config import load_models_config
from service.settings import Settings
from tests.markets import nasdaq

SYNTHETIC_SEED = 20250101
SYNTHETIC_START = date(2020, 1, 1)
# Far above any range the benchmark asks for: the generator is not limited like users are.
NO_RANGE_LIMIT = 100_000
# Every model-day counts all the model-days of its job inside its write transaction, so a job
# of 20 models x 1,000 days slows down and starves writers into "database is locked": the
# scaling data is made in jobs of at most this many days (resumed one after another).
JOB_DAYS = 160
# The first day of the daily counterpart of an intraday market's data (see bars_as_days).
BARS_AS_DAYS_START = date(2025, 1, 2)
FIELD_NAMES = (
    ("open", "1. buy price"),
    ("high", "2. high"),
    ("low", "3. low"),
    ("close", "4. sell price"),
    ("volume", "5. volume"),
)
TABLES = ("jobs", "job_details", "positions", "holdings", "reasoning_logs", "tool_usage")


@dataclass(frozen=True)
class Filled:
    """One job run through the engine: its id, model-days completed and wall time."""

    job_id: str
    model_days: int
    seconds: float


@dataclass(frozen=True)
class MarketsData:
    """Every market's timelines in one database, and a copy of one market's alone."""

    database: Path
    alone: Path
    jobs: dict[str, Filled]
    windows: dict[str, tuple[str, str]]  # each market's first and last day


@dataclass(frozen=True)
class BarsAsDays:
    """A daily market's files made of an intraday market's bars, and the markets config that
    gives them to a daily market."""

    price_file: Path
    benchmark_file: Path
    markets_config: Path


def builtin_models(
    universe: Sequence[str], rules: MarketRules | None = None
) -> list[dict[str, Any]]:
    """20 built-in models: variants of momentum, equal_weight, buy_and_hold and random.

    Without rules they trade on nasdaq100 under plain signatures; with rules on that market,
    each signature led by the market's name. buy_and_hold's baskets come from the universe:
    the benchmark where it is tradable (QQQ), else the market's watchlist; the first three
    symbols; ten after the first tenth; every tenth symbol (for 100 symbols: 10:20 and ::10).
    """
    benchmark = rules.benchmark if rules else NASDAQ100.benchmark
    symbols = sorted(s for s in universe if s != benchmark)
    step = max(1, round(len(symbols) / 10))
    first = [benchmark] if benchmark in universe else list(rules.watchlist if rules else ())
    specs: list[tuple[str, dict[str, Any]]] = [
        ("momentum", {"lookback": lookback, "top_k": top_k, "rebalance_days": every})
        for lookback, top_k, every in ((5, 3, 1), (10, 5, 2), (20, 5, 5), (40, 8, 10), (60, 10, 20))
    ]
    specs += [
        ("equal_weight", {"top_n": top_n, "rebalance_days": every})
        for top_n, every in ((5, 5), (10, 10), (20, 20), (30, 40), (50, 60))
    ]
    specs += [
        ("buy_and_hold", {"symbols": basket})
        for basket in (first, symbols[:3], symbols[step : step + 10], symbols[::step])
    ]
    specs += [("random", {"seed": seed, "max_orders": 2 + seed}) for seed in range(1, 7)]
    prefix = f"{rules.name}-" if rules else ""
    market = {"market": rules.name} if rules else {}
    return [
        {
            "signature": f"{prefix}{strategy.replace('_', '-')}-{index:02d}",
            "name": f"{strategy} {json.dumps(params, sort_keys=True)}",
            "provider": "builtin",
            "strategy": strategy,
            "params": params,
            **market,
        }
        for index, (strategy, params) in enumerate(specs, start=1)
    ]


def write_config(path: Path, models: list[dict[str, Any]], **agent_config: Any) -> Path:
    """A models config file (CONFIG_PATH) with these models, all enabled.

    initial_cash=None gives each model its market's initial cash (nasdaq100's is 10,000).
    """
    config = {"models": models, "agent_config": {"initial_cash": 10000.0, **agent_config}}
    path.write_text(json.dumps(config, indent=1), encoding="utf-8")
    return path


def weekdays(start: date, years: int) -> list[str]:
    """Every Monday to Friday from start for that many years, as ISO dates."""
    end = start.replace(year=start.year + years)
    count = (end - start).days
    days = (start + timedelta(days=offset) for offset in range(count))
    return [day.isoformat() for day in days if day.weekday() < 5]


def _series(rng: random.Random, days: list[str]) -> dict[str, dict[str, str]]:
    """A seeded random walk of daily bars in AI-Trader's field names."""
    price = rng.uniform(20.0, 400.0)
    bars: dict[str, dict[str, str]] = {}
    for day in days:
        open_ = price * math.exp(rng.gauss(0.0, 0.004))
        close = open_ * math.exp(rng.gauss(0.0004, 0.018))
        bars[day] = {
            "1. buy price": f"{open_:.4f}",
            "2. high": f"{max(open_, close) * (1 + abs(rng.gauss(0, 0.006))):.4f}",
            "3. low": f"{min(open_, close) * (1 - abs(rng.gauss(0, 0.006))):.4f}",
            "4. sell price": f"{close:.4f}",
            "5. volume": str(rng.randint(500_000, 40_000_000)),
        }
        price = close
    return bars


def write_synthetic_prices(path: Path, years: int = 5, symbols: int = 100) -> Path:
    """A merged.jsonl of QQQ and symbols-1 made-up stocks over years of weekdays (seeded)."""
    rng = random.Random(SYNTHETIC_SEED)
    days = weekdays(SYNTHETIC_START, years)
    names = ["QQQ", *(f"SYN{number:03d}" for number in range(1, symbols))]
    with path.open("w", encoding="utf-8") as out:
        for name in names:
            record = {"Meta Data": {"2. Symbol": name}, "Time Series (Daily)": _series(rng, days)}
            out.write(json.dumps(record) + "\n")
    return path


def _fields(bar: Bar) -> dict[str, str]:
    """A bar in AI-Trader's field names; repr keeps every float as it was read."""
    values = {name: getattr(bar, attribute) for attribute, name in FIELD_NAMES}
    return {name: repr(value) for name, value in values.items() if value is not None}


def _write_days(
    path: Path, prices: PriceData, symbols: Sequence[str], days: dict[str, str]
) -> Path:
    """A merged.jsonl of these symbols' bars, each under the day it is renamed to."""
    with path.open("w", encoding="utf-8") as out:
        for symbol in symbols:
            series = {
                day: _fields(bar)
                for key, day in days.items()
                if (bar := prices.bar(symbol, key)) is not None
            }
            record = {"Meta Data": {"2. Symbol": symbol}, SERIES_KEY: series}
            out.write(json.dumps(record) + "\n")
    return path


def bars_as_days(folder: Path, source: MarketSource, daily: str) -> BarsAsDays:
    """The intraday market's bars as a daily market's days: its i-th bar becomes the i-th
    weekday from BARS_AS_DAYS_START, for the same symbols and the same benchmark, in files that
    the markets config gives to the daily market called `daily`.

    The two markets then hold the same prices over as many steps, so that the same models
    store the same rows on both: what differs between their answers is the intraday market's
    own work (bar keys, days of bars, its daily figures), not the size of the data.
    """
    prices = source.prices()
    keys = prices.trading_days
    # About 261 weekdays a year: enough years for every bar.
    days = dict(zip(keys, weekdays(BARS_AS_DAYS_START, 1 + len(keys) // 250), strict=False))
    price_file = _write_days(folder / f"{daily}-days.jsonl", prices, prices.symbols, days)
    benchmark = source.rules.benchmark
    benchmark_file = _write_days(folder / f"{benchmark}-days.jsonl", prices, [benchmark], days)
    config = {daily: {"price_file": price_file.name, "benchmark_file": benchmark_file.name}}
    markets_config = folder / f"markets-{daily}-days.json"
    markets_config.write_text(json.dumps(config, indent=1), encoding="utf-8")
    return BarsAsDays(price_file, benchmark_file, markets_config)


def fill(
    database: Path, prices_path: Path, config_path: Path, end: str, start: str | None
) -> Filled:
    """Run one job of every model in the config through the engine, in this process."""
    prices = load_prices(prices_path)
    return run_request(database, nasdaq(prices), config_path, JobRequest(end, start))


def run_request(database: Path, markets: Markets, config_path: Path, request: JobRequest) -> Filled:
    """Create the job a trigger request asks for and run it through the engine, in this process."""
    config = load_models_config(config_path)
    with closing(connect(database)) as conn:
        init_db(conn)
        started = time.perf_counter()
        created = create_job(conn, markets, config, request, NO_RANGE_LIMIT)
        run_job(Settings(database_path=str(database)), markets, created.job_id, created.first_days)
        done = conn.execute(
            "SELECT COUNT(*) FROM job_details WHERE job_id = ? AND status = 'completed'",
            (created.job_id,),
        ).fetchone()[0]
    return Filled(created.job_id, int(done), time.perf_counter() - started)


def snapshot(database: Path, target: Path) -> Path:
    """A consistent copy of a database (WAL included) through SQLite's backup API."""
    with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return target


def describe(database: Path) -> dict[str, Any]:
    """Size on disk (after a checkpoint, so the WAL is in the file) and rows of each table."""
    with closing(sqlite3.connect(database)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = {name: conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for name in TABLES}
    return {"bytes": database.stat().st_size, "rows": rows}


def market_rows(database: Path, market: str) -> dict[str, int]:
    """The positions rows of a market's timelines, and the holdings rows after them."""
    with closing(sqlite3.connect(database)) as conn:
        positions, holdings = conn.execute(
            "SELECT COUNT(DISTINCT p.id), COUNT(h.position_id) FROM positions AS p"
            " LEFT JOIN holdings AS h ON h.position_id = p.id WHERE p.market = ?",
            (market,),
        ).fetchone()
    return {"positions": positions, "holdings": holdings}


def scaled_databases(
    folder: Path, prices_path: Path, config_path: Path, day_counts: Sequence[int]
) -> list[tuple[Path, list[Filled]]]:
    """Databases of growing size, each continuing the previous one's timelines."""
    days = load_prices(prices_path).trading_days
    working = folder / "scaling-work.db"
    made: list[tuple[Path, list[Filled]]] = []
    done = 0
    for count in day_counts:
        jobs = []
        while done < count:
            end = min(done + JOB_DAYS, count)
            # The first job registers every model; later ones resume after the last stored day.
            start = days[0] if done == 0 else None
            jobs.append(fill(working, prices_path, config_path, days[end - 1], start))
            done = end
        made.append((snapshot(working, folder / f"scaling-{count}d.db"), jobs))
    return made


def market_databases(
    folder: Path, markets: Markets, config_path: Path, days: int, alone: str
) -> MarketsData:
    """One job per market of its models over its first `days` trading days, all in one
    database; the market alone is run first and copied before the others are added."""
    database = folder / "markets.db"
    order = [alone, *(name for name in markets.names if name != alone)]
    jobs: dict[str, Filled] = {}
    windows: dict[str, tuple[str, str]] = {}
    copy = folder / f"{alone}-alone.db"
    for name in order:
        trading = markets.prices(name).trading_days[:days]
        request = JobRequest(trading[-1], trading[0], market=name)
        jobs[name] = run_request(database, markets, config_path, request)
        windows[name] = (trading[0], trading[-1])
        if name == alone:
            snapshot(database, copy)
    return MarketsData(database, copy, jobs, windows)
