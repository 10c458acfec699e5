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


def round_text(text: str) -> str:
    """text with every number of more than two decimals rounded to two (money to cents)."""
    return LONG_DECIMAL.sub(lambda match: f"{float(match.group(1)):.2f}", text)


def json_text(value: Any, indent: int | None = None, depth: int = 0) -> str:
    """value as JSON with every float written to two decimals (money to cents)."""
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.2f}"
    if isinstance(value, Mapping) and value:
        items = [
            f"{json.dumps(str(key), ensure_ascii=False)}: {json_text(item, indent, depth + 1)}"
            for key, item in value.items()
        ]
        return _enclose("{", items, "}", indent, depth)
    if isinstance(value, list) and value:
        items = [json_text(item, indent, depth + 1) for item in value]
        return _enclose("[", items, "]", indent, depth)
    return json.dumps(value, ensure_ascii=False)


def _enclose(first: str, items: list[str], last: str, indent: int | None, depth: int) -> str:
    if indent is None:
        return first + ", ".join(items) + last
    inner, outer = "\n" + " " * indent * (depth + 1), "\n" + " " * indent * depth
    return first + inner + ("," + inner).join(items) + outer + last


def shown_json(text: str, indent: int | None = None) -> str:
    """JSON text re-written with floats to two decimals; other text rounded as prose."""
    try:
        value = json.loads(text)
    except ValueError:
        return round_text(text)
    return json_text(value, indent)


def _calls(parts: Iterable[str]) -> list[ToolCall]:
    calls = []
    for part in parts:
        match = CALL.match(part)
        name, arguments = (match.group(1), match.group(2)) if match else ("?", part.strip())
        calls.append(ToolCall(name, shown_json(arguments)))
    return calls


def _assistant(text: str, step: int) -> Message:
    prose, *calls = CALL_MARK.split(text)
    return Message("assistant", round_text(prose.strip()), step, calls=_calls(calls))


def _answer(messages: list[Message], step: int, name: str | None, text: str) -> None:
    """Give a tool's result to the first unanswered call of that tool in this step."""
    result = shown_json(text, indent=2)
    for message in reversed(messages):
        if message.step != step or message.role != "assistant":
            continue
        call = next((c for c in message.calls if c.result is None and c.name == name), None)
        if call:
            call.result = result
            return
    messages.append(Message("tool", result, step, tool_name=name))


def conversation(rows: Iterable[Mapping[str, Any]]) -> list[Message]:
    """The reasoning rows of /results?detail=full (in order) as messages with paired calls."""
    messages: list[Message] = []
    for row in rows:
        role, text, step = row["role"], row["content"] or "", row["step_number"]
        if role == "assistant":
            messages.append(_assistant(text, step))
        elif role == "tool":
            _answer(messages, step, row["tool_name"], text)
        else:
            messages.append(Message(role, round_text(text), step, tool_name=row["tool_name"]))
    return messages
