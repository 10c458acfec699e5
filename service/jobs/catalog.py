"""Listing and deleting jobs."""

from __future__ import annotations

import sqlite3
from typing import Any

from service.db import transaction
from service.jobs.states import JobStatus
from service.jobs.status import decode_job
from service.portfolio.positions import later_days_elsewhere

JOB_FIELDS = """
SELECT job_id, kind, status, start_date, end_date, models, options, error, warnings,
       created_at, started_at, completed_at FROM jobs
"""
LIST_SQL = JOB_FIELDS + "ORDER BY created_at DESC LIMIT ? OFFSET ?"
LIST_BY_STATUS_SQL = JOB_FIELDS + "WHERE status = ? ORDER BY created_at DESC LIMIT ? OFFSET ?"


class JobDeleteError(RuntimeError):
    """A job that cannot be deleted now (HTTP 409)."""


def list_jobs(
    conn: sqlite3.Connection, status: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of jobs, newest first, and the total count."""
    if status is None:
        rows = conn.execute(LIST_SQL, (limit, offset)).fetchall()
        total = conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    else:
        rows = conn.execute(LIST_BY_STATUS_SQL, (status, limit, offset)).fetchall()
        total = conn.execute("SELECT COUNT(*) FROM jobs WHERE status = ?", (status,)).fetchone()[0]
    return [decode_job(row) for row in rows], int(total)


def delete_job(conn: sqlite3.Connection, job_id: str) -> bool:
    """Delete a job and, through the foreign keys, every row it stored; False if unknown.

    A cancelled job can go at once, even while the model-days that were running at the
    cancel still finish: each stores its rows only while it still owns its job_details row
    (lifecycle.holds_claim, checked in the storing transaction), so once the job is gone
    they store nothing.
    """
    with transaction(conn):
        row = conn.execute("SELECT status FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        if row is None:
            return False
        if row[0] == JobStatus.RUNNING:
            raise JobDeleteError(f"job {job_id} is running; cancel it first")
        # Another job's later days continue this job's timelines: they would lose their past.
        later = later_days_elsewhere(conn, job_id)
        if later:
            raise JobDeleteError(
                f"job {later[1]} continues model {later[0]!r} after this job's days; "
                "delete it first so that no timeline loses its beginning"
            )
        conn.execute("DELETE FROM jobs WHERE job_id = ?", (job_id,))
    return True
