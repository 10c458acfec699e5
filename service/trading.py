"""One model's decisions for one bar, whatever kind of model it is."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from service.agent.client import ChatClient
from service.agent.loop import ChatClientProtocol, DayLimits, run_conversation
from service.agent.mock import MockChatClient
from service.agent.news import load_news
from service.agent.observation import build_observation
from service.agent.prompt import render_system_prompt, user_message
from service.agent.pull import AgentGone, SessionHost, answer_record, trade_external
from service.agent.rate_limits import Limits, model_limiter
from service.agent.recording import RecordingClient, ResponseLog, with_turns
from service.agent.request_options import body_options, resolve_headers
from service.agent.tools import TradingTools
from service.agent.webhook import WebhookAgent, WebhookError
from service.db import now
from service.journal import DayRecord, LogEntry
from service.market.asof import AsOfView
from service.models_config import AgentConfig, ModelSpec
from service.portfolio.engine import OrderBook
from service.settings import Settings
from service.strategies import StrategyContext, build_strategy


def trade_builtin(spec: ModelSpec, book: OrderBook, day_number: int) -> DayRecord:
    """Let a built-in strategy place its orders and explain them in one log message."""
    context = StrategyContext(spec.signature, book, day_number)
    build_strategy(spec.strategy or "", spec.params).trade(context)
    lines = [f"{f.action_type} {f.amount} {f.symbol} at {f.price:.4f}" for f in book.fills]
    lines += [f"rejected: {reason}" for reason in context.rejections]
    summary = f"{spec.strategy}: " + ("; ".join(lines) or "no orders today")
    return DayRecord([LogEntry(1, "assistant", summary, None, now())])


def chat_client(
    spec: ModelSpec, agent: AgentConfig, view: AsOfView, settings: Settings
) -> ChatClientProtocol:
    """The model's client: the offline mock, or an OpenAI-compatible API with its key.

    Headers naming a variable are read from the environment captured at start-up. The
    provider's limits are shared by every worker on the host through the queue's SQLite file.
    """
    if spec.provider == "mock":
        return MockChatClient(spec.signature, view.day, view.rules.watchlist)
    headers, hidden = resolve_headers(spec.request_options, settings.secrets)
    limits = Limits(spec.max_concurrency, spec.requests_per_minute, spec.tokens_per_minute)
    gate = model_limiter(
        settings.huey_path, spec.signature, spec.rate_limit_group, limits, agent.timeout
    )
    return ChatClient(
        spec.openai_base_url or settings.openai_api_base,
        settings.secrets.get(spec.api_key_env),
        spec.basemodel or spec.signature,
        max_retries=agent.max_retries,
        base_delay=agent.base_delay,
        timeout=agent.timeout,
        body_extras=body_options(spec.request_options),
        headers=headers,
        hidden=hidden,
        gate=gate,
    )


def request_identity(spec: ModelSpec) -> dict[str, Any]:
    """What decides a model's answers besides the conversation: its model name and options."""
    return {"model": spec.basemodel or spec.signature, **body_options(spec.request_options)}


def recording_client(
    spec: ModelSpec, agent: AgentConfig, view: AsOfView, settings: Settings, log: ResponseLog
) -> RecordingClient:
    """The model's client behind its recorded answers; a replay has no provider at all."""
    provider = None if log.replaying else chat_client(spec, agent, view, settings)
    return RecordingClient(provider, request_identity(spec), log, persist=spec.provider != "mock")


def trade_llm(
    spec: ModelSpec, agent: AgentConfig, book: OrderBook, settings: Settings, log: ResponseLog
) -> DayRecord:
    """Run the agent loop; every message, tool call, answer and token count is recorded."""
    tools = TradingTools(book, load_news(settings.news_data))
    limits = DayLimits(
        agent.max_steps, agent.max_seconds_per_day, spec.max_cost_usd_per_day, spec.pricing
    )
    client = recording_client(spec, agent, book.view, settings, log)
    conversation = run_conversation(
        client,
        tools,
        render_system_prompt(book.view, book.state),
        user_message(book.view.day),
        limits,
    )
    usage = conversation.usage or {}
    return DayRecord(
        with_turns(conversation.messages, client.turns),
        conversation.tool_usage,
        usage,
        limits.spent(None if log.replaying else usage),  # a replay pays nothing
        conversation.finished_by == "budget_reached",
    )


def webhook_agent(spec: ModelSpec, agent: AgentConfig, settings: Settings) -> WebhookAgent:
    """The model's webhook agent, signing with the secret its agent_secret_env names."""
    secret = settings.secrets.get(spec.agent_secret_env or "")
    if not secret:
        raise WebhookError(
            f"the environment variable {spec.agent_secret_env} holding the secret of"
            f" {spec.signature}'s agent is not set"
        )
    return WebhookAgent(
        spec.agent_url or "",
        secret,
        spec.signature,
        max_retries=agent.max_retries,
        base_delay=agent.base_delay,
        timeout=agent.timeout,
        max_seconds=agent.max_seconds_per_day,
    )


def trade_http(
    spec: ModelSpec, agent: AgentConfig, book: OrderBook, settings: Settings, log: ResponseLog
) -> DayRecord:
    """POST the step's observation to the model's agent and place the orders it answers.

    The record holds the observation sent (the user message, JSON), the agent's reasoning and
    orders (the assistant message) and each order's result (a tool message), never the secret.
    """
    if log.replaying:
        # The agent's answers are not recorded: a replay, which asks no one, has none.
        raise WebhookError(
            f"{spec.signature} is a webhook agent: its model-steps cannot be replayed"
        )
    client = webhook_agent(spec, agent, settings)
    tools = TradingTools(book, load_news(settings.news_data))
    observation = build_observation(spec.signature, tools)
    answer = client.decide(book.view.day, observation)
    record = answer_record(observation, answer, tools, DayRecord())
    record.logs = [replace(entry, content=client.mask(entry.content)) for entry in record.logs]
    return record


def trade_day(
    spec: ModelSpec,
    agent: AgentConfig,
    book: OrderBook,
    day_number: int,
    settings: Settings,
    log: ResponseLog,
    session: SessionHost,
) -> DayRecord:
    """Run one model-day through the model's provider; orders go through the book, answers
    through the log of recorded responses, a pull agent's through its session."""
    if spec.provider == "builtin":
        return trade_builtin(spec, book, day_number)
    if spec.provider == "http":
        return trade_http(spec, agent, book, settings, log)
    if spec.provider == "external":
        if log.replaying:
            raise AgentGone(f"{spec.signature} is a pull agent: its model-steps cannot be replayed")
        return trade_external(spec, agent, book, settings, session)
    return trade_llm(spec, agent, book, settings, log)
