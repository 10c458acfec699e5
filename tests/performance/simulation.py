"""Simulation throughput: built-in models through the real consumer and bin/simulate; mock LLM."""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

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


def through_consumer(
    folder: Path, prices: Path, config: Path, days: int | None, idle: float
) -> dict[str, Any]:
    """Every model of the config over the first `days` (default all) days of the prices."""
    folder.mkdir(parents=True)
    trading = load_prices(prices).trading_days
    end = trading[(days or len(trading)) - 1]
    database = folder / "trader.db"
    env = service_env(folder, prices, config, database)
    with web(env, folder / "web.log") as api, worker(env, folder / "worker.log") as consumer:
        body = {"start_date": trading[0], "end_date": end, "models": []}
        result = _run_job(api, consumer, database, body, idle)
    result["model_days_per_s"] = result["model_days"] / result["wall_seconds"]
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


def mock_llm(
    folder: Path, prices: Path, models: int, days: int, latency: float, idle: float
) -> dict[str, Any]:
    """Models calling a stub LLM with a fixed latency: wall time against the ideal."""
    folder.mkdir(parents=True)
    trading = load_prices(prices).trading_days
    with StubLLM(latency) as stub:
        specs = [
            {
                "signature": f"stub-llm-{number:02d}",
                "provider": "openai",
                "basemodel": "stub",
                "openai_base_url": stub.base_url,
                "api_key_env": "BENCH_STUB_LLM_KEY",
            }
            for number in range(1, models + 1)
        ]
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
