"""A job's status as users see it: counts, percent, elapsed time, ETA and per model-day details."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from service.db import now
from service.jobs.eta import job_eta, model_paces
from service.jobs.lifecycle import OPEN_DAY_STATUSES
from service.jobs.states import ModelDayStatus

JOB_SQL = (
    "SELECT job_id, kind, status, start_date, end_date, models, options, error, warnings,"
    " created_at, started_at, completed_at FROM jobs WHERE job_id = ?"
)


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
    job.update(json.loads(job.pop("options")))
    return job


def progress(conn: sqlite3.Connection, job: dict[str, Any]) -> dict[str, Any]:
    """Counts per status, percent done, elapsed seconds, ETA and each model's last done day."""
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
    return {
        "total": total,
        **{str(status): count for status, count in counts.items()},
        "percent": round(done / total * 100, 1) if total else 100.0,
        "elapsed_seconds": elapsed,
        "eta_seconds": job_eta(model_paces(conn, job["job_id"])) if remaining else 0.0,
        "last_completed_date": {model: day for model, day in last},
    }


def details(conn: sqlite3.Connection, job_id: str) -> list[dict[str, Any]]:
    """Every model-day of the job, by model then date."""
    rows = conn.execute(
        "SELECT model, date, status, reason, error, attempts, started_at, completed_at,"
        " duration_seconds, prompt_tokens, completion_tokens FROM job_details"
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
