"""State changes of jobs and model-days (SPEC §4), each one short transaction."""

from __future__ import annotations

import sqlite3

from service.db import now, transaction

PREVIOUS_DAY_FAILED = "previous day failed"
CANCELLED = "cancelled"
FINAL_JOB_STATUSES = ("completed", "partial", "failed", "cancelled")

# A day may start only when no earlier day of the same model in the job is still open; this
# keeps a model's days in date order even when a task is delivered twice or out of order.
CLAIM_SQL = """
UPDATE job_details SET status = 'running', attempts = attempts + 1, started_at = ?,
    error = NULL
WHERE job_id = ? AND model = ? AND date = ? AND status = 'pending'
  AND NOT EXISTS (
    SELECT 1 FROM job_details AS earlier
    WHERE earlier.job_id = job_details.job_id AND earlier.model = job_details.model
      AND earlier.date < job_details.date AND earlier.status IN ('pending', 'running'))
"""
START_JOB_SQL = """
UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ?)
WHERE job_id = ? AND status = 'pending'
"""
ATTEMPT_SQL = "SELECT attempts FROM job_details WHERE job_id = ? AND model = ? AND date = ?"
OPEN_DAY_SQL = (
    "SELECT 1 FROM job_details WHERE job_id = ? AND status IN ('pending', 'running') LIMIT 1"
)
REQUEUE_SQL = """
UPDATE job_details SET status = 'pending'
WHERE status = 'running'
  AND job_id IN (SELECT job_id FROM jobs WHERE status IN ('pending', 'running'))
"""
INTERRUPTED_JOBS_SQL = "SELECT DISTINCT job_id FROM job_details WHERE status = 'running'"
NEXT_DAY_SQL = """
SELECT date FROM job_details WHERE job_id = ? AND model = ? AND status = 'pending'
ORDER BY date LIMIT 1
"""


def claim_model_day(conn: sqlite3.Connection, job_id: str, model: str, day: str) -> int | None:
    """Mark a pending model-day running and return its attempt number; None if not ours."""
    with transaction(conn):
        stamp = now()
        if conn.execute(CLAIM_SQL, (stamp, job_id, model, day)).rowcount != 1:
            return None
        conn.execute(START_JOB_SQL, (stamp, job_id))
        return int(conn.execute(ATTEMPT_SQL, (job_id, model, day)).fetchone()[0])


def holds_claim(conn: sqlite3.Connection, job_id: str, model: str, day: str, attempt: int) -> bool:
    """Whether this attempt still owns the model-day (a requeue after a crash takes it over)."""
    row = conn.execute(
        "SELECT status, attempts FROM job_details WHERE job_id = ? AND model = ? AND date = ?",
        (job_id, model, day),
    ).fetchone()
    return row is not None and row[0] == "running" and row[1] == attempt


def complete_model_day(
    conn: sqlite3.Connection,
    job_id: str,
    model: str,
    day: str,
    duration: float,
    tokens: tuple[int | None, int | None] = (None, None),
) -> None:
    """Mark a running model-day completed (inside the caller's transaction)."""
    conn.execute(
        "UPDATE job_details SET status = 'completed', completed_at = ?, duration_seconds = ?,"
        " prompt_tokens = ?, completion_tokens = ?"
        " WHERE job_id = ? AND model = ? AND date = ?",
        (now(), duration, tokens[0], tokens[1], job_id, model, day),
    )


def fail_model_day(
    conn: sqlite3.Connection,
    job_id: str,
    model: str,
    day: str,
    attempt: int,
    error: str,
    duration: float,
) -> bool:
    """Mark a model-day failed and skip the model's later days; False if no longer ours."""
    with transaction(conn):
        if not holds_claim(conn, job_id, model, day, attempt):
            return False
        stamp = now()
        conn.execute(
            "UPDATE job_details SET status = 'failed', error = ?, completed_at = ?,"
            " duration_seconds = ? WHERE job_id = ? AND model = ? AND date = ?",
            (error[:2000], stamp, duration, job_id, model, day),
        )
        conn.execute(
            "UPDATE job_details SET status = 'skipped', reason = ?, completed_at = ?"
            " WHERE job_id = ? AND model = ? AND date > ? AND status = 'pending'",
            (PREVIOUS_DAY_FAILED, stamp, job_id, model, day),
        )
        finish_job_if_done(conn, job_id)
    return True


def next_pending_day(conn: sqlite3.Connection, job_id: str, model: str) -> str | None:
    """The model's next day to run in the job, if any."""
    row = conn.execute(NEXT_DAY_SQL, (job_id, model)).fetchone()
    return row[0] if row else None


def finish_job_if_done(conn: sqlite3.Connection, job_id: str) -> str | None:
    """Set the final status once no model-day is open; returns it (inside a transaction)."""
    # Runs in every model-day's write transaction: an index probe, not a count of the job.
    if conn.execute(OPEN_DAY_SQL, (job_id,)).fetchone():
        return None
    counts = dict(
        conn.execute(
            "SELECT status, COUNT(*) FROM job_details WHERE job_id = ? GROUP BY status",
            (job_id,),
        ).fetchall()
    )
    completed, failed = counts.get("completed", 0), counts.get("failed", 0)
    status = "completed" if not failed else "partial" if completed else "failed"
    # A cancelled job keeps its status; it only gets its completion time.
    conn.execute(
        "UPDATE jobs SET completed_at = COALESCE(completed_at, ?),"
        " status = CASE WHEN status IN ('pending', 'running') THEN ? ELSE status END"
        " WHERE job_id = ?",
        (now(), status, job_id),
    )
    return status


def cancel_job(conn: sqlite3.Connection, job_id: str) -> int | None:
    """Skip pending model-days as cancelled, mark the job cancelled; None if it already ended."""
    with transaction(conn):
        status = conn.execute("SELECT status FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        if status is None or status[0] in FINAL_JOB_STATUSES:
            return None
        skipped = conn.execute(
            "UPDATE job_details SET status = 'skipped', reason = ?, completed_at = ?"
            " WHERE job_id = ? AND status = 'pending'",
            (CANCELLED, now(), job_id),
        ).rowcount
        running = conn.execute(
            "SELECT COUNT(*) FROM job_details WHERE job_id = ? AND status = 'running'", (job_id,)
        ).fetchone()[0]
        conn.execute(
            "UPDATE jobs SET status = 'cancelled', completed_at = ? WHERE job_id = ?",
            (None if running else now(), job_id),
        )
    return skipped


def requeue_interrupted(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """After a crash: running model-days back to pending; the next day of every open model.

    A day that a cancelled job was still finishing is skipped as cancelled instead, and the
    job ends: nothing would ever run it again, so it would stay open forever.
    """
    with transaction(conn):
        conn.execute(REQUEUE_SQL)
        cancelled = [row[0] for row in conn.execute(INTERRUPTED_JOBS_SQL)]
        conn.execute(
            "UPDATE job_details SET status = 'skipped', reason = ?, completed_at = ?"
            " WHERE status = 'running'",
            (CANCELLED, now()),
        )
        for job_id in cancelled:
            finish_job_if_done(conn, job_id)
    return next_days_to_run(conn)


def next_days_to_run(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """(job, model, day) of the first pending day of every model in an active job."""
    rows = conn.execute(
        "SELECT d.job_id, d.model, MIN(d.date) FROM job_details AS d"
        " JOIN jobs AS j ON j.job_id = d.job_id"
        " WHERE j.status IN ('pending', 'running') AND d.status = 'pending'"
        " GROUP BY d.job_id, d.model"
    ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]
