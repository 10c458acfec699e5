"""A model-day's recorded LLM answers in the database: its own to resume, another job's to replay.

A job triggered with replay_of answers each replayed model from the recording of the same model
in that job; its jobs.options map every replayed timeline to the model it replays.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from service.db import transaction
from service.jobs.lifecycle import Claim, ensure_claim
from service.jobs.status import job_options
from service.journal import LogEntry, insert_recorded_turn, recorded_responses

REPLAY_SUFFIX = ":replay"


@dataclass(frozen=True)
class ReplaySource:
    """The job and model whose recording a replayed timeline is answered from."""

    job_id: str
    model: str


def replay_source(conn: sqlite3.Connection, job_id: str, model: str) -> ReplaySource | None:
    """Where the model's answers come from in this job, if it is a replay."""
    options = job_options(conn, job_id)
    replayed = options.get("replayed", {}).get(model)
    return ReplaySource(options["replay_of"], replayed) if replayed else None


@dataclass
class StoredResponses:
    """The recorded answers of one attempt at a model-day (a ResponseLog)."""

    conn: sqlite3.Connection
    claim: Claim
    source: ReplaySource | None = None

    @property
    def replaying(self) -> bool:
        """A replay asks no provider."""
        return self.source is not None

    def recorded(self) -> Mapping[str, str]:
        """The answers this model-day already has: the replayed job's, or any earlier attempt's."""
        day = self.claim.day
        if self.source is not None:
            return recorded_responses(self.conn, self.source.model, day, self.source.job_id)
        return recorded_responses(self.conn, self.claim.model, day)

    def record(self, entry: LogEntry) -> None:
        """Keep a paid answer now, while this attempt still owns the model-day."""
        with transaction(self.conn):
            ensure_claim(self.conn, self.claim)
            insert_recorded_turn(self.conn, *self.claim.key, entry)
