"""A job's status as users see it: counts, percent, elapsed time, ETA and per model-day details."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from service.db import now
from service.jobs.eta import ModelPace, job_eta, model_eta, model_paces
from service.jobs.lifecycle import OPEN_DAY_STATUSES
from service.jobs.spending import Spending, job_spending
from service.jobs.spending import total as total_spending
from service.jobs.states import ModelDayStatus

JOB_SQL = (
    "SELECT job_id, kind, status, start_date, end_date, models, options, error, warnings,"
    " created_at, started_at, completed_at FROM jobs WHERE job_id = ?"
)

# What a job stored before an option existed runs as.
JOB_OPTIONS: dict[str, Any] = {
    "replace_existing": False,
    "max_cost_usd": None,
    "replay_of": None,
    "replayed": {},
}


def job_options(conn: sqlite3.Connection, job_id: str) -> dict[str, Any]:
    """The options a job was triggered with, defaults filled in ({} for an unknown job)."""
    row = conn.execute("SELECT options FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
    return {**JOB_OPTIONS, **json.loads(row[0])} if row else {}


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start:
        return None
    stop = datetime.fromisoformat(end or now())
    return max(0.0, (stop - datetime.fromisoformat(start)).total_seconds())


def job_row(conn: sqlite3.Connection, job_id: str) -> dict[str, Any] | None:
    """The job's own fields, JSON columns decoded, or None."""
    row = conn.execute(JOB_SQL, (job_id,)).fetchone()
    return decode_job(row) if row else None


def decode_job(row: sqlite3.Row) -> dict[str, Any]:
    """A jobs row as a dict with its JSON columns decoded."""
    job = dict(row)
    job["models"] = json.loads(job["models"])
    job["warnings"] = json.loads(job["warnings"])
    job.update({**JOB_OPTIONS, **json.loads(job.pop("options"))})
    return job


def _models(
    paces: list[ModelPace], spending: dict[str, Spending], last: dict[str, str]
) -> list[dict[str, Any]]:
    return [
        {
            "model": pace.model,
            "completed": pace.timed_days,
            "remaining": pace.remaining,
            "last_completed_date": last.get(pace.model),
            "eta_seconds": model_eta(pace, paces) if pace.remaining else 0.0,
            **spending.get(pace.model, Spending()).to_dict(),
        }
        for pace in paces
    ]


def progress(conn: sqlite3.Connection, job: dict[str, Any]) -> dict[str, Any]:
    """Counts per status, percent done, elapsed seconds, ETA, tokens and cost so far, and the
    same per model (its ETA from its own pace)."""
    counts = dict.fromkeys(ModelDayStatus, 0)
    for status, count in conn.execute(
        "SELECT status, COUNT(*) FROM job_details WHERE job_id = ? GROUP BY status",
        (job["job_id"],),
    ):
        counts[ModelDayStatus(status)] = count
    total = sum(counts.values())
    remaining = sum(counts[status] for status in OPEN_DAY_STATUSES)
    done = total - remaining
    elapsed = _seconds_between(job["started_at"], job["completed_at"])
    last = conn.execute(
        "SELECT model, MAX(date) FROM job_details WHERE job_id = ? AND status = ? GROUP BY model",
        (job["job_id"], ModelDayStatus.COMPLETED),
    ).fetchall()
    paces = model_paces(conn, job["job_id"])
    spending = job_spending(conn, job["job_id"])
    last_days = {model: day for model, day in last}
    return {
        "total": total,
        **{str(status): count for status, count in counts.items()},
        "percent": round(done / total * 100, 1) if total else 100.0,
        "elapsed_seconds": elapsed,
        "eta_seconds": job_eta(paces) if remaining else 0.0,
        "last_completed_date": last_days,
        **total_spending(list(spending.values())).to_dict(),
        "models": _models(paces, spending, last_days),
    }


def details(conn: sqlite3.Connection, job_id: str) -> list[dict[str, Any]]:
    """Every model-day of the job, by model then date."""
    rows = conn.execute(
        "SELECT model, date, status, reason, error, attempts, started_at, completed_at,"
        " duration_seconds, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens,"
        " cost_usd FROM job_details"
        " WHERE job_id = ? ORDER BY model, date",
        (job_id,),
    )
    return [dict(row) for row in rows]


def job_status(conn: sqlite3.Connection, job_id: str) -> dict[str, Any] | None:
    """The whole status answer of a job, or None for an unknown job."""
    job = job_row(conn, job_id)
    if job is None:
        return None
    job["progress"] = progress(conn, job)
    job["details"] = details(conn, job_id)
    return job


def latest_job_id(conn: sqlite3.Connection) -> str | None:
    """The most recently created job."""
    row = conn.execute("SELECT job_id FROM jobs ORDER BY created_at DESC LIMIT 1").fetchone()
    return row[0] if row else None
