"""Simulation throughput: built-in models through the real consumer and bin/simulate; mock LLM."""

from __future__ import annotations

import math
import os
import sqlite3
import statistics
import subprocess
import time
from contextlib import ExitStack, closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from service.agent.rate_limits import WINDOW_MARGIN, WINDOW_SECONDS
from service.market.prices import load_prices
from service.settings import DEFAULT_CONFIG_PATH
from tests.e2e.processes import REPO, request
from tests.performance.datagen import write_config
from tests.performance.servers import Service, memory_mb, service_env, web, worker
from tests.performance.stub_llm import STEPS_PER_DAY, StubLLM

FINAL = ("completed", "partial", "failed", "cancelled")
CLI_MODELS = "qqq-buy-and-hold,momentum-20,equal-weight-10"


def _wait_for_worker(base: str, timeout: float = 30) -> None:
    """Until /health has seen the consumer's heartbeat (it beats on start-up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = request(f"{base}/health")
        if status == 200 and body["queue"].get("last_heartbeat_seconds_ago") is not None:
            return
        time.sleep(0.05)
    raise TimeoutError("the consumer never reported a heartbeat")


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def queue_timings(conn: sqlite3.Connection, job_id: str) -> dict[str, float]:
    """Where a job's time went: first pickup, time inside model-days, waits between them."""
    created = conn.execute("SELECT created_at FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
    rows = conn.execute(
        "SELECT model, started_at, completed_at FROM job_details"
        " WHERE job_id = ? AND status = 'completed' ORDER BY model, date",
        (job_id,),
    ).fetchall()
    gaps = [
        _epoch(later[1]) - _epoch(earlier[2])
        for earlier, later in zip(rows, rows[1:], strict=False)
        if earlier[0] == later[0]
    ]
    return {
        "first_pickup_s": min(_epoch(row[1]) for row in rows) - _epoch(created[0]),
        "mean_model_day_s": statistics.fmean(_epoch(row[2]) - _epoch(row[1]) for row in rows),
        "mean_gap_between_days_s": statistics.fmean(gaps) if gaps else 0.0,
    }


def _run_job(
    api: Service, consumer: Service, database: Path, body: dict[str, Any], idle: float
) -> dict[str, Any]:
    """Trigger over HTTP, then watch the database until the job ends; consumer memory sampled.

    The consumer first idles for `idle` seconds: its workers then poll the empty queue less
    and less often (up to --max-delay), as in a deployment waiting for its next job.
    """
    _wait_for_worker(api.base)
    time.sleep(idle)
    started = time.perf_counter()
    status, job = request(f"{api.base}/simulate/trigger", body)
    if status != 202:
        raise RuntimeError(f"trigger answered {status}: {job}")
    peak_rss, state = 0.0, ""
    with closing(sqlite3.connect(database)) as conn:
        while state not in FINAL:
            time.sleep(0.02)
            state = conn.execute(
                "SELECT status FROM jobs WHERE job_id = ?", (job["job_id"],)
            ).fetchone()[0]
            peak_rss = max(peak_rss, memory_mb(consumer.process.pid)["rss_mb"])
        wall = time.perf_counter() - started
        done = conn.execute(
            "SELECT COUNT(*) FROM job_details WHERE job_id = ? AND status = 'completed'",
            (job["job_id"],),
        ).fetchone()[0]
        timings = queue_timings(conn, job["job_id"])
    return {
        "consumer_idle_before_trigger_s": idle,
        **timings,
        "status": state,
        "model_days": done,
        "wall_seconds": wall,
        "consumer_rss_mb": peak_rss,
        "consumer_peak_mb": memory_mb(consumer.process.pid)["peak_mb"],
        "consumer_command": consumer.command,
    }


def consumer_job(
    folder: Path, env: dict[str, str], body: dict[str, Any], idle: float
) -> dict[str, Any]:
    """One trigger through gunicorn and huey_consumer on env's database: the job's figures and
    its model-days (model-steps on an intraday market) per second, trigger to completed."""
    with web(env, folder / "web.log") as api, worker(env, folder / "worker.log") as consumer:
        result = _run_job(api, consumer, Path(env["DATABASE_PATH"]), body, idle)
    result["model_days_per_s"] = result["model_days"] / result["wall_seconds"]
    return result


def through_consumer(
    folder: Path, prices: Path, config: Path, days: int | None, idle: float
) -> dict[str, Any]:
    """Every model of the config over the first `days` (default all) days of the prices."""
    folder.mkdir(parents=True)
    trading = load_prices(prices).trading_days
    end = trading[(days or len(trading)) - 1]
    env = service_env(folder, prices, config, folder / "trader.db")
    body = {"start_date": trading[0], "end_date": end, "models": []}
    result = consumer_job(folder, env, body, idle)
    result["prices"] = prices.name
    return result


def simulate_cli(folder: Path, prices: Path) -> dict[str, Any]:
    """bin/simulate of the three default built-in models over every day of one price file."""
    trading = load_prices(prices).trading_days
    env = {
        **os.environ,
        **service_env(folder, prices, DEFAULT_CONFIG_PATH, folder / f"{prices.stem}.db"),
    }
    command = ["bin/simulate", "--start", trading[0], "--end", trading[-1], "--models", CLI_MODELS]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"bin/simulate failed: {done.stderr.strip()[-500:]}")
    model_days = 3 * len(trading)
    return {
        "prices": prices.name,
        "model_days": model_days,
        "seconds": seconds,
        "model_days_per_s": model_days / seconds,
        "command": " ".join(command),
    }


