"""Running one model-day: claim it, trade, and store everything in one transaction."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from service.agent.pull import AgentGone, SessionHost
from service.agent.recording import ResponseLog
from service.db import transaction
from service.jobs.agent_sessions import StepSession
from service.jobs.budgets import enforce_budgets
from service.jobs.lifecycle import (
    Claim,
    Superseded,
    claim_model_day,
    complete_model_day,
    ensure_claim,
    fail_model_day,
    finish_job_if_done,
    next_pending_day,
)
from service.jobs.recordings import StoredResponses, replay_source
from service.jobs.step_book import StepError, step_book
from service.journal import DayRecord, insert_day_records
from service.market.directory import Markets
from service.models_config import AgentConfig, ModelSpec
from service.portfolio.engine import OrderBook
from service.portfolio.positions import insert_rows
from service.portfolio.timeline import PositionRow, registration_rows, trading_rows
from service.settings import Settings
from service.trading import trade_day

log = logging.getLogger(__name__)
Trader = Callable[
    [ModelSpec, AgentConfig, OrderBook, int, Settings, ResponseLog, SessionHost], DayRecord
]


@dataclass(frozen=True)
class DayOutcome:
    """What happened to a model-day task, and the model's next day to queue."""

    status: str  # completed, failed, or skipped when the task was not this one's to run
    next_day: str | None = None
    trades: int = 0
    portfolio_value: float | None = None
    duration: float = 0.0
    error: str | None = None


def runs_builtin(conn: sqlite3.Connection, job_id: str, model: str) -> bool:
    """Whether the job runs the model as a built-in strategy (False when either is gone)."""
    row = conn.execute("SELECT config FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
    models = json.loads(row[0])["models"] if row else []
    return any(item["signature"] == model and item["provider"] == "builtin" for item in models)


@dataclass(frozen=True)
class ComputedDay:
    """A model-day's rows and record, for the timeline on market."""

    market: str
    rows: list[PositionRow]
    record: DayRecord


def _compute_day(
    conn: sqlite3.Connection,
    markets: Markets,
    settings: Settings,
    claim: Claim,
    trader: Trader,
) -> ComputedDay:
    step = step_book(conn, markets, *claim.key)
    if step.previous is None or step.book is None:
        return ComputedDay(step.spec.market, registration_rows(step.initial_cash), DayRecord())
    responses = StoredResponses(conn, claim, replay_source(conn, claim.job_id, claim.model))
    session = StepSession(conn, claim)
    record = trader(step.spec, step.agent, step.book, step.day_number, settings, responses, session)
    rows = trading_rows(step.prices, claim.day, step.previous, step.initial_cash, step.book.fills)
    return ComputedDay(step.spec.market, rows, record)


def _store_day(conn: sqlite3.Connection, claim: Claim, day: ComputedDay, duration: float) -> None:
    record = day.record
    with transaction(conn):
        ensure_claim(conn, claim)
        insert_rows(conn, day.market, claim.key, day.rows)
        insert_day_records(conn, *claim.key, record)
        complete_model_day(conn, claim, duration, record.usage, record.cost_usd)
        enforce_budgets(conn, *claim.key, record.budget_reached)
        finish_job_if_done(conn, claim.job_id)


def _failure_message(error: Exception) -> str:
    if isinstance(error, StepError | AgentGone):
        return str(error)
    return f"{type(error).__name__}: {error}"


def run_model_day(
    conn: sqlite3.Connection,
    markets: Markets,
    settings: Settings,
    job_id: str,
    model: str,
    day: str,
    trader: Trader | None = None,
) -> DayOutcome:
    """Run a model-day if it is pending and its previous day is done; safe to call twice."""
    claim = claim_model_day(conn, job_id, model, day)
    if claim is None:
        return DayOutcome("skipped")
    started = time.perf_counter()
    try:
        computed = _compute_day(conn, markets, settings, claim, trader or trade_day)
        _store_day(conn, claim, computed, time.perf_counter() - started)
    except Superseded:
        return DayOutcome("skipped")
    except Exception as error:  # any failure fails this model-day only, never the others
        message = _failure_message(error)
        log.warning("model-day failed: %s %s %s: %s", job_id, model, day, message)
        elapsed = time.perf_counter() - started
        if not fail_model_day(conn, claim, message, elapsed):
            return DayOutcome("skipped")
        return DayOutcome("failed", duration=elapsed, error=message)
    trades = sum(1 for row in computed.rows if row.action_type in ("buy", "sell"))
    return DayOutcome(
        "completed",
        next_pending_day(conn, job_id, model),
        trades,
        computed.rows[-1].portfolio_value,
        time.perf_counter() - started,
    )
