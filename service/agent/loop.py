"""The agent loop of one model-day: ask the model, run its tool calls, record everything."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from service.agent.client import ChatResponse, ToolCall
from service.agent.costs import add_usage, cost_usd
from service.agent.prompt import FINISH_SIGNAL
from service.agent.tools import TradingTools
from service.db import iso_utc
from service.journal import LogEntry, ToolStat

FinishReason = Literal["finish_signal", "no_tool_calls", "max_steps", "budget_reached"]


class TimeLimitExceeded(RuntimeError):
    """The model-day ran longer than max_seconds_per_day."""


@dataclass(frozen=True)
class DayLimits:
    """When a conversation must stop: steps, seconds, and the day's spending at its pricing."""

    max_steps: int = 30
    max_seconds: float | None = None
    max_cost_usd: float | None = None
    pricing: Mapping[str, float] | None = None

    def spent(self, usage: Mapping[str, int] | None) -> float | None:
        """USD spent so far at the model's pricing; None without one."""
        return cost_usd(usage, self.pricing)

    def budget_reached(self, usage: Mapping[str, int] | None) -> bool:
        """Whether the day's cost reached max_cost_usd (never without a budget or pricing)."""
        spent = self.spent(usage)
        return self.max_cost_usd is not None and spent is not None and spent >= self.max_cost_usd


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


def render_turn(response: ChatResponse) -> str:
    """The log's text of an assistant turn: its words as written, then its tool calls."""
    lines = [response.raw_content or ""] + [render_call(call) for call in response.tool_calls]
    return "\n".join(line for line in lines if line)


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
        self.log(step, "assistant", render_turn(response))
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


def _check_time(limits: DayLimits, elapsed: float, step: int) -> None:
    if limits.max_seconds is not None and elapsed > limits.max_seconds:
        raise TimeLimitExceeded(
            f"the model-day ran longer than max_seconds_per_day ({limits.max_seconds:g} s):"
            f" stopped after {elapsed:.1f} s, before model call {step}"
        )


def _finish_reason(
    response: ChatResponse, record: Conversation, limits: DayLimits
) -> FinishReason | None:
    # Calls sent together with the signal still run: the model placed them before finishing.
    if FINISH_SIGNAL in (response.content or ""):
        return "finish_signal"
    if not response.tool_calls:
        return "no_tool_calls"
    if limits.budget_reached(record.usage):
        return "budget_reached"
    return None


def run_conversation(
    client: ChatClientProtocol,
    tools: TradingTools,
    system_prompt: str,
    user_prompt: str,
    limits: DayLimits | int = 30,
    clock: Callable[[], float] = time.perf_counter,
    now: Callable[[], datetime] = utc_now,
) -> Conversation:
    """Talk with the model until it finishes, or a limit stops it; LLMError propagates.

    limits (or a plain max_steps) bound the model calls, the seconds (TimeLimitExceeded,
    checked before each call) and the day's cost (the conversation ends after the answer that
    reached it: finished_by "budget_reached").
    """
    limits = DayLimits(limits) if isinstance(limits, int) else limits
    if limits.max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {limits.max_steps}")
    started = clock()
    run = _Run(tools, clock, now)
    run.add(0, {"role": "system", "content": system_prompt})
    run.add(0, {"role": "user", "content": user_prompt})
    for step in range(1, limits.max_steps + 1):
        _check_time(limits, clock() - started, step)
        response = client.complete(list(run.chat), tools.definitions)
        run.answer(step, response)
        reason = _finish_reason(response, run.record, limits)
        if reason == "budget_reached":
            spent = limits.spent(run.record.usage) or 0.0
            run.log(
                step,
                "system",
                f"stopped: the day's budget of {limits.max_cost_usd:g} USD"
                f" was reached ({spent:.4f} USD spent)",
            )
        if reason is not None:
            run.record.finished_by = reason
            return run.record
    return run.record
