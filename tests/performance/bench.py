"""bin/bench: the performance report (queries, throughput, memory, start-up, scaling) as JSON."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from service.market.catalog import DEFAULT_MARKET, NASDAQ100_HOURLY
from service.market.directory import Markets, markets_from
from service.market.prices import load_prices
from service.settings import DEFAULT_CONFIG_PATH, DEFAULTS_DIR, Settings
from tests.performance import datagen, queries, report, simulation, stats
from tests.performance.load import ensure_wrk, write_wrk_script
from tests.performance.queries import LoadPlan
from tests.performance.servers import query_env, service_env, web

JAN_JUN = DEFAULTS_DIR / "nasdaq100_daily_2025-01-02_2025-06-27_adjusted.jsonl.gz"
JUN_OCT = DEFAULTS_DIR / "nasdaq100_daily_2025-06-10_2025-10-29.jsonl.gz"
LLM_LATENCY = 0.1
# Many LLM models at once: a slow stub (0.5 s per call), 5 days, 32 and then 64 models.
WIDE_LLM_LATENCY = 0.5
WIDE_LLM_DAYS = 5
WIDE_LLM_MODELS = (32, 64)
CEILING_APP = "tests.performance.ceiling:app"
BUSY_LOAD = 0.5  # 1-minute load average above which other work disturbs the figures
HOURLY = NASDAQ100_HOURLY.name
STATISTICS = "statistics"
HOURLY_SECTION = "hourly"
SECTIONS = (STATISTICS, HOURLY_SECTION)  # the sections --only may run alone


@dataclass(frozen=True)
class Mode:
    """Sizes of one benchmark run; None days means every trading day of the file (for
    market_days: of the daily market with the fewest, so that every market has as many; for
    hourly_bars: every bar of nasdaq100_hourly). The hourly consumer runs take turns with their
    daily counterpart's, each leading every other round."""

    name: str
    bundled_days: int | None
    market_days: int | None
    consumer_days: int | None
    llm_models: int
    llm_days: int
    synthetic_years: int
    consumer_idle: float
    scale_days: tuple[int, ...]
    plan: LoadPlan
    scaling_plan: LoadPlan
    limited: simulation.LimitedRun
    hourly_bars: int | None
    hourly_consumer_rounds: int
    statistics: stats.StatsSizes


