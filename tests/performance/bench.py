"""bin/bench: the performance report (queries, throughput, memory, start-up, scaling) as JSON."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from service.market.catalog import DEFAULT_MARKET
from service.market.directory import Markets, markets_from
from service.market.prices import load_prices
from service.settings import DEFAULT_CONFIG_PATH, DEFAULTS_DIR, Settings
from tests.performance import datagen, queries, report, simulation
from tests.performance.load import ensure_wrk, write_wrk_script
from tests.performance.queries import LoadPlan
from tests.performance.servers import service_env, web

JAN_JUN = DEFAULTS_DIR / "nasdaq100_daily_2025-01-02_2025-06-27_adjusted.jsonl.gz"
JUN_OCT = DEFAULTS_DIR / "nasdaq100_daily_2025-06-10_2025-10-29.jsonl.gz"
LLM_LATENCY = 0.1
# Many LLM models at once: a slow stub (0.5 s per call), 5 days, 32 and then 64 models.
WIDE_LLM_LATENCY = 0.5
WIDE_LLM_DAYS = 5
WIDE_LLM_MODELS = (32, 64)
CEILING_APP = "tests.performance.ceiling:app"
BUSY_LOAD = 0.5  # 1-minute load average above which other work disturbs the figures


@dataclass(frozen=True)
class Mode:
    """Sizes of one benchmark run; None days means every trading day of the file (for
    market_days: of the daily market with the fewest, so that every market has as many)."""

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
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="bin/bench",
        description="Fill databases through the engine, load a real gunicorn and huey_consumer "
        "on loopback, print the figures as tables and write them as JSON. About 6 minutes "
        "on 2 cores (--quick: about one).",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument(
        "--out", type=Path, default=Path("bench-results/bench.json"), help="the JSON report"
    )
    parser.add_argument("--workdir", type=Path, help="keep databases and logs here")
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


def query_env(
    folder: Path, prices: Path, config: Path, database: Path, cache: bool
) -> dict[str, str]:
    """The web process's environment; without cache every answer is computed."""
    env = service_env(folder, prices, config, database)
    if not cache:
        env["RESPONSE_CACHE_MB"] = "0"
    return env


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
    description."""
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
    say("[1/6] filling the bundled database (20 built-in models, Jun-Oct 2025)")
    database, config, data = bundled(folder, mode)
    say("[2/6] query latency on the bundled database")
    bundled_figures = measure_queries(folder, database, config, JUN_OCT, mode.plan, wrk_binary)
    bundled_figures["data"] = data
    bundled_figures["ceiling"] = ceiling(folder, database, mode.plan, wrk_binary)
    say("[2/6] the same with every answer computed (RESPONSE_CACHE_MB=0)")
    once = replace(mode.plan, sustained_rounds=0)
    computed = measure_queries(folder, database, config, JUN_OCT, once, wrk_binary, cache=False)
    bundled_figures["computed"] = computed["endpoints"]
    bundled_figures["memory"]["computed"] = list(computed["memory"].values())[-1]
    say("[3/6] per market: 20 built-ins on each market, as many days each, one database")
    per_market = market_queries(folder, mode)
    say("[4/6] built-ins through huey_consumer (20 models, Jan-Jun 2025) and bin/simulate")
    jan_config = datagen.write_config(
        folder / "models-jan-jun.json", datagen.builtin_models(load_prices(JAN_JUN).symbols)
    )
    sim = {
        "consumer_builtin": simulation.through_consumer(
            folder / "consumer", JAN_JUN, jan_config, mode.consumer_days, mode.consumer_idle
        ),
        "simulate_cli": [simulation.simulate_cli(folder, path) for path in (JAN_JUN, JUN_OCT)],
    }
    say(f"[5/6] stub LLM at {LLM_LATENCY * 1000:.0f} ms per call through huey_consumer")
    sim["mock_llm"] = simulation.mock_llm(
        folder / "llm", JUN_OCT, mode.llm_models, mode.llm_days, LLM_LATENCY, mode.consumer_idle
    )
    for models in WIDE_LLM_MODELS:
        say(f"[5/6] {models} models on a stub LLM at {WIDE_LLM_LATENCY * 1000:.0f} ms per call")
        sim[f"llm_{models}_models"] = simulation.mock_llm(
            folder / f"llm-{models}", JUN_OCT, models, WIDE_LLM_DAYS, WIDE_LLM_LATENCY, 1.0
        )
    limited = mode.limited
    say(
        f"[5/6] rate-limited: {limited.models} models of one group on {limited.consumers}"
        f" consumers, a stub refusing above {limited.max_concurrency} at once"
        + (f" or {limited.requests_per_minute} a minute" if limited.requests_per_minute else "")
    )
    sim["rate_limited"] = simulation.rate_limited(folder / "limited", JUN_OCT, limited, 1.0)
    say("[6/6] scaling: synthetic prices, 1x 4x 16x data")
    scaled = scaling(folder, mode, wrk_binary)
    result = assemble(bundled_figures, sim, scaled)
    result["queries"]["markets"] = per_market
    return result


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


def print_report(result: dict[str, Any]) -> None:
    """The tables of the figures and the targets."""
    bundled_data = result["queries"]["bundled"]["data"]
    lines = [
        f"Machine: {result['machine']['cores']} x {result['machine']['cpu']}, "
        f"{result['machine']['memory_gb']} GB, Python {result['machine']['python']}, "
        f"SQLite {result['machine']['sqlite']}; mode {result['mode']}; load average "
        f"{result['machine']['load_average_before']:.1f} before, "
        f"{result['machine']['load_average_after']:.1f} after",
        f"gunicorn: {result['gunicorn_command']}",
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
        "Scaling (synthetic prices, 20 models, every answer computed):",
        *report.scaling_table(result["scaling"]),
        "",
        *report.summary_lines(result),
        "",
        "Targets:",
    ]
    for check in result["targets"]:
        mark = "ok  " if check["met"] else "MISS"
        lines.append(f"  {mark} {check['target']:<46} {check['goal']:<42} {check['measured']}")
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the tables, write the JSON."""
    args = parse_args(argv)
    mode = QUICK if args.quick else FULL
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    if load_before > BUSY_LOAD:
        say(f"the machine is busy (load average {load_before:.1f}): figures will be lower")
    wrk_binary = ensure_wrk()
    if wrk_binary is None:
        say(
            "wrk is not installed and could not be (apt-get install wrk as root): "
            "concurrent figures are skipped"
        )
    try:
        with tempfile.TemporaryDirectory(prefix="ai-trader-bench-") as scratch:
            folder = args.workdir or Path(scratch)
            folder.mkdir(parents=True, exist_ok=True)
            result = run(folder, mode, wrk_binary)
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        say(f"failed: {error}")
        return 1
    result = {
        "command": " ".join(["bin/bench", *(argv if argv is not None else sys.argv[1:])]),
        "mode": mode.name,
        "machine": {**report.machine(wrk_binary), "load_average_before": load_before},
        "plan": {"bundled": asdict(mode.plan), "scaling": asdict(mode.scaling_plan)},
        **result,
        "total_seconds": time.perf_counter() - started,
    }
    result["targets"] = report.targets(result)
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print_report(result)
    say(f"done in {result['total_seconds']:.0f} s; JSON in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
