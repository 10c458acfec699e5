"""Parsing AI-Trader agent data: <signature>/position/position.jsonl and log/<date>/log.jsonl.

A daily run dates its lines and names its log folders by day (`2025-10-02`), an hourly run by
bar key (`2025-10-02 15:00:00`); one run is of one form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from service.importer.jsonl import AgentDataError, finite_number, parse_date, read_jsonl
from service.market.calendar import is_day
from service.market.catalog import CRYPTO10
from service.models_config import is_valid_signature
from service.portfolio.engine import ActionType

POSITION_FILE = Path("position") / "position.jsonl"
LOG_DIR = "log"
LOG_FILE = "log.jsonl"
CASH_KEY = "CASH"
# AI-Trader's action names (the crypto market has its own); `no_trade` is our `hold`.
ACTIONS: dict[str, ActionType] = {
    "buy": "buy",
    "sell": "sell",
    "buy_crypto": "buy",
    "sell_crypto": "sell",
    "no_trade": "hold",
}
# The names AI-Trader's tools write for orders on a market, where they are not buy and sell.
MARKET_ORDER_NAMES: dict[str, dict[ActionType, str]] = {
    CRYPTO10.name: {"buy": "buy_crypto", "sell": "sell_crypto"},
}
# Whole numbers below this stay exact as ints; larger ones are kept as the floats they are.
EXACT_INTEGERS = 2**53
RENUMBERED = "the actions are numbered in file order"
# A line number and what about that line deserves a warning.
Note = tuple[int, str]


@dataclass(frozen=True)
class PositionLine:
    """One line of position.jsonl: what the file says happened and the holdings after it."""

    number: int
    date: str
    action_id: int
    action_type: ActionType
    symbol: str | None
    amount: float | None
    price: float | None
    cash: float
    shares: dict[str, float]


@dataclass(frozen=True)
class _Parsed:
    """A line as written: its id (maybe missing), and a note when its action is not a trade."""

    file_id: object
    line: PositionLine
    note: str | None


@dataclass(frozen=True)
class LogMessage:
    """One message of a day's log."""

    role: str
    content: str
    tool_name: str | None = None


@dataclass(frozen=True)
class AgentData:
    """Everything one signature folder holds, and the notes about its position lines."""

    signature: str
    positions: list[PositionLine]
    logs: dict[str, list[LogMessage]]
    position_file: Path
    notes: list[Note]

    @property
    def intraday(self) -> bool:
        """Whether the run is dated by bar (an hourly run) rather than by day."""
        return not is_day(self.positions[0].date)


def order_name(kind: ActionType, market: str) -> str:
    """The action AI-Trader writes for an order of kind (buy, sell) on market."""
    return MARKET_ORDER_NAMES.get(market, {}).get(kind, kind)


def _exact(number: float) -> float:
    """Whole numbers as ints, so that whole shares stay whole shares."""
    return int(number) if number.is_integer() and abs(number) < EXACT_INTEGERS else number


def _quantity(symbol: object, value: object) -> float:
    number = finite_number(value)
    if not isinstance(symbol, str) or not symbol.strip():
        raise ValueError(f"bad symbol {symbol!r} in positions")
    if number is None:
        raise ValueError(f"quantity of {symbol} is not a number: {value!r}")
    if number < 0:
        raise ValueError(f"negative quantity {value} of {symbol}")
    return _exact(number)


def _holdings(positions: object) -> tuple[float, dict[str, float]]:
    if not isinstance(positions, dict):
        raise ValueError('"positions" is not an object')
    cash = finite_number(positions.get(CASH_KEY))
    if cash is None:
        raise ValueError(f'"positions" has no numeric {CASH_KEY}')
    quantities = {
        symbol: _quantity(symbol, value)
        for symbol, value in positions.items()
        if symbol != CASH_KEY
    }
    # Sorted, so that values summed over the holdings come out the same after a round trip.
    return cash, {symbol: qty for symbol, qty in sorted(quantities.items()) if qty > 0}


