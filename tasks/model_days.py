"""The model-day task: one model on one bar, then the model's next bar is queued.

The tasks are registered on a Huey instance together with the settings they run with, so that
nothing here reads the environment: the web app and the consumer each build one queue.
"""

from __future__ import annotations

import logging
import threading
from contextlib import closing

from huey import Huey, crontab

from service.db import connect
from service.jobs.batch import run_model_days
from service.jobs.lifecycle import next_days_to_run, requeue_interrupted
from service.jobs.model_day import DayOutcome
from service.market.directory import markets_from
from service.settings import Settings
from tasks.heartbeat import last_beat, start_heartbeat

log = logging.getLogger("tasks.model_days")


class ModelDayQueue:
    """A Huey instance with the model-day tasks, bound to the settings they run with."""

    def __init__(self, huey: Huey, settings: Settings) -> None:
        self.huey = huey
        self.settings = settings
        self.markets = markets_from(settings)
        self._recovered = threading.Event()
        self._recovery_lock = threading.Lock()
        # Named as the module-level tasks were, so that queued messages keep their meaning.
        self.model_day_task = huey.task(name="model_day_task")(self._run)
        huey.on_startup(name="requeue_after_crash")(self._requeue_after_crash)
        huey.periodic_task(crontab(minute="*"), name="requeue_stalled")(self._requeue_stalled)

    @property
    def immediate(self) -> bool:
        """Whether model-days run where they are queued, with no consumer."""
        return bool(self.huey.immediate)

    def last_heartbeat(self) -> float | None:
        """When a consumer last said it was alive (epoch seconds), or None."""
        return last_beat(self.huey)

    def enqueue_days(self, job_id: str, days: list[tuple[str, str]]) -> None:
        """Queue the first model-day of each model of a job."""
        for model, day in days:
            self.model_day_task(job_id, model, day)

    def _run(self, job_id: str, model: str, day: str) -> None:
        """Run the model-day (a no-op when it is not pending), then the model's next days.

        The next day runs in this worker as soon as the day before is stored, rather than
        waiting in the queue for a worker to poll: an LLM model's days follow each other with
        no gap. A crash loses nothing: the day that was running is queued again on restart,
        and a duplicate task for a day already taken finds it not pending.
        """

        def logged(ran: str, outcome: DayOutcome) -> None:
            if outcome.status != "skipped":
                log_outcome(model, ran, outcome)

        run_model_days(self.settings, self.markets, job_id, model, day, logged)

    def _enqueue(self, days: list[tuple[str, str, str]], reason: str) -> None:
        for job_id, model, day in days:
            self.model_day_task(job_id, model, day)
        if days:
            log.info("%s: queued %d model-days", reason, len(days))

    def _requeue_after_crash(self) -> None:
        """Once per consumer process: start the heartbeat; days a dead consumer left run again."""
        with self._recovery_lock:
            if self._recovered.is_set():
                return
            self._recovered.set()
            start_heartbeat(self.huey)
            with closing(connect(self.settings.database_path)) as conn:
                days = requeue_interrupted(conn)
        self._enqueue(days, "recovery after restart")

    def _requeue_stalled(self) -> None:
        """Every minute: queue the next day of every open model again (a duplicate is a no-op).

        This repairs a chain whose next task was lost, e.g. when the web process died between
        storing a new job and queueing its first days.
        """
        with closing(connect(self.settings.database_path)) as conn:
            self._enqueue(next_days_to_run(conn), "periodic check")


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
