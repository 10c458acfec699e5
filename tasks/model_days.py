"""The model-day task: one model on one trading day, then the model's next day is queued."""

from __future__ import annotations

import logging
import threading
from contextlib import closing

from huey import crontab

from service.db import connect
from service.jobs.lifecycle import next_days_to_run, requeue_interrupted
from service.jobs.model_day import DayOutcome, run_model_day
from service.market.prices import load_prices
from service.settings import from_environment
from tasks.heartbeat import start_heartbeat
from tasks.queue import huey

log = logging.getLogger("tasks.model_days")
_recovered = threading.Event()
_recovery_lock = threading.Lock()


@huey.task()
def model_day_task(job_id: str, model: str, day: str) -> None:
    """Run the model-day (a no-op when it is not pending) and queue the model's next day."""
    settings = from_environment()
    prices = load_prices(settings.price_data)
    with closing(connect(settings.database_path)) as conn:
        outcome = run_model_day(conn, prices, job_id, model, day)
    if outcome.status != "skipped":
        log_outcome(model, day, outcome)
    if outcome.next_day:
        model_day_task(job_id, model, outcome.next_day)


def log_outcome(model: str, day: str, outcome: DayOutcome) -> None:
    """One line per model-day: model, date, trades, value, duration (fields too, for JSON)."""
    value = f"{outcome.portfolio_value:.2f}" if outcome.portfolio_value is not None else "-"
    fields = {
        "model": model,
        "date": day,
        "status": outcome.status,
        "trades": outcome.trades,
        "portfolio_value": outcome.portfolio_value,
        "duration_seconds": round(outcome.duration, 4),
    }
    log.info(
        "model-day %s model=%s date=%s trades=%d value=%s duration=%.3fs%s",
        outcome.status,
        model,
        day,
        outcome.trades,
        value,
        outcome.duration,
        f" error={outcome.error}" if outcome.error else "",
        extra=fields,
    )


def enqueue_days(job_id: str, days: list[tuple[str, str]]) -> None:
    """Queue the first model-day of each model of a job."""
    for model, day in days:
        model_day_task(job_id, model, day)


def _enqueue(days: list[tuple[str, str, str]], reason: str) -> None:
    for job_id, model, day in days:
        model_day_task(job_id, model, day)
    if days:
        log.info("%s: queued %d model-days", reason, len(days))


@huey.on_startup()
def requeue_after_crash() -> None:
    """Once per consumer process: start the heartbeat; days a dead consumer left run again."""
    with _recovery_lock:
        if _recovered.is_set():
            return
        _recovered.set()
        start_heartbeat()
        with closing(connect(from_environment().database_path)) as conn:
            days = requeue_interrupted(conn)
    _enqueue(days, "recovery after restart")


@huey.periodic_task(crontab(minute="*"))
def requeue_stalled() -> None:
    """Every minute: queue the next day of every open model again (a duplicate is a no-op).

    This repairs a chain whose next task was lost, e.g. when the web process died between
    storing a new job and queueing its first days.
    """
    with closing(connect(from_environment().database_path)) as conn:
        _enqueue(next_days_to_run(conn), "periodic check")
