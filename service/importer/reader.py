"""Parsing AI-Trader agent data: <signature>/position/position.jsonl and log/<date>/log.jsonl."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from service.models_config import is_valid_signature
from service.portfolio.engine import ActionType, check_amount

POSITION_FILE = Path("position") / "position.jsonl"
LOG_DIR = "log"
LOG_FILE = "log.jsonl"
CASH_KEY = "CASH"
# AI-Trader's action names; `no_trade` is our `hold`.
ACTIONS: dict[str, ActionType] = {"buy": "buy", "sell": "sell", "no_trade": "hold"}
T = TypeVar("T")


class AgentDataError(ValueError):
    """Agent data that cannot be imported; the message names the file and line."""


@dataclass(frozen=True)
class PositionLine:
    """One line of position.jsonl: an action and the holdings after it."""

    date: str
    action_id: int
    action_type: ActionType
    symbol: str | None
    amount: int | None
    price: float | None
    cash: float
    shares: dict[str, int]


@dataclass(frozen=True)
class LogMessage:
    """One message of a day's log."""

    role: str
    content: str
    tool_name: str | None = None


@dataclass(frozen=True)
class AgentData:
    """Everything one signature folder holds."""

    signature: str
    positions: list[PositionLine]
    logs: dict[str, list[LogMessage]]


def parse_date(value: object) -> str:
    """An ISO date 'YYYY-MM-DD' exactly, or ValueError."""
    try:
        if isinstance(value, str) and date.fromisoformat(value).isoformat() == value:
            return value
    except ValueError:
        pass
    raise ValueError(f"bad date {value!r} (expected YYYY-MM-DD)")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _quantity(symbol: object, value: object) -> int:
    number = _number(value)
    if not isinstance(symbol, str) or not symbol.strip():
        raise ValueError(f"bad symbol {symbol!r} in positions")
    if number is None or not number.is_integer():
        raise ValueError(f"quantity of {symbol} is not a whole number: {value!r}")
    if number < 0:
        raise ValueError(f"negative quantity {value} of {symbol}")
    return int(number)


def _holdings(positions: object) -> tuple[float, dict[str, int]]:
    if not isinstance(positions, dict):
        raise ValueError('"positions" is not an object')
    cash = _number(positions.get(CASH_KEY))
    if cash is None:
        raise ValueError(f'"positions" has no numeric {CASH_KEY}')
    quantities = {
        symbol: _quantity(symbol, value)
        for symbol, value in positions.items()
        if symbol != CASH_KEY
    }
    # Sorted, so that values summed over the holdings come out the same after a round trip.
    return cash, {symbol: qty for symbol, qty in sorted(quantities.items()) if qty > 0}


def _action(this_action: object, action_id: int) -> tuple[ActionType, str | None, int | None]:
    if this_action is None:
        return ("init" if action_id == 0 else "hold"), None, None
    if not isinstance(this_action, dict):
        raise ValueError('"this_action" is not an object')
    name = this_action.get("action")
    if name not in ACTIONS:
        raise ValueError(f"unknown action {name!r} (expected buy, sell or no_trade)")
    kind = ACTIONS[name]
    if action_id == 0:
        return "init", None, None
    if kind == "hold":
        return kind, None, None
    symbol = this_action.get("symbol")
    if not isinstance(symbol, str) or not symbol.strip():
        raise ValueError(f"{name} without a symbol")
    return kind, symbol.strip(), check_amount(this_action.get("amount"))


def _price(record: dict[str, Any]) -> float | None:
    action = record.get("this_action")
    raw = action.get("price") if isinstance(action, dict) else None
    raw = record.get("price") if raw is None else raw
    if raw is None:
        return None
    price = _number(raw)
    if price is None or price <= 0:
        raise ValueError(f"price must be a positive number, got {raw!r}")
    return price


def parse_position(record: object) -> PositionLine:
    """One decoded position.jsonl line, or ValueError saying what is wrong with it."""
    if not isinstance(record, dict):
        raise ValueError("the line is not a JSON object")
    for key in ("date", "id", "positions"):
        if key not in record:
            raise ValueError(f'missing "{key}"')
    action_id = record["id"]
    if isinstance(action_id, bool) or not isinstance(action_id, int) or action_id < 0:
        raise ValueError(f'"id" must be a non-negative integer, got {action_id!r}')
    day = parse_date(record["date"])
    cash, shares = _holdings(record["positions"])
    kind, symbol, amount = _action(record.get("this_action"), action_id)
    return PositionLine(day, action_id, kind, symbol, amount, _price(record), cash, shares)


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


def _parse_file(path: Path, parse: Callable[[object], T]) -> list[tuple[int, T]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AgentDataError(f"{path}: not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise AgentDataError(f"{path}: cannot read: {error}") from None
    parsed: list[tuple[int, T]] = []
    # Only "\n" ends a line: JSON strings may hold other line separators such as U+2028.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            parsed.append((number, parse(json.loads(line))))
        except json.JSONDecodeError as error:
            raise AgentDataError(f"{path}, line {number}: invalid JSON: {error.msg}") from None
        except ValueError as error:
            raise AgentDataError(f"{path}, line {number}: {error}") from None
    return parsed


def _order_problem(previous: PositionLine | None, line: PositionLine) -> str | None:
    if previous is None:
        if line.action_id != 0:
            return f"the first line must be the registration (id 0), got id {line.action_id}"
        return None
    if line.action_id <= previous.action_id:
        return f"id {line.action_id} does not increase (previous id {previous.action_id})"
    if line.date < previous.date:
        return f"date {line.date} is before the previous line's {previous.date}"
    return None


def read_positions(path: Path) -> list[PositionLine]:
    """Every line of a position.jsonl, checked line by line and for id and date order."""
    lines = _parse_file(path, parse_position)
    if not lines:
        raise AgentDataError(f"{path}: no position lines")
    previous: PositionLine | None = None
    for number, line in lines:
        problem = _order_problem(previous, line)
        if problem:
            raise AgentDataError(f"{path}, line {number}: {problem}")
        previous = line
    return [line for _, line in lines]


def read_log(path: Path) -> list[LogMessage]:
    """The messages of one day's log.jsonl, in file order."""
    return [message for _, messages in _parse_file(path, parse_log_line) for message in messages]


def read_logs(folder: Path) -> dict[str, list[LogMessage]]:
    """Every day's log under folder/log, keyed by date."""
    logs: dict[str, list[LogMessage]] = {}
    root = folder / LOG_DIR
    if not root.is_dir():
        return logs
    for day_dir in sorted(path for path in root.iterdir() if path.is_dir()):
        try:
            day = parse_date(day_dir.name)
        except ValueError:
            raise AgentDataError(f"{day_dir}: folder name is not a date (YYYY-MM-DD)") from None
        if (day_dir / LOG_FILE).is_file():
            logs[day] = read_log(day_dir / LOG_FILE)
    return logs


def read_agent(folder: Path) -> AgentData:
    """One signature folder; the signature is the folder's name."""
    if not is_valid_signature(folder.name):
        raise AgentDataError(f"{folder}: {folder.name!r} is not a valid signature")
    return AgentData(folder.name, read_positions(folder / POSITION_FILE), read_logs(folder))


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
