"""Storing one imported model: timeline, logs and model-days in one transaction (all or nothing)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from service import journal
from service.db import now, transaction
from service.importer.reader import AgentData, LogMessage, PositionLine
from service.importer.replay import replay_notes, trade_price
from service.jobs.creation import busy_models
from service.journal import DayRecord, LogEntry, insert_day_records
from service.market.calendar import is_day
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio import positions
from service.portfolio.positions import insert_rows, timeline_bounds
from service.portfolio.timeline import Action, PositionRow, day_rows

IMPORT_OPTIONS = {"source": "ai-trader"}
INSERT_JOB_SQL = """
INSERT INTO jobs (job_id, kind, status, start_date, end_date, models, config, options, warnings,
    created_at, started_at, completed_at)
VALUES (?, 'import', 'completed', ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
UPDATE_JOB_SQL = """
UPDATE jobs SET models = ?, config = ?, warnings = ?, start_date = MIN(start_date, ?),
    end_date = MAX(end_date, ?), completed_at = ?
WHERE job_id = ?
"""
INSERT_DETAIL_SQL = """
INSERT INTO job_details (job_id, date, model, status, attempts, started_at, completed_at)
VALUES (?, ?, ?, 'completed', 1, ?, ?)
"""


class ModelImportError(RuntimeError):
    """A model that cannot be imported as asked; nothing of it was stored."""


@dataclass(frozen=True)
class ImportedModel:
    """What was stored for one model."""

    signature: str
    market: str
    days: int
    actions: int
    log_messages: int
    first_date: str
    last_date: str
    final_value: float
    return_pct: float
    warnings: list[str] = field(default_factory=list)


def _check_valued(line: PositionLine, prices: PriceData) -> None:
    """SPEC §2 rule 5 needs a close of every held symbol on or before the line's day."""
    missing = sorted(s for s in line.shares if prices.close_on_or_before(s, line.date) is None)
    if missing:
        raise ModelImportError(
            f"no close of {', '.join(missing)} on or before {line.date} in {prices.source}"
        )


def _action(line: PositionLine, prices: PriceData) -> Action:
    _check_valued(line, prices)
    return Action(
        line.action_id,
        line.action_type,
        line.symbol,
        line.amount,
        trade_price(line, prices),
        line.cash,
        line.shares,
    )


def _check_form(data: AgentData, rules: MarketRules) -> None:
    """A run dated by day goes into a daily market, one dated by bar into an intraday one."""
    if data.intraday != rules.intraday:
        dated = "bar" if data.intraday else "day"
        form = "an intraday" if rules.intraday else "a daily"
        raise ModelImportError(
            f"{data.position_file}: the lines are dated by {dated}, and {rules.name} is "
            f"{form} market"
        )


def timeline_rows(positions: list[PositionLine], prices: PriceData) -> dict[str, list[PositionRow]]:
    """The positions rows of each day (or bar, of an intraday run), made as a simulated day's
    are (timeline.day_rows)."""
    days: dict[str, list[PositionLine]] = {}
    for line in positions:
        days.setdefault(line.date, []).append(line)
    initial = previous = positions[0].cash
    rows: dict[str, list[PositionRow]] = {}
    for day, lines in days.items():
        actions = [_action(line, prices) for line in lines]
        rows[day] = day_rows(prices, day, actions, previous, initial)
        previous = rows[day][-1].portfolio_value
    return rows


def _kind(key: str) -> str:
    return "day" if is_day(key) else "bar"


def _day_logs(
    data: AgentData, days: dict[str, list[PositionRow]]
) -> tuple[dict[str, DayRecord], list[str]]:
    records = {
        day: DayRecord([_log_entry(step, m) for step, m in enumerate(messages, start=1)])
        for day, messages in data.logs.items()
        if day in days
    }
    warnings = [
        f"{data.signature}: log of {key} ignored: no position on that {_kind(key)}"
        for key in sorted(set(data.logs) - set(days))
    ]
    return records, warnings


def _log_entry(step: int, message: LogMessage) -> LogEntry:
    return LogEntry(step, message.role, message.content, message.tool_name, now())


def _make_room(conn: sqlite3.Connection, signature: str, replace: bool) -> None:
    busy = busy_models(conn, [signature])
    if busy:
        raise ModelImportError(f"{signature} is in active job {busy[signature]}; try again later")
    bounds = timeline_bounds(conn, signature)
    if bounds and not replace:
        raise ModelImportError(
            f"{signature} already has a timeline ({bounds[0]} to {bounds[1]}); "
            "use --replace to overwrite it"
        )
    positions.delete_days_from(conn, signature, "")
    journal.delete_days_from(conn, signature, "")


def _import_config(rules: MarketRules, stored: str | None = None) -> dict[str, Any]:
    """An import job's snapshot (stored: the job's so far): no models to run, the rules of
    each market it imported into."""
    config: dict[str, Any] = (
        json.loads(stored) if stored else {"models": [], "agent_config": {}, "markets": {}}
    )
    config["markets"] = {**config["markets"], rules.name: rules.to_dict()}
    return config


def _record_in_job(
    conn: sqlite3.Connection, job_id: str, imported: ImportedModel, rules: MarketRules
) -> None:
    """Create the import job with its first model, or add a model to it."""
    stamp = now()
    row = conn.execute(
        "SELECT models, config, warnings FROM jobs WHERE job_id = ?", (job_id,)
    ).fetchone()
    if row is None:
        conn.execute(
            INSERT_JOB_SQL,
            (
                job_id,
                imported.first_date,
                imported.last_date,
                json.dumps([imported.signature]),
                json.dumps(_import_config(rules)),
                json.dumps(IMPORT_OPTIONS),
                json.dumps(imported.warnings),
                stamp,
                stamp,
                stamp,
            ),
        )
        return
    models = json.loads(row["models"]) + [imported.signature]
    warnings = json.loads(row["warnings"]) + imported.warnings
    conn.execute(
        UPDATE_JOB_SQL,
        (
            json.dumps(models),
            json.dumps(_import_config(rules, row["config"])),
            json.dumps(warnings),
            imported.first_date,
            imported.last_date,
            stamp,
            job_id,
        ),
    )


def store_model(
    conn: sqlite3.Connection,
    job_id: str,
    data: AgentData,
    prices: PriceData,
    rules: MarketRules,
    replace: bool,
) -> ImportedModel:
    """Store one model under the import job atomically; an existing timeline needs replace."""
    _check_form(data, rules)
    rows = timeline_rows(data.positions, prices)
    records, log_warnings = _day_logs(data, rows)
    notes = sorted(data.notes + replay_notes(data.positions, prices, rules))
    warnings = [f"{data.position_file}, line {n}: {note}" for n, note in notes] + log_warnings
    last = rows[data.positions[-1].date][-1]
    imported = ImportedModel(
        data.signature,
        rules.name,
        len(rows),
        len(data.positions),
        sum(len(record.logs) for record in records.values()),
        data.positions[0].date,
        data.positions[-1].date,
        last.portfolio_value,
        last.cumulative_return_pct,
        warnings,
    )
    with transaction(conn):
        _make_room(conn, data.signature, replace)
        _record_in_job(conn, job_id, imported, rules)
        stamp = now()
        for day, day_rows in rows.items():
            insert_rows(conn, rules.name, (job_id, data.signature, day), day_rows)
            insert_day_records(conn, job_id, data.signature, day, records.get(day, DayRecord()))
            conn.execute(INSERT_DETAIL_SQL, (job_id, day, data.signature, stamp, stamp))
    return imported
