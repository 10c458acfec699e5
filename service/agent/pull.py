"""Pull agents (provider external): a model-step waits for the agent to come and take it.

The worker builds the step's observation and opens a session on the model-step; the step waits
in awaiting_agent. The agent polls for it, may call the read tools, places orders and closes the
session, all through the web process (service/jobs/pull_desk.py) or the MCP server. Once the
session is closed the worker places the session's orders through the step's own order book, in
the order the agent placed them, and stores the step with the whole exchange as its record. A
session the agent leaves open past its timeout fails the step.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from service.agent.client import ToolCall
from service.agent.loop import render_call
from service.agent.news import load_news
from service.agent.observation import build_observation
from service.agent.tools import TradingTools
from service.agent.webhook import AgentAnswer, AgentOrder
from service.db import now
from service.journal import DayRecord, LogEntry, ToolStat
from service.models_config import AgentConfig, ModelSpec
from service.portfolio.engine import OrderBook
from service.settings import Settings

OPEN, CLOSED, EXPIRED = "open", "closed", "expired"


class AgentGone(RuntimeError):
    """The agent did not close its session in time; the message is the step's error."""


@dataclass(frozen=True, slots=True)
class SessionCall:
    """One call the agent made in its session: a read tool, or a batch of orders refused."""

    tool: str
    arguments: dict[str, Any]
    content: str  # the answer, JSON, as an LLM's tool result is stored
    ok: bool
    seconds: float
    at: str


@dataclass
class SessionRecord:
    """What a session holds, stored as JSON on its model-step: the observation it was opened
    with, the agent's calls, the orders that were placed and the agent's closing words."""

    observation: dict[str, Any]
    state: str = OPEN
    handed_out_at: str | None = None
    calls: list[SessionCall] = field(default_factory=list)
    orders: list[AgentOrder] = field(default_factory=list)
    reasoning: str = ""
    closed_at: str | None = None

    def to_json(self) -> str:
        """The record as stored."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> SessionRecord:
        """A stored record."""
        data = json.loads(text)
        return cls(
            observation=data["observation"],
            state=data["state"],
            handed_out_at=data["handed_out_at"],
            calls=[SessionCall(**call) for call in data["calls"]],
            orders=[AgentOrder(**order) for order in data["orders"]],
            reasoning=data["reasoning"],
            closed_at=data["closed_at"],
        )


class SessionHost(Protocol):
    """Where the worker opens a model-step's session and waits for the agent to close it."""

    def open(self, record: SessionRecord, timeout: float) -> None:
        """Open the step's session with this record, expiring after timeout seconds."""
        ...

    def wait(self) -> SessionRecord:
        """The closed session's record; raises AgentGone when it expired first."""
        ...


def place_orders(
    tools: TradingTools, orders: list[AgentOrder], record: DayRecord
) -> tuple[list[ToolCall], list[LogEntry]]:
    """Send orders to the book in order; each result (a fill or a rejection with its reason)
    is logged as the tool result of an LLM's buy or sell is, and counted in record."""
    calls, results = [], []
    for index, order in enumerate(orders):
        arguments = order.arguments
        call = ToolCall(f"order_{index}", order.action, arguments, json.dumps(arguments))
        started = time.perf_counter()
        result = tools.call(order.action, arguments)
        count(record, order.action, time.perf_counter() - started)
        calls.append(call)
        results.append(LogEntry(1, "tool", result.content, order.action, now()))
    return calls, results


def count(record: DayRecord, tool: str, seconds: float) -> None:
    """Add one call of tool to the record's tool usage."""
    stat = record.tool_usage.setdefault(tool, ToolStat())
    stat.call_count += 1
    stat.total_duration_seconds += seconds


def answer_record(
    observation: dict[str, Any], answer: AgentAnswer, tools: TradingTools, record: DayRecord
) -> DayRecord:
    """An external agent's step as a conversation: the observation (the user message), what the
    agent did before deciding (record's logs so far), its reasoning and orders (the assistant
    message) and each order's result (a tool message). Its orders are placed on the way."""
    calls, results = place_orders(tools, answer.orders, record)
    text = "\n".join(line for line in [answer.reasoning, *map(render_call, calls)] if line)
    sent = LogEntry(0, "user", json.dumps(observation, indent=2), None, now())
    said = LogEntry(1, "assistant", text or "(no orders)", None, now())
    record.logs = [sent, *record.logs, said, *results]
    return record


def session_calls(record: SessionRecord) -> DayRecord:
    """The agent's calls in its session, each an assistant tool call and its tool result."""
    calls = DayRecord()
    for call in record.calls:
        count(calls, call.tool, call.seconds)
        rendered = render_call(ToolCall("", call.tool, call.arguments, ""))
        calls.logs.append(LogEntry(1, "assistant", rendered, None, call.at))
        calls.logs.append(LogEntry(1, "tool", call.content, call.tool, call.at))
    return calls


def trade_external(
    spec: ModelSpec, agent: AgentConfig, book: OrderBook, settings: Settings, host: SessionHost
) -> DayRecord:
    """Open the step's session, wait for the agent to close it, then place its orders."""
    tools = TradingTools(book, load_news(settings.news_data))
    observation = build_observation(spec.signature, tools)
    host.open(SessionRecord(observation), agent.timeout)
    closed = host.wait()
    answer = AgentAnswer(closed.orders, closed.reasoning)
    return answer_record(observation, answer, tools, session_calls(closed))
