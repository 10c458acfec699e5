"""The statuses a job and a model-day can have, as stored and as the API names them."""

from __future__ import annotations

import enum


class JobStatus(enum.StrEnum):
    """A job: pending until a worker starts a day, then running until every day has ended."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ModelDayStatus(enum.StrEnum):
    """One model-day of a job."""

    PENDING = "pending"
    RUNNING = "running"
    AWAITING_AGENT = "awaiting_agent"  # a pull agent's session is open (service/jobs/sessions.py)
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