def stub_models(stub: StubLLM, models: int, prefix: str, **fields: Any) -> list[dict[str, Any]]:
    """`models` LLM models calling the stub, with these fields besides."""
    return [
        {
            "signature": f"{prefix}-{number:02d}",
            "provider": "openai",
            "basemodel": "stub",
            "openai_base_url": stub.base_url,
            "api_key_env": "BENCH_STUB_LLM_KEY",
            **fields,
        }
        for number in range(1, models + 1)
    ]


def wait_for_consumers(logs: list[Path], timeout: float = 30) -> None:
    """Until every consumer has started its workers (each log says so)."""
    deadline = time.monotonic() + timeout
    while not all(log.exists() and "consumer started" in log.read_text() for log in logs):
        if time.monotonic() > deadline:
            raise TimeoutError("a consumer did not start")
        time.sleep(0.05)


def mock_llm(
    folder: Path, prices: Path, models: int, days: int, latency: float, idle: float
) -> dict[str, Any]:
    """Models calling a stub LLM with a fixed latency: wall time against the ideal."""
    folder.mkdir(parents=True)
    trading = load_prices(prices).trading_days
    with StubLLM(latency) as stub:
        specs = stub_models(stub, models, "stub-llm")
        config = write_config(folder / "models.json", specs, max_retries=0, timeout=30)
        database = folder / "trader.db"
        env = service_env(folder, prices, config, database)
        with web(env, folder / "web.log") as api, worker(env, folder / "worker.log") as consumer:
            # The registration day calls no model: `days` trading days follow it.
            body = {"start_date": trading[0], "end_date": trading[days], "models": []}
            result = _run_job(api, consumer, database, body, idle)
        calls = stub.calls
    ideal = days * STEPS_PER_DAY * latency
    result.update(
        models=models,
        days=days,
        latency_s=latency,
        llm_calls=calls,
        expected_calls=models * days * STEPS_PER_DAY,
        ideal_seconds=ideal,
        ratio_to_ideal=result["wall_seconds"] / ideal,
    )
    return result


@dataclass(frozen=True)
class LimitedRun:
    """Models of one rate_limit_group on several consumers, against a stub refusing above the
    group's limits as a provider does."""

    models: int
    days: int
    latency: float
    max_concurrency: int
    requests_per_minute: int | None = None
    consumers: int = 3


def rate_limited(folder: Path, prices: Path, run: LimitedRun, idle: float) -> dict[str, Any]:
    """The rate-limited run: requests refused by the stub (must be 0), served, peak running.

    Each consumer has just enough threads for its share of the models, so that all of them
    take part and the limits are shared across processes, not kept by one.
    """
    folder.mkdir(parents=True)
    trading = load_prices(prices).trading_days
    limits = {"max_concurrency": run.max_concurrency}
    if run.requests_per_minute is not None:
        limits["requests_per_minute"] = run.requests_per_minute
    with StubLLM(run.latency, run.max_concurrency, run.requests_per_minute) as stub:
        specs = stub_models(stub, run.models, "limited-llm", rate_limit_group="bench", **limits)
        config = write_config(folder / "models.json", specs, max_retries=0, timeout=30)
        database = folder / "trader.db"
        env = service_env(folder, prices, config, database)
        env["HUEY_WORKERS"] = str(math.ceil(run.models / run.consumers))
        logs = [folder / f"worker{index}.log" for index in range(run.consumers)]
        with web(env, folder / "web.log") as api, ExitStack() as stack:
            consumers = [stack.enter_context(worker(env, log)) for log in logs]
            wait_for_consumers(logs)
            body = {"start_date": trading[0], "end_date": trading[run.days], "models": []}
            result = _run_job(api, consumers[0], database, body, idle)
        stats = stub.stats()
    calls = run.models * run.days * STEPS_PER_DAY
    result.update(
        models=run.models,
        days=run.days,
        latency_s=run.latency,
        consumers=run.consumers,
        max_concurrency=run.max_concurrency,
        requests_per_minute=run.requests_per_minute,
        llm_calls=stats["calls"],
        expected_calls=calls,
        refused=stats["refused"],
        peak_running=stats["peak_running"],
        model_days_per_consumer=[log.read_text().count("model-day completed") for log in logs],
        lower_bound_seconds=_limited_bound(run, calls),
    )
    result["ratio_to_bound"] = result["wall_seconds"] / result["lower_bound_seconds"]
    return result


def _limited_bound(run: LimitedRun, calls: int) -> float:
    """The shortest wall time the limits allow: calls at the concurrency limit, and every
    request past a window's allowance waiting for the window (plus its margin) to move on."""
    at_once = calls * run.latency / run.max_concurrency
    if run.requests_per_minute is None or calls <= run.requests_per_minute:
        return at_once
    windows = math.ceil(calls / run.requests_per_minute) - 1
    last = calls - windows * run.requests_per_minute
    return windows * (WINDOW_SECONDS + WINDOW_MARGIN) + last * run.latency / run.max_concurrency
