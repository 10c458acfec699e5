"""A model-day's reasoning log as a conversation: messages, each tool call with its result."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# The agent loop logs each call of an assistant turn on its own line after the text.
CALL_MARK = re.compile(r"(?m)^\[tool call\] ")
CALL = re.compile(r"(?s)^([^(\s]+)\((.*)\)\s*$")
# A number with more than two decimals, not part of a date, a version or a word.
LONG_DECIMAL = re.compile(r"(?<![\w.])(\d+\.\d{3,})(?![\w.])")
# Money is shown to cents; a market whose quantities have more decimals (coins in steps of
# 0.0001) is shown to that many, so that 0.1352 BTC is not read as 0.14.
MONEY_DECIMALS = 2


@dataclass
class ToolCall:
    """One call the model made: the tool, its arguments and what the tool answered."""

    name: str
    arguments: str
    result: str | None = None


@dataclass
class Message:
    """One message: role system, user, assistant (with its calls) or tool (an unpaired result)."""

    role: str
    text: str
    step: int
    tool_name: str | None = None
    calls: list[ToolCall] = field(default_factory=list)


def number_text(value: float, decimals: int = MONEY_DECIMALS) -> str:
    """value rounded to decimals, zeros beyond the cents dropped: 19.64, 0.1352, 110568.05."""
    shown = f"{value:.{decimals}f}"
    extra = decimals - MONEY_DECIMALS
    while extra > 0 and shown.endswith("0"):
        shown, extra = shown[:-1], extra - 1
    return shown


def round_text(text: str, decimals: int = MONEY_DECIMALS) -> str:
    """text with every number of more than decimals decimals rounded to that many (by
    default two: money to cents)."""
    return LONG_DECIMAL.sub(lambda match: number_text(float(match.group(1)), decimals), text)


def json_text(
    value: Any, indent: int | None = None, depth: int = 0, decimals: int = MONEY_DECIMALS
) -> str:
    """value as JSON with every float written to decimals (by default two: money to cents)."""
    if isinstance(value, float) and math.isfinite(value):
        return number_text(value, decimals)
    if isinstance(value, Mapping) and value:
        items = [
            f"{json.dumps(str(key), ensure_ascii=False)}: "
            + json_text(item, indent, depth + 1, decimals)
            for key, item in value.items()
        ]
        return _enclose("{", items, "}", indent, depth)
    if isinstance(value, list) and value:
        items = [json_text(item, indent, depth + 1, decimals) for item in value]
        return _enclose("[", items, "]", indent, depth)
    return json.dumps(value, ensure_ascii=False)


def _enclose(first: str, items: list[str], last: str, indent: int | None, depth: int) -> str:
    if indent is None:
        return first + ", ".join(items) + last
    inner, outer = "\n" + " " * indent * (depth + 1), "\n" + " " * indent * depth
    return first + inner + ("," + inner).join(items) + outer + last


def shown_json(text: str, indent: int | None = None, decimals: int = MONEY_DECIMALS) -> str:
    """JSON text re-written with floats to decimals; other text rounded as prose."""
    try:
        value = json.loads(text)
    except ValueError:
        return round_text(text, decimals)
    return json_text(value, indent, decimals=decimals)


def _calls(parts: Iterable[str], decimals: int) -> list[ToolCall]:
    calls = []
    for part in parts:
        match = CALL.match(part)
        name, arguments = (match.group(1), match.group(2)) if match else ("?", part.strip())
        calls.append(ToolCall(name, shown_json(arguments, decimals=decimals)))
    return calls


def _assistant(text: str, step: int, decimals: int) -> Message:
    prose, *calls = CALL_MARK.split(text)
    prose = round_text(prose.strip(), decimals)
    return Message("assistant", prose, step, calls=_calls(calls, decimals))


def _answer(messages: list[Message], step: int, name: str | None, text: str, decimals: int) -> None:
    """Give a tool's result to the first unanswered call of that tool in this step."""
    result = shown_json(text, indent=2, decimals=decimals)
    for message in reversed(messages):
        if message.step != step or message.role != "assistant":
            continue
        call = next((c for c in message.calls if c.result is None and c.name == name), None)
        if call:
            call.result = result
            return
    messages.append(Message("tool", result, step, tool_name=name))


def conversation(
    rows: Iterable[Mapping[str, Any]], decimals: int = MONEY_DECIMALS
) -> list[Message]:
    """The reasoning rows of /results?detail=full (in order) as messages with paired calls,
    numbers rounded to decimals."""
    messages: list[Message] = []
    for row in rows:
        role, text, step = row["role"], row["content"] or "", row["step_number"]
        if role == "assistant":
            messages.append(_assistant(text, step, decimals))
        elif role == "tool":
            _answer(messages, step, row["tool_name"], text, decimals)
        else:
            shown = round_text(text, decimals)
            messages.append(Message(role, shown, step, tool_name=row["tool_name"]))
    return messages
