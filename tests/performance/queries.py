"""Query latency of the read endpoints through a real gunicorn, alone and under 100 connections."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, replace
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from service.market.calendar import day_of
from tests.performance.load import Timings, sequential, time_requests, wrk
from tests.performance.servers import (
    Service,
    children,
    cpu_seconds,
    run_nanoseconds,
    workers_memory,
)

IDLE_CPU_SECONDS = 0.02  # per quarter second: the workers only wait for connections
WARMUP_ROUNDS = 2  # of the sustained rounds, see sustained()
WARMUP_REQUESTS = 20  # of each sequential measurement
INTERLEAVED_ROUNDS = 12  # see interleaved(); a multiple of 3 and 4 columns
WINDOW_DAYS = 20  # the date range of /results?model=: about a month
WINDOW_WEEK = 5  # the same on an intraday market, in days of bars: a week
# Every model of a day, every day of a window: whole answers, not the default page of 10.
PAGE = 100


@dataclass(frozen=True)
class LoadPlan:
    """How hard and how long each endpoint is loaded."""

    sequential_requests: int
    sequential_max_seconds: float
    wrk_seconds: float
    connections: int = 100
    wrk_threads: int = 2
    sustained_rounds: int = 0  # rounds of load after the measured one, to watch memory
    sustained_seconds: float = 3.0


def _path(base: str, **params: object) -> str:
    """base with the query string of the params that are not None, in their order."""
    query = urlencode({name: value for name, value in params.items() if value is not None})
    return f"{base}?{query}" if query else base


def _stored_dates(conn: sqlite3.Connection, market: str | None) -> list[str]:
    """Every stored date (a day or a bar key) of the market's timelines, or of all."""
    where = "WHERE market = ?" if market else ""
    query = f"SELECT DISTINCT date FROM positions {where} ORDER BY 1"  # nosec B608
    return [row[0] for row in conn.execute(query, (market,) if market else ())]


def _busiest_model(conn: sqlite3.Connection, market: str | None) -> str:
    """The model of the market (or of all) with the most orders."""
    row = conn.execute(
        "SELECT model FROM positions WHERE action_type IN ('buy', 'sell')"
        f" {'AND market = ?' if market else ''}"
        " GROUP BY model ORDER BY COUNT(*) DESC, model LIMIT 1",
        (market,) if market else (),
    ).fetchone()
    return str(row[0])


def _first_job(conn: sqlite3.Connection, model: str) -> str:
    """The first job that stored a day of the model."""
    row = conn.execute(
        "SELECT job_id FROM jobs WHERE job_id IN"
        " (SELECT job_id FROM positions WHERE model = ?) ORDER BY created_at LIMIT 1",
        (model,),
    ).fetchone()
    return str(row[0])


def endpoints(database: Path, market: str | None = None) -> dict[str, str]:
    """The paths measured: a busy model, a day in the middle, the model's first job.

    With a market, the same of that market's timelines, market= where the endpoint takes it,
    and its metrics list in place of /health (which no market changes).
    """
    with closing(sqlite3.connect(database)) as conn:
        days = _stored_dates(conn, market)
        model = _busiest_model(conn, market)
        job_id = _first_job(conn, model)
    middle = len(days) // 2
    start, end = days[max(1, middle - WINDOW_DAYS + 1)], days[middle]
    paths = {
        "results_by_date": _path("/results", date=days[middle], market=market, page_size=PAGE),
        "results_by_model": _path(
            "/results", model=model, start_date=start, end_date=end, market=market, page_size=PAGE
        ),
        "portfolio_timeseries": _path("/portfolio/timeseries", model=model, market=market),
        "leaderboard": _path("/leaderboard", market=market),
        "metrics": _path("/metrics", model=model, market=market),
    }
    if market:
        paths["metrics_all"] = _path("/metrics", market=market)
    paths["simulate_status"] = f"/simulate/status/{job_id}"
    if not market:
        paths["health"] = "/health"
    return paths


@dataclass(frozen=True)
class Dates:
    """Where one column of the intraday comparison reads: a bar; a day of bars as the results'
    date arguments and as the leaderboard's date; a window of days as its first and last."""

    bar: str
    day: dict[str, str]
    day_leaderboard: str
    window: tuple[str, str]


