"""Running a whole job in this process: one thread per model, its days in date order."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, closing, nullcontext

from service.db import connect
from service.jobs.model_day import DayOutcome, run_model_day, runs_builtin
from service.market.directory import Markets
from service.settings import Settings

DayCallback = Callable[[str, DayOutcome], None]
# A built-in model's days are all interpreter and SQLite work, a couple of milliseconds each:
# one model's chain at a time in a process. Twenty chains at once (a consumer's threads) took
# 1.8 times the CPU per model-day in waits for the interpreter lock and SQLite's write lock, and
# ran no faster. Other models' days wait on their provider, not on this.
BUILTIN_CHAINS = threading.Lock()


def run_model_days(
    settings: Settings,
    markets: Markets,
    job_id: str,
    model: str,
    day: str,
    on_day: DayCallback,
) -> None:
    """Run a model's days in order from day on, each as soon as the one before is stored.

    Stops at the first day that is not this run's to take (run elsewhere, cancelled, or after
    a failure); on_day hears of each day and its outcome.
    """
    with closing(connect(settings.database_path)) as conn:
        gate: AbstractContextManager[object] = (
            BUILTIN_CHAINS if runs_builtin(conn, job_id, model) else nullcontext()
        )
        next_day: str | None = day
        with gate:
            while next_day:
                outcome = run_model_day(conn, markets, settings, job_id, model, next_day)
                on_day(next_day, outcome)
                next_day = outcome.next_day


def run_job(
    settings: Settings,
    markets: Markets,
    job_id: str,
    first_days: list[tuple[str, str]],
    on_day: DayCallback = lambda day, outcome: None,
) -> None:
    """Run every model's chain of days; models run in parallel threads."""
    with ThreadPoolExecutor(max_workers=max(1, len(first_days))) as pool:
        futures = [
            pool.submit(run_model_days, settings, markets, job_id, model, day, on_day)
            for model, day in first_days
        ]
        for future in futures:
            future.result()
