"""Spending limits: a job's max_cost_usd and a model's max_cost_usd_per_day.

Both are checked when a model-day is stored, in its transaction: days already running
finish and are stored; the days that have not started are skipped as `budget reached`.
"""

from __future__ import annotations

import sqlite3

from service.jobs.lifecycle import skip_pending_days
from service.jobs.spending import job_cost
from service.jobs.status import job_options

BUDGET_REACHED = "budget reached"


def job_budget(conn: sqlite3.Connection, job_id: str) -> float | None:
    """The job's max_cost_usd, if it set one."""
    value = job_options(conn, job_id).get("max_cost_usd")
    return float(value) if value is not None else None


def enforce_budgets(
    conn: sqlite3.Connection, job_id: str, model: str, day: str, day_budget_reached: bool
) -> None:
    """Skip what a reached budget forbids, after the model-day just stored (caller's transaction).

    A model whose day reached its max_cost_usd_per_day runs no later day in the job; a job
    whose model-days together cost max_cost_usd or more starts no other model-day.
    """
    if day_budget_reached:
        skip_pending_days(conn, job_id, BUDGET_REACHED, model, day)
    limit = job_budget(conn, job_id)
    if limit is not None and job_cost(conn, job_id) >= limit:
        skip_pending_days(conn, job_id, BUDGET_REACHED)