def _dated_paths(market: str, model: str, job_id: str, dates: Dates) -> dict[str, str]:
    """The paths of one column of the intraday comparison."""
    return {
        "results_by_bar": _path("/results", date=dates.bar, market=market, page_size=PAGE),
        "results_by_day": _path("/results", **dates.day, market=market, page_size=PAGE),
        "results_by_model": _path(
            "/results",
            model=model,
            start_date=dates.window[0],
            end_date=dates.window[1],
            market=market,
            page_size=PAGE,
        ),
        "portfolio_timeseries": _path("/portfolio/timeseries", model=model, market=market),
        "leaderboard": _path("/leaderboard", market=market),
        "leaderboard_by_day": _path("/leaderboard", market=market, date=dates.day_leaderboard),
        "metrics": _path("/metrics", model=model, market=market),
        "metrics_all": _path("/metrics", market=market),
        "simulate_status": f"/simulate/status/{job_id}",
    }


def intraday_endpoints(database: Path, intraday: str, daily: str) -> dict[str, dict[str, str]]:
    """The same queries on an intraday market and on a daily market whose i-th day holds the
    intraday market's i-th bar (datagen.bars_as_days), by market, so that each pair of paths
    answers the same rows: on the intraday market a bar, a day (its bars; the leaderboard: its
    last bar) and a week of days in the middle of its data; on the daily market the days of
    those bars. The models are the intraday market's busiest and its twin on the daily market
    (the same signature after the market's name).
    """
    with closing(sqlite3.connect(database)) as conn:
        bars = _stored_dates(conn, intraday)
        image = dict(zip(bars, _stored_dates(conn, daily), strict=True))
        model = _busiest_model(conn, intraday)
        twin = daily + model.removeprefix(intraday)
        jobs = {intraday: _first_job(conn, model), daily: _first_job(conn, twin)}
    days = [(day, list(of_day)) for day, of_day in groupby(bars, key=day_of)]
    middle = len(days) // 2
    day, day_bars = days[middle]
    bar = day_bars[len(day_bars) // 2]
    week = days[max(1, middle - WINDOW_WEEK + 1) : middle + 1]
    on_intraday = Dates(bar, {"date": day}, day, (week[0][0], week[-1][0]))
    on_daily = Dates(
        image[bar],
        {"start_date": image[day_bars[0]], "end_date": image[day_bars[-1]]},
        image[day_bars[-1]],
        (image[week[0][1][0]], image[week[-1][1][-1]]),
    )
    return {
        daily: _dated_paths(daily, twin, jobs[daily], on_daily),
        intraday: _dated_paths(intraday, model, jobs[intraday], on_intraday),
    }


def largest_worker(service: Service) -> dict[str, float]:
    """How many workers, and the largest resident memory of one now and at its peak (MB)."""
    workers = workers_memory(service)
    return {
        "workers": len(workers),
        "rss_mb": max(w["rss_mb"] for w in workers),
        "peak_mb": max(w["peak_mb"] for w in workers),
    }


def settle(service: Service, timeout: float = 30.0) -> None:
    """Wait until the workers are idle: requests of closed connections still run after wrk."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(service)
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = cpu_seconds(service)
        if now - last < IDLE_CPU_SECONDS:
            return
        last = now


def _loaded(
    service: Service, path: str, plan: LoadPlan, wrk_binary: str, script: Path
) -> dict[str, Any]:
    """wrk's figures and the workers' CPU time per request (steady whatever else runs)."""
    settle(service)
    before = cpu_seconds(service)
    figures = wrk(
        wrk_binary,
        service.base + path,
        plan.wrk_seconds,
        plan.connections,
        plan.wrk_threads,
        script,
    )
    figures["server_cpu_ms_per_request"] = (
        (cpu_seconds(service) - before) * 1000 / max(1, figures["requests"])
    )
    return figures


def _sequential(service: Service, path: str, plan: LoadPlan) -> dict[str, Any]:
    """The sequential figures of path after WARMUP_REQUESTS that are not counted."""
    sequential(service.base, path, WARMUP_REQUESTS, plan.sequential_max_seconds)
    return sequential(service.base, path, plan.sequential_requests, plan.sequential_max_seconds)


def measure(
    service: Service, paths: dict[str, str], plan: LoadPlan, wrk_binary: str | None, script: Path
) -> dict[str, Any]:
    """Sequential figures (warm-up included, not counted), then wrk's, with worker memory."""
    # gunicorn answers as soon as one worker is up; the others are still loading the prices.
    settle(service)
    memory: dict[str, Any] = {"after_start": largest_worker(service)}
    results: dict[str, dict[str, Any]] = {name: {"path": path} for name, path in paths.items()}
    for name, path in paths.items():
        results[name]["sequential"] = _sequential(service, path, plan)
    memory["after_sequential"] = largest_worker(service)
    if wrk_binary:
        for name, path in paths.items():
            results[name]["concurrent"] = _loaded(service, path, plan, wrk_binary, script)
        memory["after_concurrent"] = largest_worker(service)
    return {"endpoints": results, "memory": memory}


def interleaved(
    columns: dict[str, tuple[Service, dict[str, str]]], plan: LoadPlan
) -> dict[str, dict[str, Any]]:
    """Sequential figures of the same endpoints of several columns (a market on a service),
    with the workers' CPU time per request.

    Endpoint by endpoint, the columns take turns in INTERLEAVED_ROUNDS rounds of a share of
    the requests each, each column leading in turn: whatever drifts meanwhile (another
    program, the page cache) falls on every column alike, which makes their ratios steadier
    than their figures. The CPU time is the workers' own, which other programs on the machine
    lengthen far less than they lengthen the latency.
    """
    for service, _ in columns.values():
        settle(service)
    workers = {label: children(service.process.pid) for label, (service, _) in columns.items()}
    found: dict[str, dict[str, Any]] = {label: {} for label in columns}
    order = list(columns.items())
    share = max(1, plan.sequential_requests // INTERLEAVED_ROUNDS)
    seconds = plan.sequential_max_seconds / INTERLEAVED_ROUNDS
    for name in next(iter(columns.values()))[1]:
        runs = {label: Timings() for label in columns}
        cpu = dict.fromkeys(columns, 0)
        for service, paths in columns.values():
            time_requests(service.base, paths[name], WARMUP_REQUESTS, seconds)
        for turn in range(INTERLEAVED_ROUNDS):
            # Each column leads as many rounds as the others: none gains from going first.
            lead = turn % len(order)
            for label, (service, paths) in order[lead:] + order[:lead]:
                before = run_nanoseconds(workers[label])
                time_requests(service.base, paths[name], share, seconds, runs[label])
                cpu[label] += run_nanoseconds(workers[label]) - before
        for label, (_, paths) in columns.items():
            found[label][name] = {
                "path": paths[name],
                "sequential": runs[label].summary(),
                "server_cpu_ms_per_request": cpu[label] / 1e6 / len(runs[label].timings),
            }
    return found


def sustained(
    service: Service,
    paths: dict[str, str],
    plan: LoadPlan,
    wrk_binary: str,
    script: Path,
) -> dict[str, Any]:
    """More rounds of load on every endpoint: worker memory after each (flat means no leak).

    The first WARMUP_ROUNDS still warm up: each thread's kept SQLite connection fills its page
    cache and the largest answers raise the allocator's high-water mark. Growth counts from
    the end of the warm-up to the end of the last round.
    """
    before = largest_worker(service)
    total, series = 0, []
    rounds = plan.sustained_rounds
    plan = replace(plan, wrk_seconds=plan.sustained_seconds)
    for _ in range(rounds):
        for path in paths.values():
            total += _loaded(service, path, plan, wrk_binary, script)["requests"]
        series.append(largest_worker(service)["rss_mb"])
    return {
        "rounds": rounds,
        "requests": total,
        "rss_before_mb": before["rss_mb"],
        "rss_after_each_round_mb": series,
        "rss_after_mb": series[-1],
        "growth_mb": series[-1] - series[min(WARMUP_ROUNDS, rounds) - 1],
        "peak_mb": largest_worker(service)["peak_mb"],
    }
