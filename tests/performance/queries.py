"""Query latency of the read endpoints through a real gunicorn, alone and under 100 connections."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tests.performance.load import sequential, wrk
from tests.performance.servers import Service, cpu_seconds, workers_memory

IDLE_CPU_SECONDS = 0.02  # per quarter second: the workers only wait for connections
WARMUP_ROUNDS = 2  # of the sustained rounds, see sustained()
WINDOW_DAYS = 20  # the date range of /results?model=: about a month
# Every model of a day, every day of a window: whole answers, not the default page of 10.
PAGE = "page_size=100"


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


def endpoints(database: Path) -> dict[str, str]:
    """The paths measured: a busy model, a day in the middle, the first (largest) job."""
    with closing(sqlite3.connect(database)) as conn:
        days = [row[0] for row in conn.execute("SELECT DISTINCT date FROM positions ORDER BY 1")]
        model = conn.execute(
            "SELECT model FROM positions WHERE action_type IN ('buy', 'sell')"
            " GROUP BY model ORDER BY COUNT(*) DESC, model LIMIT 1"
        ).fetchone()[0]
        job_id = conn.execute("SELECT job_id FROM jobs ORDER BY created_at LIMIT 1").fetchone()[0]
    middle = len(days) // 2
    start, end = days[max(1, middle - WINDOW_DAYS + 1)], days[middle]
    return {
        "results_by_date": f"/results?date={days[middle]}&{PAGE}",
        "results_by_model": f"/results?model={model}&start_date={start}&end_date={end}&{PAGE}",
        "portfolio_timeseries": f"/portfolio/timeseries?model={model}",
        "leaderboard": "/leaderboard",
        "metrics": f"/metrics?model={model}",
        "simulate_status": f"/simulate/status/{job_id}",
        "health": "/health",
    }


def _largest_worker(service: Service) -> dict[str, float]:
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


def measure(
    service: Service, paths: dict[str, str], plan: LoadPlan, wrk_binary: str | None, script: Path
) -> dict[str, Any]:
    """Sequential figures (warm-up included, not counted), then wrk's, with worker memory."""
    # gunicorn answers as soon as one worker is up; the others are still loading the prices.
    settle(service)
    memory: dict[str, Any] = {"after_start": _largest_worker(service)}
    results: dict[str, dict[str, Any]] = {name: {"path": path} for name, path in paths.items()}
    for name, path in paths.items():
        sequential(service.base, path, 20, plan.sequential_max_seconds)
        results[name]["sequential"] = sequential(
            service.base, path, plan.sequential_requests, plan.sequential_max_seconds
        )
    memory["after_sequential"] = _largest_worker(service)
    if wrk_binary:
        for name, path in paths.items():
            results[name]["concurrent"] = _loaded(service, path, plan, wrk_binary, script)
        memory["after_concurrent"] = _largest_worker(service)
    return {"endpoints": results, "memory": memory}


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
    before = _largest_worker(service)
    total, series = 0, []
    rounds = plan.sustained_rounds
    plan = replace(plan, wrk_seconds=plan.sustained_seconds)
    for _ in range(rounds):
        for path in paths.values():
            total += _loaded(service, path, plan, wrk_binary, script)["requests"]
        series.append(_largest_worker(service)["rss_mb"])
    return {
        "rounds": rounds,
        "requests": total,
        "rss_before_mb": before["rss_mb"],
        "rss_after_each_round_mb": series,
        "rss_after_mb": series[-1],
        "growth_mb": series[-1] - series[min(WARMUP_ROUNDS, rounds) - 1],
        "peak_mb": _largest_worker(service)["peak_mb"],
    }
