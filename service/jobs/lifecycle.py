"""State changes of jobs and model-days (SPEC §4), each one short transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from service.agent.costs import USAGE_KEYS
from service.db import now, transaction
from service.jobs.states import JobStatus, ModelDayStatus

PREVIOUS_DAY_FAILED = "previous day failed"
CANCELLED = "cancelled"
ACTIVE_JOB_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)
FINAL_JOB_STATUSES = tuple(status for status in JobStatus if status not in ACTIVE_JOB_STATUSES)
PENDING, RUNNING = ModelDayStatus.PENDING, ModelDayStatus.RUNNING
AWAITING = ModelDayStatus.AWAITING_AGENT
OPEN_DAY_STATUSES = (PENDING, RUNNING, AWAITING)
# Taken by an attempt: running, or waiting for a pull agent within the attempt.
TAKEN_STATUSES = (RUNNING, AWAITING)

# A day may start only when no earlier day of the same model in the job is still open; this
# keeps a model's days in date order even when a task is delivered twice or out of order.
CLAIM_SQL = """
UPDATE job_details SET status = :running, attempts = attempts + 1, started_at = :stamp,
    error = NULL
WHERE job_id = :job_id AND model = :model AND date = :day AND status = :pending
  AND NOT EXISTS (
    SELECT 1 FROM job_details AS earlier
    WHERE earlier.job_id = job_details.job_id AND earlier.model = job_details.model
      AND earlier.date < job_details.date
      AND earlier.status IN (:pending, :running, :awaiting))
"""
START_JOB_SQL = """
UPDATE jobs SET status = :job_running, started_at = COALESCE(started_at, :stamp)
WHERE job_id = :job_id AND status = :job_pending
"""
ATTEMPT_SQL = "SELECT attempts FROM job_details WHERE job_id = ? AND model = ? AND date = ?"
OPEN_DAY_SQL = "SELECT 1 FROM job_details WHERE job_id = ? AND status IN (?, ?, ?) LIMIT 1"
REQUEUE_SQL = """
UPDATE job_details SET status = :pending
WHERE status IN (:running, :awaiting)
  AND job_id IN (SELECT job_id FROM jobs WHERE status IN (:job_pending, :job_running))
"""
INTERRUPTED_JOBS_SQL = "SELECT DISTINCT job_id FROM job_details WHERE status IN (?, ?)"
NEXT_DAY_SQL = """
SELECT date FROM job_details WHERE job_id = ? AND model = ? AND status = ?
ORDER BY date LIMIT 1
"""
SKIP_SQL = "UPDATE job_details SET status = ?, reason = ?, completed_at = ?"
# The statuses the named-parameter statements above refer to.
STATUS_WORDS = {
    "pending": PENDING,
    "running": RUNNING,
    "awaiting": AWAITING,
    "job_pending": JobStatus.PENDING,
    "job_running": JobStatus.RUNNING,
}


class Superseded(RuntimeError):
    """Another attempt took the model-day over (it was requeued after a crash, or deleted)."""


@dataclass(frozen=True)
class Claim:
    """One attempt at a model-day: only the attempt holding the claim may store anything."""

    job_id: str
    model: str
    day: str
    attempt: int

    @property
    def key(self) -> tuple[str, str, str]:
        """(job_id, model, date) of the model-day."""
        return self.job_id, self.model, self.day


def claim_model_day(conn: sqlite3.Connection, job_id: str, model: str, day: str) -> Claim | None:
    """Mark a pending model-day running and return this attempt's claim; None if not ours."""
    with transaction(conn):
        names = {"stamp": now(), "job_id": job_id, "model": model, "day": day, **STATUS_WORDS}
        if conn.execute(CLAIM_SQL, names).rowcount != 1:
            return None
        conn.execute(START_JOB_SQL, names)
        attempt = int(conn.execute(ATTEMPT_SQL, (job_id, model, day)).fetchone()[0])
        return Claim(job_id, model, day, attempt)


def holds_claim(conn: sqlite3.Connection, claim: Claim) -> bool:
    """Whether this attempt still owns the model-day (a requeue after a crash takes it over)."""
    row = conn.execute(
        "SELECT status, attempts FROM job_details WHERE job_id = ? AND model = ? AND date = ?",
        claim.key,
    ).fetchone()
    return row is not None and row[0] == RUNNING and row[1] == claim.attempt


def ensure_claim(conn: sqlite3.Connection, claim: Claim) -> None:
    """Raise Superseded unless this attempt still owns the model-day (in a transaction)."""
    if not holds_claim(conn, claim):
        raise Superseded(f"{claim.model} {claim.day} is no longer this attempt's to store")


def complete_model_day(
    conn: sqlite3.Connection,
    claim: Claim,
    duration: float,
    usage: Mapping[str, int] | None = None,
    cost_usd: float | None = None,
) -> None:
    """Mark a running model-day completed with its tokens and cost (in the caller's transaction)."""
    tokens = [(usage or {}).get(key) for key in USAGE_KEYS]
    conn.execute(
        "UPDATE job_details SET status = ?, completed_at = ?, duration_seconds = ?,"
        " prompt_tokens = ?, completion_tokens = ?, cached_tokens = ?, reasoning_tokens = ?,"
        " cost_usd = ? WHERE job_id = ? AND model = ? AND date = ?",
        (ModelDayStatus.COMPLETED, now(), duration, *tokens, cost_usd, *claim.key),
    )