FULL = Mode(
    "full",
    None,
    None,
    None,
    8,
    20,
    5,
    8.0,
    (80, 320, 1280),
    LoadPlan(300, 10, 5, sustained_rounds=4),
    LoadPlan(300, 10, 3),
    # 320 requests, 240 a minute: the last 80 wait for the window, which takes a minute.
    simulation.LimitedRun(32, 5, 0.5, max_concurrency=8, requests_per_minute=240),
    None,
    2,
    stats.StatsSizes(interval_days=250, repeats=10, repeat_days=20),
)
QUICK = Mode(
    "quick",
    20,
    10,
    20,
    4,
    5,
    1,
    1.0,
    (10, 40, 160),
    LoadPlan(50, 3, 1),
    LoadPlan(30, 3, 1),
    simulation.LimitedRun(8, 2, 0.1, max_concurrency=4),
    24,
    1,
    stats.StatsSizes(interval_days=60, repeats=2, repeat_days=5),
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="bin/bench",
        description="Fill databases through the engine, load a real gunicorn and huey_consumer "
        "on loopback, print the figures as tables and write them as JSON. About 15 minutes "
        "on 2 cores (--quick: about five).",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument(
        "--out",
        type=Path,
        help="the JSON report (default bench-results/bench.json, with --only"
        " bench-results/bench-SECTION.json)",
    )
    parser.add_argument("--workdir", type=Path, help="keep databases and logs here")
    parser.add_argument(
        "--only",
        choices=SECTIONS,
        help="run this section alone: its figures and targets only (statistics: about a "
        "minute and a half, hourly: about four)",
    )
    return parser.parse_args(argv)


def say(text: str) -> None:
    """Progress on stderr; the report goes to stdout."""
    print(f"bench: {text}", file=sys.stderr, flush=True)


def bundled(folder: Path, mode: Mode) -> tuple[Path, Path, dict[str, Any]]:
    """20 built-ins over the Jun-Oct file: the data of the query targets."""
    prices = load_prices(JUN_OCT)
    days = prices.trading_days[: mode.bundled_days or len(prices.trading_days)]
    config = datagen.write_config(
        folder / "models-jun-oct.json", datagen.builtin_models(prices.symbols)
    )
    database = folder / "bundled.db"
    filled = datagen.fill(database, JUN_OCT, config, days[-1], days[0])
    info = {
        "prices": JUN_OCT.name,
        "days": len(days),
        "model_days": filled.model_days,
        "generation_seconds": filled.seconds,
        **datagen.describe(database),
    }
    return database, config, info


def measure_queries(
    folder: Path,
    database: Path,
    config: Path,
    prices: Path,
    plan: LoadPlan,
    wrk_binary: str | None,
    cache: bool = True,
) -> dict[str, Any]:
    """Start gunicorn on the database and load every read endpoint.

    Without cache (RESPONSE_CACHE_MB=0) every answer is computed: what the first request after
    a write costs. With it, repeated requests between writes are answered from memory.
    """
    env = query_env(folder, prices, config, database, cache)
    script = write_wrk_script(folder)
    paths = queries.endpoints(database)
    with web(env, folder / f"web-{database.stem}{'' if cache else '-computed'}.log") as api:
        figures = queries.measure(api, paths, plan, wrk_binary, script)
        if plan.sustained_rounds and wrk_binary:
            figures["sustained"] = queries.sustained(api, paths, plan, wrk_binary, script)
        figures.update(startup_seconds=api.startup_seconds, gunicorn_command=api.command)
    return figures


def fill_markets(folder: Path, mode: Mode) -> tuple[Path, datagen.MarketsData, dict[str, Any]]:
    """20 built-ins on every daily market over its first trading days, as many each, in one
    database (and nasdaq100's alone in a copy): the config, the databases and their
    description. The intraday markets have a section of their own (hourly_queries)."""
    every = markets_from(Settings())
    markets = Markets({source.rules.name: source for source in every if not source.rules.intraday})
    shortest = min(len(markets.prices(name).trading_days) for name in markets.names)
    days = min(mode.market_days or shortest, shortest)
    models = [
        model
        for source in markets
        for model in datagen.builtin_models(source.prices().symbols, source.rules)
    ]
    # None: each market's own initial cash (nasdaq100's is the 10,000 of the other runs).
    config = datagen.write_config(folder / "models-markets.json", models, initial_cash=None)
    made = datagen.market_databases(folder, markets, config, days, DEFAULT_MARKET)
    found: dict[str, Any] = {
        "reference": DEFAULT_MARKET,
        "days": days,
        "windows": made.windows,
        "data": {
            "models": len(models),
            "model_days": sum(job.model_days for job in made.jobs.values()),
            "generation_seconds": sum(job.seconds for job in made.jobs.values()),
            **datagen.describe(made.database),
        },
    }
    return config, made, found


def market_queries(folder: Path, mode: Mode) -> dict[str, Any]:
    """Each market's sequential figures, every answer computed and as deployed, against
    nasdaq100's; and nasdaq100's on a copy made before the other markets were added, so that
    what the other markets' timelines cost its answers shows."""
    config, made, found = fill_markets(folder, mode)
    paths_of = {name: queries.endpoints(made.database, name) for name in made.windows}
    reference = paths_of[DEFAULT_MARKET]
    computed = query_env(folder, JUN_OCT, config, made.database, cache=False)
    alone = query_env(folder, JUN_OCT, config, made.alone, cache=False)
    # Both up at once, so that the reference alone is measured in turns with the others.
    with (
        web(computed, folder / "web-markets-computed.log") as api,
        web(alone, folder / "web-markets-alone.log") as alone_api,
    ):
        columns = {name: (api, paths) for name, paths in paths_of.items()}
        figures = queries.interleaved({**columns, "alone": (alone_api, reference)}, mode.plan)
    found["alone"] = figures.pop("alone")
    found["computed"] = figures
    cached = query_env(folder, JUN_OCT, config, made.database, cache=True)
    with web(cached, folder / "web-markets-cached.log") as api:
        columns = {name: (api, paths) for name, paths in paths_of.items()}
        found["cached"] = queries.interleaved(columns, mode.plan)
    found["ratios"] = report.market_ratios(found)
    return found


@dataclass(frozen=True)
class HourlyData:
    """The hourly data set: nasdaq100_hourly's first bars and nasdaq100 over as many days made
    of the same bars, 20 built-ins each, in one database."""

    files: datagen.BarsAsDays
    config: Path
    made: datagen.MarketsData

    def env(self, folder: Path, database: Path, cache: bool = False) -> dict[str, str]:
        """The service's environment on this data (nasdaq100's days are the hourly bars)."""
        env = query_env(folder, self.files.price_file, self.config, database, cache)
        return {**env, "MARKETS_CONFIG": str(self.files.markets_config)}


def fill_hourly(folder: Path, mode: Mode) -> tuple[HourlyData, dict[str, Any]]:
    """20 built-ins over the first bars of nasdaq100_hourly (default all), and the same 20 on
    nasdaq100 over as many days made of those bars (datagen.bars_as_days), in one database.

    That daily data is the fair comparison: the same symbols, prices and benchmark over as
    many steps, so the same models store the same rows (but for the random strategies, seeded
    by the date: a few more or fewer) and each query answers as many. The
    bundled daily data has other prices over 99 days, and 29 days of it (the hourly data's
    calendar) hold a sixth of the rows.
    """
    folder.mkdir(parents=True)
    files = datagen.bars_as_days(folder, markets_from(Settings()).source(HOURLY), DEFAULT_MARKET)
    every = markets_from(
        Settings(price_data=str(files.price_file), markets_config=str(files.markets_config))
    )
    markets = Markets({name: every.source(name) for name in (DEFAULT_MARKET, HOURLY)})
    bars = mode.hourly_bars or len(markets.prices(HOURLY).trading_days)
    models = [
        model
        for source in markets
        for model in datagen.builtin_models(source.prices().symbols, source.rules)
    ]
    config = datagen.write_config(folder / "models-hourly.json", models, initial_cash=None)
    made = datagen.market_databases(folder, markets, config, bars, DEFAULT_MARKET)
    found: dict[str, Any] = {
        "reference": DEFAULT_MARKET,
        "market": HOURLY,
        "reference_data": f"{HOURLY}'s bars as days from {datagen.BARS_AS_DAYS_START}",
        "bars": bars,
        "windows": made.windows,
        "data": {
            "models": len(models),
            "model_steps": {name: job.model_days for name, job in made.jobs.items()},
            "generation_seconds": {name: job.seconds for name, job in made.jobs.items()},
            "market_rows": {name: datagen.market_rows(made.database, name) for name in made.jobs},
            **datagen.describe(made.database),
        },
    }
    return HourlyData(files, config, made), found


def hourly_queries(folder: Path, data: HourlyData, found: dict[str, Any], plan: LoadPlan) -> None:
    """nasdaq100_hourly's sequential figures against its daily counterpart's, the same queries
    of the same rows taking turns on one service, every answer computed and as deployed."""
    paths_of = queries.intraday_endpoints(data.made.database, HOURLY, DEFAULT_MARKET)
    for label, cache in (("computed", False), ("cached", True)):
        env = data.env(folder, data.made.database, cache)
        with web(env, folder / f"web-hourly-{label}.log") as api:
            columns = {name: (api, paths) for name, paths in paths_of.items()}
            found[label] = queries.interleaved(columns, plan)
            found["gunicorn_command"] = api.command
    found["ratios"] = report.market_ratios(found)


def hourly_consumer(folder: Path, data: HourlyData, mode: Mode) -> dict[str, Any]:
    """The hourly data set's model-steps through huey_consumer, on nasdaq100_hourly and on its
    daily counterpart in turns (each leading every other round), each run on a new database."""
    runs: dict[str, list[dict[str, Any]]] = {DEFAULT_MARKET: [], HOURLY: []}
    for turn in range(mode.hourly_consumer_rounds):
        order = list(runs) if turn % 2 == 0 else list(reversed(runs))
        for market in order:
            run_folder = folder / f"consumer-{market}-{turn + 1}"
            run_folder.mkdir(parents=True)
            env = data.env(run_folder, run_folder / "trader.db", cache=True)
            first, last = data.made.windows[market]
            body = {"start_date": first, "end_date": last, "models": [], "market": market}
            runs[market].append(simulation.consumer_job(run_folder, env, body, mode.consumer_idle))
    found: dict[str, Any] = {
        market: {
            "runs": done,
            "model_steps": done[0]["model_days"],
            "model_steps_per_s": statistics.median(run["model_days_per_s"] for run in done),
        }
        for market, done in runs.items()
    }
    found["consumer_command"] = runs[HOURLY][0]["consumer_command"]
    found["ratio_to_daily"] = (
        found[HOURLY]["model_steps_per_s"] / found[DEFAULT_MARKET]["model_steps_per_s"]
    )
    return found


def ceiling(folder: Path, database: Path, plan: LoadPlan, wrk_binary: str | None) -> dict[str, Any]:
    """The trivial endpoint (SELECT 1) under the same gunicorn command: what the machine allows."""
    env = service_env(folder, JUN_OCT, DEFAULT_CONFIG_PATH, database)
    script = write_wrk_script(folder)
    with web(env, folder / "web-ceiling.log", CEILING_APP) as api:
        figures = queries.measure(api, {"select_one": "/"}, plan, wrk_binary, script)
    return dict(figures["endpoints"]["select_one"])


def scaling(folder: Path, mode: Mode, wrk_binary: str | None) -> dict[str, Any]:
    """The same queries on synthetic data of 1x, 4x and 16x the days, 20 models each."""
    prices = datagen.write_synthetic_prices(folder / "synthetic.jsonl", mode.synthetic_years)
    symbols = load_prices(prices).symbols
    config = datagen.write_config(folder / "models-synthetic.json", datagen.builtin_models(symbols))
    made = datagen.scaled_databases(folder, prices, config, mode.scale_days)
    first = mode.scale_days[0]
    found: dict[str, Any] = {}
    model_days, seconds = 0, 0.0
    for (database, jobs), days in zip(made, mode.scale_days, strict=True):
        label = f"{days // first}x ({days} days)"
        say(f"scaling {label}: loading gunicorn, every answer computed")
        figures = measure_queries(
            folder, database, config, prices, mode.scaling_plan, wrk_binary, cache=False
        )
        # Each size continues the previous one: its data is every job so far.
        model_days += sum(job.model_days for job in jobs)
        seconds += sum(job.seconds for job in jobs)
        figures["data"] = {
            "days": days,
            "model_days": model_days,
            "generation_seconds": seconds,
            **datagen.describe(database),
        }
        found[label] = figures
    return found


def run(folder: Path, mode: Mode, wrk_binary: str | None) -> dict[str, Any]:
    """Every measurement, in an order that keeps them from disturbing each other."""
    say("[1/8] filling the bundled database (20 built-in models, Jun-Oct 2025)")
    database, config, data = bundled(folder, mode)
    say("[2/8] query latency on the bundled database")
    bundled_figures = measure_queries(folder, database, config, JUN_OCT, mode.plan, wrk_binary)
    bundled_figures["data"] = data
    bundled_figures["ceiling"] = ceiling(folder, database, mode.plan, wrk_binary)
    say("[2/8] the same with every answer computed (RESPONSE_CACHE_MB=0)")
    once = replace(mode.plan, sustained_rounds=0)
    computed = measure_queries(folder, database, config, JUN_OCT, once, wrk_binary, cache=False)
    bundled_figures["computed"] = computed["endpoints"]
    bundled_figures["memory"]["computed"] = list(computed["memory"].values())[-1]
    say("[3/8] per market: 20 built-ins on each market, as many days each, one database")
    per_market = market_queries(folder, mode)
    say(f"[4/8] hourly: 20 built-ins on {HOURLY}'s bars and on as many days of the same bars")
    hourly, per_hourly = fill_hourly(folder / "hourly", mode)
    hourly_queries(folder / "hourly", hourly, per_hourly, mode.plan)
    per_statistics = statistics_section(folder, mode)
    say("[6/8] built-ins through huey_consumer (20 models, Jan-Jun 2025) and bin/simulate")
    jan_config = datagen.write_config(
        folder / "models-jan-jun.json", datagen.builtin_models(load_prices(JAN_JUN).symbols)
    )
    sim = {
        "consumer_builtin": simulation.through_consumer(
            folder / "consumer", JAN_JUN, jan_config, mode.consumer_days, mode.consumer_idle
        ),
        "simulate_cli": [simulation.simulate_cli(folder, path) for path in (JAN_JUN, JUN_OCT)],
    }
    say(f"[6/8] the hourly data set's model-steps through huey_consumer, {HOURLY} and daily")
    sim["consumer_hourly"] = hourly_consumer(folder / "hourly", hourly, mode)
    say(f"[7/8] stub LLM at {LLM_LATENCY * 1000:.0f} ms per call through huey_consumer")
    sim["mock_llm"] = simulation.mock_llm(
        folder / "llm", JUN_OCT, mode.llm_models, mode.llm_days, LLM_LATENCY, mode.consumer_idle
    )
    for models in WIDE_LLM_MODELS:
        say(f"[7/8] {models} models on a stub LLM at {WIDE_LLM_LATENCY * 1000:.0f} ms per call")
        sim[f"llm_{models}_models"] = simulation.mock_llm(
            folder / f"llm-{models}", JUN_OCT, models, WIDE_LLM_DAYS, WIDE_LLM_LATENCY, 1.0
        )
    limited = mode.limited
    say(
        f"[7/8] rate-limited: {limited.models} models of one group on {limited.consumers}"
        f" consumers, a stub refusing above {limited.max_concurrency} at once"
        + (f" or {limited.requests_per_minute} a minute" if limited.requests_per_minute else "")
    )
    sim["rate_limited"] = simulation.rate_limited(folder / "limited", JUN_OCT, limited, 1.0)
    say("[8/8] scaling: synthetic prices, 1x 4x 16x data")
    scaled = scaling(folder, mode, wrk_binary)
    result = assemble(bundled_figures, sim, scaled)
    result["queries"]["markets"] = per_market
    result["queries"]["hourly"] = per_hourly
    result["queries"][STATISTICS] = per_statistics
    return result


def statistics_section(folder: Path, mode: Mode) -> dict[str, Any]:
    """/metrics with bootstrap intervals and the aggregate leaderboard (see stats.py)."""
    sizes = mode.statistics
    say(
        f"[5/8] statistics: /metrics with intervals over {sizes.interval_days} days, the"
        f" aggregate leaderboard of 20 built-ins x {sizes.repeats} repeats"
    )
    return stats.section(folder / STATISTICS, JUN_OCT, sizes, mode.plan)


def run_hourly(folder: Path, mode: Mode) -> dict[str, Any]:
    """The hourly data set alone (--only hourly): its queries and its consumer runs."""
    say(f"[1/2] hourly: 20 built-ins on {HOURLY}'s bars and on as many days of the same bars")
    hourly, per_hourly = fill_hourly(folder / "hourly", mode)
    hourly_queries(folder / "hourly", hourly, per_hourly, mode.plan)
    say(f"[2/2] the hourly data set's model-steps through huey_consumer, {HOURLY} and daily")
    consumer = hourly_consumer(folder / "hourly", hourly, mode)
    return {
        "gunicorn_command": per_hourly["gunicorn_command"],
        "queries": {"hourly": per_hourly},
        "simulation": {"consumer_hourly": consumer},
    }


def run_statistics(folder: Path, mode: Mode) -> dict[str, Any]:
    """The statistics section alone (--only statistics), as the report's body."""
    section = statistics_section(folder, mode)
    return {"gunicorn_command": section["gunicorn_command"], "queries": {STATISTICS: section}}


def assemble(main: dict[str, Any], sim: dict[str, Any], scaled: dict[str, Any]) -> dict[str, Any]:
    """The JSON report's body (the per-market queries are added to its queries)."""
    sustained = main.pop("sustained", None)
    bundled_peaks = [figures["peak_mb"] for figures in main["memory"].values()]
    synthetic_peaks = [
        figures["memory"][key]["peak_mb"]
        for figures in scaled.values()
        for key in figures["memory"]
    ]
    memory = {
        "web_worker_peak_mb": max(bundled_peaks + ([sustained["peak_mb"]] if sustained else [])),
        "web_worker_peak_mb_synthetic_prices": max(synthetic_peaks),
        "web_worker_bundled": main["memory"],
        "consumer_builtin_peak_mb": sim["consumer_builtin"]["consumer_peak_mb"],
        "consumer_llm_peak_mb": sim["mock_llm"]["consumer_peak_mb"],
    }
    if sustained:
        memory["sustained"] = sustained
    return {
        "gunicorn_command": main.pop("gunicorn_command"),
        "consumer_command": sim["consumer_builtin"]["consumer_command"],
        "startup_seconds": main.pop("startup_seconds"),
        "queries": {"bundled": main},
        "scaling": scaled,
        "simulation": sim,
        "memory": memory,
    }


def _machine_lines(result: dict[str, Any]) -> list[str]:
    """What ran where: the machine, the mode, the load and the gunicorn command."""
    return [
        f"Machine: {result['machine']['cores']} x {result['machine']['cpu']}, "
        f"{result['machine']['memory_gb']} GB, Python {result['machine']['python']}, "
        f"SQLite {result['machine']['sqlite']}; mode {result['mode']}; load average "
        f"{result['machine']['load_average_before']:.1f} before, "
        f"{result['machine']['load_average_after']:.1f} after",
        f"gunicorn: {result['gunicorn_command']}",
    ]


def _target_lines(result: dict[str, Any]) -> list[str]:
    lines = ["Targets:"]
    for check in result["targets"]:
        mark = "ok  " if check["met"] else "MISS"
        lines.append(f"  {mark} {check['target']:<46} {check['goal']:<42} {check['measured']}")
    return lines


def report_lines(result: dict[str, Any]) -> list[str]:
    """The tables of the figures and the targets."""
    bundled_data = result["queries"]["bundled"]["data"]
    return [
        *_machine_lines(result),
        f"Bundled data: {bundled_data['prices']}, 20 models x {bundled_data['days']} days = "
        f"{bundled_data['model_days']} model-days, {bundled_data['bytes'] / 1e6:.1f} MB, "
        f"rows {bundled_data['rows']}",
        "Latency in ms (c100 = wrk, 100 connections; cpu/req = gunicorn workers' CPU ms per"
        " request), as deployed: repeated answers kept until the data changes:",
        *report.endpoint_table(
            {
                **result["queries"]["bundled"]["endpoints"],
                "ceiling (SELECT 1)": result["queries"]["bundled"]["ceiling"],
            }
        ),
        "",
        "The same with every answer computed (RESPONSE_CACHE_MB=0):",
        *report.endpoint_table(result["queries"]["bundled"]["computed"]),
        "",
        *report.market_lines(result["queries"]["markets"]),
        "",
        *report.hourly_lines(result["queries"]["hourly"]),
        "",
        *report.statistics_lines(result["queries"][STATISTICS]),
        "",
        "Scaling (synthetic prices, 20 models, every answer computed):",
        *report.scaling_table(result["scaling"]),
        "",
        *report.summary_lines(result),
        "",
        *_target_lines(result),
    ]


def statistics_report_lines(result: dict[str, Any]) -> list[str]:
    """The statistics section's table and targets (--only statistics)."""
    section = result["queries"][STATISTICS]
    return [*_machine_lines(result), *report.statistics_lines(section), "", *_target_lines(result)]


def hourly_report_lines(result: dict[str, Any]) -> list[str]:
    """The hourly section's tables, consumer runs and targets (--only hourly)."""
    return [
        *_machine_lines(result),
        *report.hourly_lines(result["queries"]["hourly"]),
        "",
        *report.hourly_consumer_lines(result["simulation"]["consumer_hourly"]),
        "",
        *_target_lines(result),
    ]


@dataclass(frozen=True)
class Alone:
    """A section --only runs: how to run it, its targets and its report."""

    run: Callable[[Path, Mode], dict[str, Any]]
    targets: Callable[[dict[str, Any]], list[dict[str, Any]]]
    lines: Callable[[dict[str, Any]], list[str]]


ALONE = {
    STATISTICS: Alone(
        run_statistics,
        lambda result: report.statistics_targets(result["queries"][STATISTICS]),
        statistics_report_lines,
    ),
    HOURLY_SECTION: Alone(run_hourly, report.hourly_targets, hourly_report_lines),
}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the tables, write the JSON."""
    args = parse_args(argv)
    mode = QUICK if args.quick else FULL
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    if load_before > BUSY_LOAD:
        say(f"the machine is busy (load average {load_before:.1f}): figures will be lower")
    # The statistics section is sequential: it needs no wrk.
    wrk_binary = ensure_wrk() if args.only is None else None
    if wrk_binary is None and args.only is None:
        say(
            "wrk is not installed and could not be (apt-get install wrk as root): "
            "concurrent figures are skipped"
        )
    try:
        with tempfile.TemporaryDirectory(prefix="ai-trader-bench-") as scratch:
            folder = args.workdir or Path(scratch)
            folder.mkdir(parents=True, exist_ok=True)
            result = (
                run(folder, mode, wrk_binary)
                if args.only is None
                else ALONE[args.only].run(folder, mode)
            )
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        say(f"failed: {error}")
        return 1
    result = {
        "command": " ".join(["bin/bench", *(argv if argv is not None else sys.argv[1:])]),
        "mode": mode.name,
        "machine": {**report.machine(wrk_binary), "load_average_before": load_before},
        "plan": {
            "bundled": asdict(mode.plan),
            "scaling": asdict(mode.scaling_plan),
            STATISTICS: asdict(mode.statistics),
        },
        **result,
        "total_seconds": time.perf_counter() - started,
    }
    if args.only is None:
        result["targets"] = report.targets(result)
    else:
        result["targets"] = ALONE[args.only].targets(result)
    out = args.out or Path("bench-results") / f"bench{'-' + args.only if args.only else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    lines = report_lines(result) if args.only is None else ALONE[args.only].lines(result)
    print("\n".join(lines))
    say(f"done in {result['total_seconds']:.0f} s; JSON in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
