"""Writing stored timelines back as AI-Trader agent data, so that export then import round-trips.

A timeline is written in the layout AI-Trader writes for its market: a daily run's lines dated and
its log folders named by day, an hourly run's by bar key (`log/2025-10-02 15:00:00/log.jsonl`).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.importer.reader import CASH_KEY, LOG_DIR, LOG_FILE, POSITION_FILE, order_name
from service.journal import model_messages
from service.market.calendar import is_day
from service.portfolio.positions import actions_with_holdings, timeline_market

NO_TRADE = {"action": "no_trade", "symbol": "", "amount": 0}


class ExportError(RuntimeError):
    """A model that cannot be exported; nothing of it was written."""


@dataclass(frozen=True)
class ExportedModel:
    """What was written for one model."""

    signature: str
    market: str
    actions: int
    log_folders: int  # one a day, or a bar of an intraday timeline
    folder: Path
    intraday: bool = False


def this_action(row: sqlite3.Row, market: str) -> dict[str, Any] | None:
    """AI-Trader's this_action of a positions row on market; the registration has none."""
    if row["action_type"] == "init":
        return None
    if row["action_type"] == "hold":
        return dict(NO_TRADE)
    action = {
        "action": order_name(row["action_type"], market),
        "symbol": row["symbol"],
        "amount": row["amount"],
    }
    if row["price"] is not None:
        action["price"] = row["price"]
    return action


def position_lines(conn: sqlite3.Connection, signature: str, market: str) -> list[dict[str, Any]]:
    """The position.jsonl records of a model on market: every held symbol and CASH after each
    action, each order named as AI-Trader's tools for that market name it."""
    lines = []
    for row, shares in actions_with_holdings(conn, signature):
        line: dict[str, Any] = {"date": row["date"], "id": row["action_id"]}
        action = this_action(row, market)
        if action is not None:
            line["this_action"] = action
        line["positions"] = {**shares, CASH_KEY: row["cash"]}
        lines.append(line)
    return lines


def log_lines(conn: sqlite3.Connection, signature: str) -> dict[str, list[dict[str, Any]]]:
    """The log.jsonl records of a model by date, one message per line."""
    days: dict[str, list[dict[str, Any]]] = {}
    for row in model_messages(conn, signature):
        message = {"role": row["role"], "content": row["content"]}
        if row["tool_name"] is not None:
            message["name"] = row["tool_name"]
        days.setdefault(row["date"], []).append({"signature": signature, "new_messages": [message]})
    return days


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    path.write_text(text, encoding="utf-8")


def check_target(root: Path, signature: str) -> Path:
    """The model's folder under root, which must not exist yet or be empty."""
    target = root / signature
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ExportError(f"{target} already exists; export into an empty directory")
    return target


def export_model(
    conn: sqlite3.Connection, signature: str, root: Path, market: str | None = None
) -> ExportedModel:
    """Write one model's folder under root (only when its timeline is on market, if given);
    it appears complete or not at all."""
    stored = timeline_market(conn, signature)
    if stored is None:
        raise ExportError(f"{signature} has no timeline in the database")
    if market is not None and stored != market:
        raise ExportError(f"{signature} trades on {stored}, not {market}")
    target = check_target(root, signature)
    positions = position_lines(conn, signature, stored)
    logs = log_lines(conn, signature)
    staging = Path(tempfile.mkdtemp(prefix=f".{signature}.", dir=root))
    try:
        # mkdtemp makes the folder private; the exported one should be like any other folder.
        staging.chmod(0o755)
        _write_jsonl(staging / POSITION_FILE, positions)
        for day, records in logs.items():
            _write_jsonl(staging / LOG_DIR / day / LOG_FILE, records)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    intraday = not is_day(positions[0]["date"])
    return ExportedModel(signature, stored, len(positions), len(logs), target, intraday)