def fail_model_day(conn: sqlite3.Connection, claim: Claim, error: str, duration: float) -> bool:
    """Mark a model-day failed and skip the model's later days; False if no longer ours."""
    with transaction(conn):
        if not holds_claim(conn, claim):
            return False
        conn.execute(
            "UPDATE job_details SET status = ?, error = ?, completed_at = ?,"
            " duration_seconds = ? WHERE job_id = ? AND model = ? AND date = ?",
            (ModelDayStatus.FAILED, error[:2000], now(), duration, *claim.key),
        )
        skip_pending_days(conn, claim.job_id, PREVIOUS_DAY_FAILED, claim.model, claim.day)
        finish_job_if_done(conn, claim.job_id)
    return True


def skip_pending_days(
    conn: sqlite3.Connection, job_id: str, reason: str, model: str | None = None, after: str = ""
) -> int:
    """Skip the job's pending model-days (of one model, after a day) with a reason (in a
    transaction of the caller's); how many were skipped."""
    return conn.execute(
        SKIP_SQL + " WHERE job_id = ? AND status = ? AND (? IS NULL OR model = ?) AND date > ?",
        (ModelDayStatus.SKIPPED, reason, now(), job_id, PENDING, model, model, after),
    ).rowcount


def next_pending_day(conn: sqlite3.Connection, job_id: str, model: str) -> str | None:
    """The model's next day to run in the job, if any."""
    row = conn.execute(NEXT_DAY_SQL, (job_id, model, PENDING)).fetchone()
    return row[0] if row else None


def finish_job_if_done(conn: sqlite3.Connection, job_id: str) -> str | None:
    """Set the final status once no model-day is open; returns it (inside a transaction)."""
    # Runs in every model-day's write transaction: an index probe, not a count of the job.
    if conn.execute(OPEN_DAY_SQL, (job_id, *OPEN_DAY_STATUSES)).fetchone():
        return None
    counts = dict(
        conn.execute(
            "SELECT status, COUNT(*) FROM job_details WHERE job_id = ? GROUP BY status",
            (job_id,),
        ).fetchall()
    )
    completed = counts.get(ModelDayStatus.COMPLETED, 0)
    failed = counts.get(ModelDayStatus.FAILED, 0)
    status = (
        JobStatus.COMPLETED if not failed else JobStatus.PARTIAL if completed else JobStatus.FAILED
    )
    # A cancelled job keeps its status; it only gets its completion time.
    conn.execute(
        "UPDATE jobs SET completed_at = COALESCE(completed_at, ?),"
        " status = CASE WHEN status IN (?, ?) THEN ? ELSE status END"
        " WHERE job_id = ?",
        (now(), *ACTIVE_JOB_STATUSES, status, job_id),
    )
    return status


def cancel_job(conn: sqlite3.Connection, job_id: str) -> int | None:
    """Skip pending model-days as cancelled, mark the job cancelled; None if it already ended."""
    with transaction(conn):
        status = conn.execute("SELECT status FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        if status is None or status[0] in FINAL_JOB_STATUSES:
            return None
        skipped = skip_pending_days(conn, job_id, CANCELLED)
        running = conn.execute(
            "SELECT COUNT(*) FROM job_details WHERE job_id = ? AND status IN (?, ?)",
            (job_id, *TAKEN_STATUSES),
        ).fetchone()[0]
        conn.execute(
            "UPDATE jobs SET status = ?, completed_at = ? WHERE job_id = ?",
            (JobStatus.CANCELLED, None if running else now(), job_id),
        )
    return skipped


def requeue_interrupted(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """After a crash: running model-days back to pending; the next day of every open model.

    A day that a cancelled job was still finishing is skipped as cancelled instead, and the
    job ends: nothing would ever run it again, so it would stay open forever.
    """
    with transaction(conn):
        conn.execute(REQUEUE_SQL, STATUS_WORDS)
        cancelled = [row[0] for row in conn.execute(INTERRUPTED_JOBS_SQL, TAKEN_STATUSES)]
        conn.execute(
            SKIP_SQL + " WHERE status IN (?, ?)",
            (ModelDayStatus.SKIPPED, CANCELLED, now(), *TAKEN_STATUSES),
        )
        for job_id in cancelled:
            finish_job_if_done(conn, job_id)
    return next_days_to_run(conn)


def next_days_to_run(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """(job, model, day) of the first pending day of every model in an active job."""
    rows = conn.execute(
        "SELECT d.job_id, d.model, MIN(d.date) FROM job_details AS d"
        " JOIN jobs AS j ON j.job_id = d.job_id"
        " WHERE j.status IN (?, ?) AND d.status = ?"
        " GROUP BY d.job_id, d.model",
        (*ACTIVE_JOB_STATUSES, PENDING),
    ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]
