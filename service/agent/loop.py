"""The agent loop of one model-day: ask the model, run its tool calls, record everything."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from service.agent.client import ChatResponse, ToolCall
from service.agent.costs import add_usage
from service.agent.prompt import FINISH_SIGNAL
from service.agent.tools import TradingTools
from service.db import iso_utc
from service.journal import LogEntry, ToolStat

FinishReason = Literal["finish_signal", "no_tool_calls", "max_steps"]


class ChatClientProtocol(Protocol):
    """Anything that answers a conversation like an OpenAI chat completion."""

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> ChatResponse:
        """The next assistant turn."""
        ...


@dataclass(slots=True)
class Conversation:
    """The record of one model-day's conversation."""

    messages: list[LogEntry] = field(default_factory=list)
    tool_usage: dict[str, ToolStat] = field(default_factory=dict)
    usage: dict[str, int] | None = None
    finished_by: FinishReason = "max_steps"
    steps: int = 0


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def render_call(call: ToolCall) -> str:
    """A readable one-line rendering of a tool call for the log."""
    arguments = json.dumps(call.arguments) if call.arguments is not None else call.raw_arguments
    return f"[tool call] {call.name}({arguments})"


class _Run:
    """The mutable state of one run: the chat sent to the model and the record kept of it."""

    def __init__(
        self, tools: TradingTools, clock: Callable[[], float], now: Callable[[], datetime]
    ) -> None:
        self.tools = tools
        self.clock = clock
        self.now = now
        self.chat: list[dict[str, Any]] = []
        self.record = Conversation()

    def log(self, step: int, role: str, content: str, tool_name: str | None = None) -> None:
        """Record one message in the log."""
        self.record.messages.append(LogEntry(step, role, content, tool_name, iso_utc(self.now())))

    def add(self, step: int, message: dict[str, Any]) -> None:
        """Send a message to the model and log it."""
        self.chat.append(message)
        self.log(step, message["role"], message["content"])

    def answer(self, step: int, response: ChatResponse) -> None:
        """Record the model's turn and run its tool calls in order."""
        self.record.steps = step
        self.record.usage = add_usage(self.record.usage, response.usage)
        self.chat.append(response.assistant_message)
        lines = [response.raw_content or ""] + [render_call(c) for c in response.tool_calls]
        self.log(step, "assistant", "\n".join(line for line in lines if line))
        for call in response.tool_calls:
            self.run_tool(step, call)

    def run_tool(self, step: int, call: ToolCall) -> None:
        """Run one tool call, time it and pass its result back."""
        started = self.clock()
        result = self.tools.call(call.name, call.arguments, call.error)
        stat = self.record.tool_usage.setdefault(call.name, ToolStat())
        stat.call_count += 1
        stat.total_duration_seconds += self.clock() - started
        self.chat.append({"role": "tool", "tool_call_id": call.id, "content": result.content})
        self.log(step, "tool", result.content, call.name)


def run_conversation(
    client: ChatClientProtocol,
    tools: TradingTools,
    system_prompt: str,
    user_prompt: str,
    max_steps: int = 30,
    clock: Callable[[], float] = time.perf_counter,
    now: Callable[[], datetime] = utc_now,
) -> Conversation:
    """Talk with the model until it finishes or max_steps model calls; LLMError propagates."""
    if max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {max_steps}")
    run = _Run(tools, clock, now)
    run.add(0, {"role": "system", "content": system_prompt})
    run.add(0, {"role": "user", "content": user_prompt})
    for step in range(1, max_steps + 1):
        response = client.complete(list(run.chat), tools.definitions)
        run.answer(step, response)
        # Calls sent together with the signal still run: the model placed them before finishing.
        if FINISH_SIGNAL in (response.content or ""):
            run.record.finished_by = "finish_signal"
            return run.record
        if not response.tool_calls:
            run.record.finished_by = "no_tool_calls"
            return run.record
    return run.record
