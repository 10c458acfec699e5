"""Creating a job: conflict check, replacement of stored days and the model-day rows, atomically."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass, replace
from typing import Any

from service.db import now, transaction
from service.jobs.lifecycle import ACTIVE_JOB_STATUSES
from service.jobs.planning import (
    JobRequest,
    JobRequestError,
    ModelPlan,
    check_budget,
    check_range,
    check_span,
    choose_models,
    plan_model,
)
from service.jobs.replacement import replace_days
from service.jobs.replay import plan_replay
from service.jobs.runs import expand_runs
from service.jobs.states import JobStatus, ModelDayStatus
from service.market.directory import Markets
from service.models_config import ModelsConfig

ALREADY_SIMULATED = "already simulated"


class JobConflictError(RuntimeError):
    """A requested model is already in a pending or running job (HTTP 409)."""


@dataclass(frozen=True)
class CreatedJob:
    """A new job and the first model-day of each model, to be queued."""

    job_id: str
    first_days: list[tuple[str, str]]


def busy_models(conn: sqlite3.Connection, models: list[str]) -> dict[str, str]:
    """Which of models are in a pending or running job, and which job."""
    busy: dict[str, str] = {}
    rows = conn.execute(
        "SELECT job_id, models FROM jobs WHERE status IN (?, ?)", ACTIVE_JOB_STATUSES
    ).fetchall()
    for row in rows:
        for model in set(json.loads(row["models"])) & set(models):
            busy[model] = row["job_id"]
    return busy


def create_job(
    conn: sqlite3.Connection,
    markets: Markets,
    config: ModelsConfig,
    request: JobRequest,
    max_days: int,
) -> CreatedJob:
    """Validate, then check conflicts and insert the job in one IMMEDIATE transaction.

    A replay runs the recorded job's models (request.models choose some) as timelines of
    their own; see service.jobs.replay. Repeats and windows make several runs of a model,
    each a model of the job planned over its own range; see service.jobs.runs.
    """
    replay = plan_replay(conn, request.replay_of, request.models) if request.replay_of else None
    if replay is not None and request.start_date is None:
        request = replace(request, start_date=replay.first_day)
    if replay is not None and (request.repeats > 1 or request.windows is not None):
        raise JobRequestError("a replay runs the recorded timelines: no repeats nor windows")
    config = replay.config if replay else config
    models = choose_models(
        config, list(replay.replayed) if replay else request.models, request.market
    )
    specs = config.by_signature()
    for market in sorted({specs[model].market for model in models}):
        check_range(request, markets.source(market), max_days)
    check_budget(config, request, models)
    runs = expand_runs(config, models, request, markets, max_days)
    market_of = {run.signature: run.spec.market for run in runs}
    signatures = list(market_of)
    run_config = ModelsConfig(tuple(run.spec for run in runs), config.agent_config)
    snapshot = replay.snapshot() if replay else run_config.snapshot(signatures, markets.rules)
    options = {
        "replace_existing": request.replace_existing,
        "max_cost_usd": request.max_cost_usd,
        **(replay.options() if replay else {}),
    }
    with transaction(conn):
        busy = busy_models(conn, signatures)
        if busy:
            model, job_id = sorted(busy.items())[0]
            raise JobConflictError(f"model {model!r} is already in active job {job_id}")
        plans = [
            plan_model(
                conn,
                markets.prices(market_of[run.signature]),
                (run.signature, market_of[run.signature]),
                run.request(request),
            )
            for run in runs
        ]
        for plan in plans:
            check_span(plan, max_days)
        if not any(plan.run for plan in plans):
            raise JobRequestError(
                "nothing left to do: every requested day is already simulated "
                "(use replace_existing to run them again)",
                "start_date",
            )
        job_id = str(uuid.uuid4())
        replaced = [
            replace_days(conn, markets.prices(market_of[plan.model]), plan.model, plan.replace_from)
            for plan in plans
            if plan.replace_from is not None
        ]
        warnings = [warning for warning in replaced if warning]
        _insert_job(conn, job_id, request, signatures, snapshot, options, warnings)
        for plan in plans:
            _insert_details(conn, job_id, plan)
    return CreatedJob(job_id, [(plan.model, plan.run[0]) for plan in plans if plan.run])


def _insert_job(
    conn: sqlite3.Connection,
    job_id: str,
    request: JobRequest,
    models: list[str],
    snapshot: dict[str, Any],
    options: dict[str, Any],
    warnings: list[str],
) -> None:
    conn.execute(
        "INSERT INTO jobs (job_id, kind, status, start_date, end_date, models, config, options,"
        " warnings, created_at) VALUES (?, 'simulation', ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            job_id,
            JobStatus.PENDING,
            request.start_date,
            request.end_date,
            json.dumps(models),
            json.dumps(snapshot),
            json.dumps(options),
            json.dumps(warnings),
            now(),
        ),
    )


def _insert_details(conn: sqlite3.Connection, job_id: str, plan: ModelPlan) -> None:
    rows: list[tuple[str, str, str, str, str | None]]
    skipped, pending = ModelDayStatus.SKIPPED, ModelDayStatus.PENDING
    rows = [(job_id, day, plan.model, skipped, ALREADY_SIMULATED) for day in plan.stored]
    rows += [(job_id, day, plan.model, pending, None) for day in plan.run]
    conn.executemany(
        "INSERT INTO job_details (job_id, date, model, status, reason) VALUES (?, ?, ?, ?, ?)",
        rows,
    )
