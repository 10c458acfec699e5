"""Reading AI-Trader's JSON-lines files line by line, errors naming the file and the line."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from service.market.calendar import bar_key

T = TypeVar("T")


class AgentDataError(ValueError):
    """Agent data that cannot be imported; the message names the file and line."""


def parse_date(value: object) -> str:
    """A day 'YYYY-MM-DD' or a bar 'YYYY-MM-DD HH:MM:SS' (AI-Trader's hourly runs), written
    exactly as a bar key is, or ValueError."""
    try:
        if isinstance(value, str) and bar_key(value) == value:
            return value
    except ValueError:
        pass
    raise ValueError(f"bad date {value!r} (expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)")


def finite_number(value: object) -> float | None:
    """A JSON number that is finite (booleans are not numbers), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def read_jsonl(path: Path, parse: Callable[[object], T]) -> list[tuple[int, T]]:
    """Each non-blank line of path decoded and parsed, with its line number."""
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
