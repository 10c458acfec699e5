"""One model's decisions for one trading day, whatever kind of model it is."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.db import now
from service.models_config import AgentConfig, ModelSpec
from service.portfolio.engine import OrderBook
from service.strategies import StrategyContext, build_strategy


@dataclass(frozen=True)
class LogRecord:
    """One message of a model-day, as stored in reasoning_logs."""

    step_number: int
    role: str
    content: str
    tool_name: str | None = None
    timestamp: str = field(default_factory=now)


@dataclass
class DayRecord:
    """What a model-day leaves besides its trades: messages, tool usage and tokens."""

    logs: list[LogRecord] = field(default_factory=list)
    tool_usage: dict[str, tuple[int, float]] = field(default_factory=dict)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


def trade_builtin(spec: ModelSpec, book: OrderBook, day_number: int) -> DayRecord:
    """Let a built-in strategy place its orders and explain them in one log message."""
    context = StrategyContext(spec.signature, book, day_number)
    build_strategy(spec.strategy or "", spec.params).trade(context)
    lines = [
        f"{fill.action_type} {fill.amount} {fill.symbol} at {fill.price:.4f}" for fill in book.fills
    ]
    lines += [f"rejected: {reason}" for reason in context.rejections]
    summary = "; ".join(lines) or "no orders today"
    return DayRecord([LogRecord(1, "assistant", f"{spec.strategy}: {summary}")])


def trade_day(spec: ModelSpec, agent: AgentConfig, book: OrderBook, day_number: int) -> DayRecord:
    """Run one model-day through the model's provider; orders go through the book."""
    if spec.provider == "builtin":
        return trade_builtin(spec, book, day_number)
    raise NotImplementedError(f"provider {spec.provider!r} is not available yet")
