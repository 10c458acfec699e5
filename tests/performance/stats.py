"""The statistics section of bin/bench: how long bootstrap intervals and aggregated runs take.

Two data sets, each in its own database and served by its own gunicorn:

- intervals: one built-in over the first 250 trading days of a synthetic year of nasdaq100
  (datagen.write_synthetic_prices: QQQ and 99 made-up stocks on every weekday). No bundled file
  has 250 trading days with its benchmark on each: nasdaq100's hold 121 and 99, and crypto10's
  355 days have its benchmark (CD5) on 15 of them, which would leave out the benchmark's half
  of the bootstrap (the excess return's interval and the paired test);
- runs: 20 built-ins x 10 repeats (`<signature>:r1`..`:r10`, 200 timelines) over the first
  trading days of the bundled Jun-Oct nasdaq100 file, made by one job's `repeats`. The work of
  /leaderboard grows with the timelines, not with their days, so a month of them is enough.

Each is measured sequentially, every answer computed (RESPONSE_CACHE_MB=0) and as deployed,
with the workers' CPU time per request, and with the same figures without intervals and without
aggregation to compare with. A worker keeps
the resamples' indices of the last few (returns, resamples, seed) it drew (bootstrap's
stationary_indices), so repeating one path measures the answer with its draws kept; with every
answer computed, /metrics with intervals is also asked with a new seed each time
("metrics_uncertainty_new_draws"): what the first answer after a model's new day costs, whose
one more return needs new draws.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.jobs.planning import JobRequest
from service.market.prices import load_prices
from service.stats.bootstrap import DEFAULT_RESAMPLES
from tests.markets import nasdaq
from tests.performance import datagen, queries
from tests.performance.load import Timings, time_requests
from tests.performance.queries import LoadPlan
from tests.performance.report import STATISTICS_TARGET_MS
from tests.performance.servers import Service, children, query_env, run_nanoseconds, web


@dataclass(frozen=True)
class StatsSizes:
    """The section's data: trading days of the one model with intervals; repeats of the 20
    built-ins and their trading days."""

    interval_days: int
    repeats: int
    repeat_days: int


@dataclass(frozen=True)
class DataSet:
    """One of the section's data sets: its files, the paths measured and its description."""

    database: Path
    config: Path
    prices: Path
    paths: dict[str, str]
    found: dict[str, Any]


def _window(trading_days: Sequence[str], count: int) -> dict[str, Any]:
    days = trading_days[:count]
    if len(days) < count:
        raise RuntimeError(f"the price data has {len(trading_days)} trading days, not {count}")
    return {"days": count, "first": days[0], "last": days[-1]}


def _filled(filled: datagen.Filled, database: Path) -> dict[str, Any]:
    return {
        "model_days": filled.model_days,
        "generation_seconds": filled.seconds,
        **datagen.describe(database),
    }


def fill_intervals(folder: Path, days: int) -> DataSet:
    """One built-in (the first momentum variant) over a synthetic year's first `days`."""
    prices = datagen.write_synthetic_prices(folder / "synthetic-year.jsonl", years=1)
    model = datagen.builtin_models(load_prices(prices).symbols)[0]
    config = datagen.write_config(folder / "models-intervals.json", [model])
    window = _window(load_prices(prices).trading_days, days)
    database = folder / "intervals.db"
    filled = datagen.fill(database, prices, config, window["last"], window["first"])
    signature = model["signature"]
    found = {"model": signature, "prices": prices.name, **window, "data": _filled(filled, database)}
    paths = {
        "metrics_uncertainty": f"/metrics?model={signature}&with=uncertainty",
        "metrics": f"/metrics?model={signature}",
    }
    return DataSet(database, config, prices, paths, found)


def fill_runs(folder: Path, prices: Path, repeats: int, days: int) -> DataSet:
    """The 20 built-ins, `repeats` timelines each, over the first `days` of prices (nasdaq100's),
    in one job."""
    loaded = load_prices(prices)
    models = datagen.builtin_models(loaded.symbols)
    config = datagen.write_config(folder / "models-runs.json", models)
    window = _window(loaded.trading_days, days)
    database = folder / "runs.db"
    request = JobRequest(window["last"], window["first"], repeats=repeats)
    filled = datagen.run_request(database, nasdaq(loaded), config, request)
    found = {
        "prices": prices.name,
        "models": len(models),
        "repeats": repeats,
        "timelines": len(models) * repeats,
        **window,
        "data": _filled(filled, database),
    }
    paths = {"leaderboard_aggregate": "/leaderboard?aggregate=true", "leaderboard": "/leaderboard"}
    return DataSet(database, config, prices, paths, found)


def new_draws(service: Service, path: str, plan: LoadPlan) -> dict[str, Any]:
    """Sequential figures of path with seed=1, 2, ... (each asked once, so each draws anew),
    with the workers' CPU time per request."""
    timings = Timings()
    workers = children(service.process.pid)
    before = run_nanoseconds(workers)
    deadline = time.perf_counter() + plan.sequential_max_seconds
    for seed in range(1, plan.sequential_requests + 1):
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        time_requests(service.base, f"{path}&seed={seed}", 1, left, timings)
    return {
        "path": f"{path}&seed=<1..{len(timings.timings)}>",
        "sequential": timings.summary(),
        "server_cpu_ms_per_request": (run_nanoseconds(workers) - before)
        / 1e6
        / len(timings.timings),
    }


def measure(folder: Path, data: DataSet, plan: LoadPlan) -> dict[str, Any]:
    """Sequential figures of the data set's paths on gunicorn, with the workers' CPU time per
    request (which other programs on the machine lengthen far less than the latency), every
    answer computed and as deployed, and the largest worker's memory after each; with every
    answer computed, /metrics with intervals with new draws too (and the memory after them:
    each worker keeps its last draws)."""
    found: dict[str, Any] = {"memory": {}}
    for label, cache in (("computed", False), ("cached", True)):
        env = query_env(folder, data.prices, data.config, data.database, cache)
        with web(env, folder / f"web-{data.database.stem}-{label}.log") as api:
            endpoints = queries.interleaved({label: (api, data.paths)}, plan)[label]
            found["memory"][label] = queries.largest_worker(api)
            if not cache and "metrics_uncertainty" in endpoints:
                path = endpoints["metrics_uncertainty"]["path"]
                endpoints["metrics_uncertainty_new_draws"] = new_draws(api, path, plan)
                found["memory"]["after_new_draws"] = queries.largest_worker(api)
            found["gunicorn_command"] = api.command
        found[label] = endpoints
    return found


def section(folder: Path, bundled: Path, sizes: StatsSizes, plan: LoadPlan) -> dict[str, Any]:
    """Both data sets filled and measured (the runs on the bundled nasdaq100 file), with the
    targets and the section's wall time."""
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    found: dict[str, Any] = {"resamples": DEFAULT_RESAMPLES, "target_ms": STATISTICS_TARGET_MS}
    for name, data in (
        ("intervals", fill_intervals(folder, sizes.interval_days)),
        ("runs", fill_runs(folder, bundled, sizes.repeats, sizes.repeat_days)),
    ):
        found[name] = {**data.found, **measure(folder, data, plan)}
    found["gunicorn_command"] = found["runs"].pop("gunicorn_command")
    found["intervals"].pop("gunicorn_command")
    found["seconds"] = time.perf_counter() - started
    return found
