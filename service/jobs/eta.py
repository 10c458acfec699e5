"""A job's ETA: its models run side by side, each one's days in order, each at its own pace."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from service.jobs.states import ModelDayStatus

MODEL_PACE_SQL = """
SELECT model,
    SUM(status IN (:pending, :running, :awaiting_agent)),
    SUM(CASE WHEN status = :completed THEN duration_seconds END),
    COUNT(CASE WHEN status = :completed THEN duration_seconds END)
FROM job_details WHERE job_id = :job_id GROUP BY model
"""
STATUSES = {status.name.lower(): status for status in ModelDayStatus}
CONFIG_SQL = "SELECT config FROM jobs WHERE job_id = ?"


@dataclass(frozen=True)
class ModelPace:
    """One model of a job: its days still to run and the timed days it completed."""

    model: str
    kind: str | None
    remaining: int
    seconds: float
    timed_days: int


def _kinds(conn: sqlite3.Connection, job_id: str) -> dict[str, str]:
    """Each model's provider (builtin, mock, openai) from the job's config snapshot."""
    row = conn.execute(CONFIG_SQL, (job_id,)).fetchone()
    models = json.loads(row[0]).get("models", []) if row else []
    return {
        model["signature"]: model["provider"]
        for model in models
        if isinstance(model, dict) and "signature" in model and "provider" in model
    }


def model_paces(conn: sqlite3.Connection, job_id: str) -> list[ModelPace]:
    """Every model of the job with its remaining days and the durations of its completed ones."""
    kinds = _kinds(conn, job_id)
    return [
        ModelPace(model, kinds.get(model), remaining or 0, seconds or 0.0, timed)
        for model, remaining, seconds, timed in conn.execute(
            MODEL_PACE_SQL, {"job_id": job_id, **STATUSES}
        )
    ]


def _mean_day(paces: Iterable[ModelPace]) -> float | None:
    chosen = list(paces)
    days = sum(pace.timed_days for pace in chosen)
    return sum(pace.seconds for pace in chosen) / days if days else None


def model_eta(pace: ModelPace, paces: list[ModelPace]) -> float | None:
    """Remaining days × the model's mean day, else that of its kind's models; None: no basis."""
    mean = _mean_day([pace])
    if mean is None and pace.kind is not None:
        mean = _mean_day(other for other in paces if other.kind == pace.kind)
    return None if mean is None else pace.remaining * mean


def job_eta(paces: list[ModelPace]) -> float | None:
    """The slowest model's ETA; 0.0 when nothing remains, None while some model has no basis."""
    estimates = [model_eta(pace, paces) for pace in paces if pace.remaining]
    if any(estimate is None for estimate in estimates):
        return None
    return max((estimate for estimate in estimates if estimate is not None), default=0.0)
