"""The seven tools of a pull agent's session, each answered by the pull desk.

A call names its session by the token in its request's `Authorization: Bearer` header, and the
desk checks it on every call as it does for the REST resource's session paths: the server keeps
no state of its own between calls (stateless Streamable HTTP), only one connection per call. A
refusal of the desk becomes a tool error (is_error) that says why, e.g. "expired (410): ...".
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from service.agent.webhook import MAX_SYMBOL, AgentOrder
from service.db import connect
from service.jobs.agent_sessions import StoredSession
from service.jobs.pull_desk import (
    MAX_CLOSING_WORDS,
    Closed,
    Expired,
    Forbidden,
    NotAllowed,
    NotFound,
    PullDesk,
    SessionError,
    bearer_token,
    described,
)
from service.market.directory import Markets
from service.settings import Settings

Answer = TypeVar("Answer")
Tool = TypeVar("Tool", bound=Callable[..., Any])
JSON = dict[str, Any]
# The REST resource's limits on the same arguments (service/resources/agents/schemas.py).
MAX_DATE = 32
MAX_QUERY = 200
# Each refusal's reason, by its kind (its status is the REST resource's).
REASONS: tuple[tuple[type[SessionError], str], ...] = (
    (NotAllowed, "not allowed"),
    (Forbidden, "forbidden"),
    (NotFound, "not found"),
    (Closed, "closed"),
    (Expired, "expired"),
)
INSTRUCTIONS = """\
One model-step of a trading competition. Send the session's token (from \
/agents/<signature>/sessions/next) as `Authorization: Bearer <token>` on every request. Start \
with get_observation; read with get_price_local, get_portfolio and search_news; buy and sell \
at the open of the session's bar; call finish to end the step. The step waits for finish until \
the session expires (expires_at) and fails then."""

Symbol = Annotated[
    str, Field(min_length=1, max_length=MAX_SYMBOL, description="Ticker symbol, e.g. AAPL")
]
Amount = Annotated[
    float,
    Field(gt=0, allow_inf_nan=False, description="How many units, as the market allows"),
]
Day = Annotated[
    str | None,
    Field(
        max_length=MAX_DATE,
        description="An earlier day or bar, or this one (default): YYYY-MM-DD on a daily "
        "market; a bar YYYY-MM-DD HH:MM:SS or a day on an intraday one",
    ),
]
Query = Annotated[str, Field(max_length=MAX_QUERY, description="Ticker or keywords")]
Reasoning = Annotated[
    str, Field(max_length=MAX_CLOSING_WORDS, description="Why you traded as you did (stored)")
]


def refusal(error: SessionError) -> str:
    """The desk's refusal as a tool error's text: its reason, its HTTP status and why."""
    reason = next((reason for kind, reason in REASONS if isinstance(error, kind)), "refused")
    return f"{reason} ({error.status}): {error}"


@dataclass(frozen=True)
class InSession:
    """One call's way to the desk: the session its token opens, on this call's connection."""

    desk: PullDesk
    session: StoredSession
    token: str | None

    def read(self, tool: str, arguments: JSON) -> JSON:
        """A read tool's answer (the call is kept in the session's record)."""
        return self.desk.call_tool(self.session.session_id, self.token, tool, arguments)

    def order(self, action: str, symbol: str, amount: float) -> JSON:
        """Place one order: its fill and the portfolio after, or a refusal."""
        orders = [AgentOrder(action, symbol, amount)]
        return self.desk.place(self.session.session_id, self.token, orders)

    def finish(self, reasoning: str) -> JSON:
        """Close the session."""
        return self.desk.close(self.session.session_id, self.token, reasoning)


@dataclass(frozen=True)
class Sessions:
    """The sessions of the database the service runs on."""

    settings: Settings
    markets: Markets

    def call(self, ctx: Context, run: Callable[[InSession], Answer]) -> Answer:
        """run in the session of the request's token; a refusal of the desk as a ToolError."""
        token = bearer_token(ctx.headers.get("authorization") if ctx.headers else None)
        with closing(connect(self.settings.database_path)) as conn:
            desk = PullDesk(conn, self.markets, self.settings)
            try:
                session = desk.session_of(token)
                return run(InSession(desk, session, token))
            except SessionError as error:
                raise ToolError(refusal(error)) from None


def registrar(server: MCPServer) -> Callable[[Tool], Tool]:
    """server.tool(), described by the function's docstring without its indentation: the
    description is what the agent reads."""

    def register(function: Tool) -> Tool:
        return server.tool(description=inspect.getdoc(function))(function)

    return register


def build_server(settings: Settings, markets: Markets) -> MCPServer:
    """The MCP server with the session's seven tools."""
    server: MCPServer = MCPServer("ai-trader", instructions=INSTRUCTIONS, log_level="WARNING")
    sessions = Sessions(settings, markets)
    tool = registrar(server)

    @tool
    def get_observation(ctx: Context) -> JSON:
        """The session's model-step: its step (day or bar), when the session expires, the
        observation (portfolio, prices at the open, the market's rules) and the orders placed
        so far."""
        return sessions.call(ctx, lambda call: described(call.session))

    @tool
    def get_price_local(ctx: Context, symbol: Symbol, date: Day = None) -> JSON:
        """A symbol's bar as the step sees it: earlier bars whole, this bar's open only. A
        later bar is refused."""
        arguments: JSON = {"symbol": symbol, **({} if date is None else {"date": date})}
        return sessions.call(ctx, lambda call: call.read("get_price_local", arguments))

    @tool
    def get_portfolio(ctx: Context) -> JSON:
        """Cash and holdings after the orders placed so far."""
        return sessions.call(ctx, lambda call: call.read("get_portfolio", {}))

    @tool
    def search_news(ctx: Context, query: Query) -> JSON:
        """News published before the step began, newest first."""
        return sessions.call(ctx, lambda call: call.read("search_news", {"query": query}))

    @tool
    def buy(ctx: Context, symbol: Symbol, amount: Amount) -> JSON:
        """Buy at the open of the step's bar; needs enough cash. Answers the fill and the
        portfolio after; a refused order changes nothing."""
        return sessions.call(ctx, lambda call: call.order("buy", symbol, amount))

    @tool
    def sell(ctx: Context, symbol: Symbol, amount: Amount) -> JSON:
        """Sell units you hold at the open of the step's bar. Answers the fill and the
        portfolio after; a refused order changes nothing."""
        return sessions.call(ctx, lambda call: call.order("sell", symbol, amount))

    @tool
    def finish(ctx: Context, reasoning: Reasoning = "") -> JSON:
        """End the step: it is stored with the orders placed. The session's token opens
        nothing after this."""
        return sessions.call(ctx, lambda call: call.finish(reasoning))

    return server