def _amount(name: str, value: object) -> float:
    number = finite_number(value)
    if number is None or number < 0:
        raise ValueError(f"{name} amount must be a number, 0 or more, got {value!r}")
    return _exact(number)


def _action(this_action: object) -> tuple[ActionType, str | None, float | None, str | None]:
    """The row's kind, symbol and amount, and a note when the file's action is not replayable."""
    if this_action is None:
        return "hold", None, None, None
    if not isinstance(this_action, dict):
        raise ValueError('"this_action" is not an object')
    name = this_action.get("action")
    if not isinstance(name, str) or name not in ACTIONS:
        return "hold", None, None, f"unknown action {name!r}: stored as hold"
    kind = ACTIONS[name]
    if kind == "hold":
        return kind, None, None, None
    amount = _amount(name, this_action.get("amount"))
    symbol = this_action.get("symbol")
    if amount == 0:
        # AI-Trader records orders it executed as no-ops.
        return "hold", None, None, None
    if not isinstance(symbol, str) or not symbol.strip():
        return "hold", None, None, f"{name} of {amount} without a symbol: stored as hold"
    return kind, symbol.strip(), amount, None


def _price(record: dict[str, Any]) -> float | None:
    action = record.get("this_action")
    raw = action.get("price") if isinstance(action, dict) else None
    raw = record.get("price") if raw is None else raw
    if raw is None:
        return None
    price = finite_number(raw)
    if price is None or price <= 0:
        raise ValueError(f"price must be a positive number, got {raw!r}")
    return price


def _parse_position(record: object) -> _Parsed:
    """One decoded position.jsonl line, or ValueError saying why it cannot be read."""
    if not isinstance(record, dict):
        raise ValueError("the line is not a JSON object")
    for key in ("date", "positions"):
        if key not in record:
            raise ValueError(f'missing "{key}"')
    day = parse_date(record["date"])
    cash, shares = _holdings(record["positions"])
    kind, symbol, amount, note = _action(record.get("this_action"))
    price = _price(record)
    line = PositionLine(0, day, 0, kind, symbol, amount, price if symbol else None, cash, shares)
    return _Parsed(record.get("id"), line, note)


