"""The model-day task: one model on one trading day, then the model's next day is queued."""

from __future__ import annotations

import logging
import threading
from contextlib import closing

from service.db import connect
from service.jobs.lifecycle import requeue_interrupted
from service.jobs.model_day import run_model_day
from service.market.prices import load_prices
from service.settings import from_environment
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
        log.info(
            "model-day %s model=%s date=%s trades=%d value=%s duration=%.3fs",
            outcome.status,
            model,
            day,
            outcome.trades,
            f"{outcome.portfolio_value:.2f}" if outcome.portfolio_value is not None else "-",
            outcome.duration,
        )
    if outcome.next_day:
        model_day_task(job_id, model, outcome.next_day)


def enqueue_days(job_id: str, days: list[tuple[str, str]]) -> None:
    """Queue the first model-day of each model of a job."""
    for model, day in days:
        model_day_task(job_id, model, day)


@huey.on_startup()
def requeue_after_crash() -> None:
    """Once per consumer process: model-days a dead consumer left running run again."""
    with _recovery_lock:
        if _recovered.is_set():
            return
        _recovered.set()
        settings = from_environment()
        with closing(connect(settings.database_path)) as conn:
            pending = requeue_interrupted(conn)
    for job_id, model, day in pending:
        model_day_task(job_id, model, day)
    if pending:
        log.info("requeued %d unfinished model-days", len(pending))
