"""Pull agents' sessions, kept on their model-steps in job_details (SPEC §3).

The worker opens a step's session and waits for it (StepSession); the agent's side finds it,
takes it and writes what the agent did (service/jobs/pull_desk.py). A session belongs to one
attempt at its step: the step requeued after a crash opens a new one, and the old id is gone.
Only the SHA-256 of the token handed to the agent is stored.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from service.agent.pull import CLOSED, EXPIRED, OPEN, AgentGone, SessionRecord
from service.db import iso_utc, now, transaction
from service.jobs.lifecycle import Claim, Superseded
from service.jobs.states import ModelDayStatus

AWAITING, RUNNING = ModelDayStatus.AWAITING_AGENT, ModelDayStatus.RUNNING
OPEN_SQL = """
UPDATE job_details SET status = ?, session_id = ?, session_token_hash = NULL,
    session_expires_at = ?, session = ?
WHERE job_id = ? AND model = ? AND date = ? AND status = ? AND attempts = ?
"""
RESUME_SQL = """
UPDATE job_details SET status = ?, session = ?
WHERE job_id = ? AND model = ? AND date = ? AND status = ? AND attempts = ?
"""
# Whole rows: a session is read by its columns' names (sqlite3.Row), attempts included.
STEP_SQL = "SELECT * FROM job_details WHERE job_id = ? AND model = ? AND date = ?"
# What the waiting worker polls: the session's state, not its whole record (the observation).
STATE_SQL = """
SELECT status, attempts, session_expires_at, json_extract(session, '$.state') AS state
FROM job_details WHERE job_id = ? AND model = ? AND date = ?
"""
BY_ID_SQL = "SELECT * FROM job_details WHERE session_id = ?"
SESSION_OF_HASH_SQL = "SELECT * FROM job_details WHERE session_token_hash = ?"
# A model's sessions and those of its runs (model:r1, model:w2025-09-02), soonest to expire first.
NEXT_SQL = """
SELECT * FROM job_details
WHERE status = :awaiting AND session_token_hash IS NULL AND session_expires_at > :now
  AND (model = :model OR substr(model, 1, length(:model) + 1) = :model || ':')
ORDER BY session_expires_at, id LIMIT 1
"""
TAKE_SQL = "UPDATE job_details SET session_token_hash = ?, session = ? WHERE session_id = ?"
SAVE_SQL = "UPDATE job_details SET session = ? WHERE session_id = ? AND status = ?"


@dataclass(frozen=True)
class StoredSession:
    """A session as stored on its model-step."""

    session_id: str
    job_id: str
    model: str
    day: str
    status: str  # the model-step's: awaiting_agent while the session may be used
    expires_at: str
    token_hash: str | None  # of the token it was handed out with; None until then
    record: SessionRecord

    def live(self, at: str) -> bool:
        """Whether the agent may still use the session at time at."""
        return self.status == AWAITING and self.record.state == OPEN and at < self.expires_at


def _session(row: sqlite3.Row | None) -> StoredSession | None:
    if row is None or row["session"] is None:
        return None
    return StoredSession(
        row["session_id"],
        row["job_id"],
        row["model"],
        row["date"],
        row["status"],
        row["session_expires_at"],
        row["session_token_hash"],
        SessionRecord.from_json(row["session"]),
    )


def find_session(conn: sqlite3.Connection, session_id: str) -> StoredSession | None:
    """The session with this id, whatever its state."""
    return _session(conn.execute(BY_ID_SQL, (session_id,)).fetchone())


def session_of_token(conn: sqlite3.Connection, token_hash: str) -> StoredSession | None:
    """The session a token (by its hash) was handed out for."""
    return _session(conn.execute(SESSION_OF_HASH_SQL, (token_hash,)).fetchone())


def take_next(conn: sqlite3.Connection, model: str, token_hash: str) -> StoredSession | None:
    """Hand the model's next open session, not yet taken, to the holder of token_hash."""
    with transaction(conn):
        at = now()
        row = conn.execute(NEXT_SQL, {"awaiting": AWAITING, "now": at, "model": model}).fetchone()
        session = _session(row)
        if session is None:
            return None
        session.record.handed_out_at = at
        conn.execute(TAKE_SQL, (token_hash, session.record.to_json(), session.session_id))
    return replace(session, token_hash=token_hash)


def save_record(conn: sqlite3.Connection, session: StoredSession) -> None:
    """Store the session's record (in the caller's transaction, after reading it there)."""
    conn.execute(SAVE_SQL, (session.record.to_json(), session.session_id, AWAITING))


class StepSession:
    """The session of one attempt at a model-step, as the worker sees it (a SessionHost)."""

    POLL_SECONDS = 0.1

    def __init__(self, conn: sqlite3.Connection, claim: Claim) -> None:
        self.conn = conn
        self.claim = claim
        self.session_id = ""
        self.timeout = 0.0

    def open(self, record: SessionRecord, timeout: float) -> None:
        """Open the step's session: the step waits in awaiting_agent until it is closed."""
        self.session_id, self.timeout = secrets.token_hex(16), timeout
        expires = iso_utc(datetime.now(UTC) + timedelta(seconds=timeout))
        with transaction(self.conn):
            opened = self.conn.execute(
                OPEN_SQL,
                (
                    AWAITING,
                    self.session_id,
                    expires,
                    record.to_json(),
                    *self.claim.key,
                    RUNNING,
                    self.claim.attempt,
                ),
            )
            if opened.rowcount != 1:
                raise self._superseded()

    def wait(self) -> SessionRecord:
        """The record once the agent closed the session; AgentGone once it expired first.

        Polled with plain reads; only the end is decided under the write lock, where the
        agent's close is too, so that a session is either closed or expired, never both.
        """
        while not self._ended():
            time.sleep(self.POLL_SECONDS)
        with transaction(self.conn):
            session = self._mine()
            if session.record.state != CLOSED:
                session.record.state = EXPIRED
            self._resume(session.record)
        if session.record.state == EXPIRED:
            raise AgentGone(
                f"the agent did not close session {self.session_id} within {self.timeout:g} s"
                " (agent_config.timeout)"
            )
        return session.record

    def _ended(self) -> bool:
        row = self.conn.execute(STATE_SQL, self.claim.key).fetchone()
        if row is None or row["attempts"] != self.claim.attempt or row["status"] != AWAITING:
            raise self._superseded()
        return bool(row["state"] == CLOSED or now() >= row["session_expires_at"])

    def _mine(self) -> StoredSession:
        row = self.conn.execute(STEP_SQL, self.claim.key).fetchone()
        session = _session(row)
        if session is None or row["attempts"] != self.claim.attempt or session.status != AWAITING:
            raise self._superseded()
        return session

    def _superseded(self) -> Superseded:
        return Superseded(f"{self.claim.model} {self.claim.day} is no longer this attempt's")

    def _resume(self, record: SessionRecord) -> None:
        """Back to running, so that the attempt stores the step as any other."""
        self.conn.execute(
            RESUME_SQL, (RUNNING, record.to_json(), *self.claim.key, AWAITING, self.claim.attempt)
        )