def _as_id(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _id_problem(raw: object, file_id: int | None, previous: int | None) -> str | None:
    """What is wrong with a line's id, previous being the last good id before it (None: first)."""
    if file_id is None:
        return 'no "id"' if raw is None else f'"id" {raw!r} is not an integer, 0 or more'
    if previous is None and file_id != 0:
        return f"the registration has id {file_id}, not 0"
    if previous is not None and file_id <= previous:
        return f"id {file_id} does not increase (previous id {previous})"
    return None


def _action_ids(parsed: list[tuple[int, _Parsed]]) -> tuple[list[int], list[Note]]:
    """The file's ids when they count up from 0, else the file order, with a note per bad id."""
    kept: list[int] = []
    problems: list[Note] = []
    for index, (number, item) in enumerate(parsed):
        file_id = _as_id(item.file_id)
        # Once the first line's id is bad, the next good one is compared with nothing.
        previous = kept[-1] if kept else (None if index == 0 else -1)
        problem = _id_problem(item.file_id, file_id, previous)
        if problem is None and file_id is not None:
            kept.append(file_id)
        else:
            problems.append((number, f"{problem}; {RENUMBERED}"))
    return (list(range(len(parsed))) if problems else kept), problems


def _registration(line: PositionLine, note: str | None) -> tuple[PositionLine, str | None]:
    """The first line is the registration: its state is the start, an action on it is not kept."""
    if line.action_type != "hold" or note:
        note = "the first line is the registration: its action is not kept"
    return replace(line, action_type="init", symbol=None, amount=None, price=None), note


def _form(key: str) -> str:
    return "a day" if is_day(key) else "a bar (a day and a time)"


def _check_dates(path: Path, parsed: list[tuple[int, _Parsed]]) -> None:
    """Every line is dated in the first line's form (days, or bars), none before the previous."""
    first = parsed[0][1].line.date
    for (_, before), (number, item) in pairwise(parsed):
        if is_day(item.line.date) != is_day(first):
            raise AgentDataError(
                f"{path}, line {number}: date {item.line.date} is {_form(item.line.date)}, "
                f"the first line's {first} is {_form(first)}"
            )
        if item.line.date < before.line.date:
            raise AgentDataError(
                f"{path}, line {number}: date {item.line.date} is before the previous line's "
                f"{before.line.date}"
            )


def read_positions(path: Path) -> tuple[list[PositionLine], list[Note]]:
    """Every line of a position.jsonl as recorded, and a note per line not as expected."""
    parsed = read_jsonl(path, _parse_position)
    if not parsed:
        raise AgentDataError(f"{path}: no position lines")
    _check_dates(path, parsed)
    ids, notes = _action_ids(parsed)
    lines = [
        replace(item.line, number=number, action_id=action_id)
        for (number, item), action_id in zip(parsed, ids, strict=True)
    ]
    lines[0], first_note = _registration(lines[0], parsed[0][1].note)
    line_notes = [first_note] + [item.note for _, item in parsed[1:]]
    notes += [(line.number, note) for line, note in zip(lines, line_notes, strict=True) if note]
    return lines, sorted(notes)


def _message(item: object) -> LogMessage:
    if not isinstance(item, dict):
        raise ValueError("a message is not a JSON object")
    role = item.get("role")
    if not isinstance(role, str) or not role:
        raise ValueError('a message has no "role"')
    content = item.get("content")
    if not isinstance(content, str):
        content = "" if content is None else json.dumps(content, ensure_ascii=False)
    name = item.get("name")
    return LogMessage(role, content, name if isinstance(name, str) and name else None)


def parse_log_line(record: object) -> list[LogMessage]:
    """The messages of one decoded log.jsonl line: new_messages is a list or a single message."""
    if not isinstance(record, dict) or "new_messages" not in record:
        raise ValueError('missing "new_messages"')
    messages = record["new_messages"]
    return [_message(item) for item in (messages if isinstance(messages, list) else [messages])]


def read_log(path: Path) -> list[LogMessage]:
    """The messages of one day's log.jsonl, in file order."""
    return [message for _, messages in read_jsonl(path, parse_log_line) for message in messages]


def read_logs(folder: Path) -> dict[str, list[LogMessage]]:
    """Every day's (or bar's) log under folder/log, keyed by its folder's name."""
    logs: dict[str, list[LogMessage]] = {}
    root = folder / LOG_DIR
    if not root.is_dir():
        return logs
    for day_dir in sorted(path for path in root.iterdir() if path.is_dir()):
        try:
            day = parse_date(day_dir.name)
        except ValueError:
            raise AgentDataError(
                f"{day_dir}: folder name is not a date (YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS)"
            ) from None
        if (day_dir / LOG_FILE).is_file():
            logs[day] = read_log(day_dir / LOG_FILE)
    return logs


def read_agent(folder: Path) -> AgentData:
    """One signature folder; the signature is the folder's name."""
    if not is_valid_signature(folder.name):
        raise AgentDataError(f"{folder}: {folder.name!r} is not a valid signature")
    path = folder / POSITION_FILE
    positions, notes = read_positions(path)
    return AgentData(folder.name, positions, read_logs(folder), path, notes)


def find_agents(root: Path, only: list[str] | None = None) -> list[Path]:
    """The signature folders to import: those named in only, else every one with positions."""
    if not root.is_dir():
        raise AgentDataError(f"{root}: not a directory")
    if only:
        return [root / name for name in only]
    folders = sorted(
        path
        for path in root.iterdir()
        if not path.name.startswith(".") and (path / POSITION_FILE).is_file()
    )
    if not folders:
        raise AgentDataError(f"{root}: no agent data (expected <signature>/{POSITION_FILE})")
    return folders
