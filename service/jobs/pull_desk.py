"""The agent's side of a pull session: taking it, its read tools, its orders and its close.

The REST resource (/agents) and the MCP server answer through this one desk. Every call builds
the step's order book again (service/jobs/step_book.py) and replays the orders placed so far,
so a tool sees exactly what the worker will trade on: the session's bar and nothing later, the
model's own portfolio and no other. Orders are checked on that book before they are kept: a
batch with an order the book refuses is refused whole and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from service.agent.news import load_news
from service.agent.pull import CLOSED, EXPIRED, SessionCall
from service.agent.tools import TradingTools
from service.agent.webhook import AgentOrder
from service.db import now, transaction
from service.jobs.agent_sessions import (
    StoredSession,
    find_session,
    save_record,
    session_of_token,
    take_next,
)
from service.jobs.step_book import step_book
from service.market.directory import Markets
from service.models_config import load_models_config
from service.settings import Settings

READ_TOOLS = ("get_price_local", "search_news", "get_portfolio")
# How long the closing reasoning may be. One character more still fits in the API's 64 KiB body
# even when every character is one JSON writes as a 12-byte surrogate pair: too long is told
# as such (a 422), not as a body too large.
MAX_CLOSING_WORDS = 5_000
# Calls a session keeps (read tools and order batches): every call rewrites the record, and an
# agent looping on a tool should hear so rather than slow its step down without end.
MAX_SESSION_CALLS = 500
Answer = TypeVar("Answer")


class SessionError(Exception):
    """A call the desk refuses; status is the HTTP status that says why."""

    status = 400


class NotAllowed(SessionError):
    """No token, or not the right one."""

    status = 401


class Forbidden(SessionError):
    """A token for another session, or a look at what the session's bar may not see."""

    status = 403


class NotFound(SessionError):
    """No such pull agent, session or tool."""

    status = 404


class Closed(SessionError):
    """The session was closed, or its step is no longer waiting for it."""

    status = 409


class Expired(SessionError):
    """The session's time ran out; its step failed."""

    status = 410


class Refused(SessionError):
    """A well-formed call the step cannot carry out (an unknown symbol, not enough cash): the
    API's 400, as for any request that is valid in form but cannot run; nothing changed."""

    status = 400


def bearer_token(header: str | None) -> str | None:
    """The token of an Authorization header's value, when it is a bearer token."""
    if header is None or header[:7].lower() != "bearer ":
        return None
    return header[7:].strip() or None


def described(session: StoredSession) -> dict[str, Any]:
    """What the agent is told of its session, on whichever path it asks."""
    return {
        "session_id": session.session_id,
        "job_id": session.job_id,
        "model": session.model,
        "step": session.day,
        "expires_at": session.expires_at,
        "observation": session.record.observation,
        "orders": [asdict(order) for order in session.record.orders],
        "tools": list(READ_TOOLS),
    }


def token_hash(token: str) -> str:
    """What is stored of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Handout:
    """A session just handed to its agent, with the token that opens it (shown only here)."""

    session: StoredSession
    token: str


@dataclass(frozen=True)
class PullDesk:
    """Pull sessions on one database, with the markets and settings the service runs with."""

    conn: sqlite3.Connection
    markets: Markets
    settings: Settings

    def take_next(self, signature: str, model_token: str | None) -> Handout | None:
        """The model's next waiting session (also its runs'), for the model's own token."""
        self._check_model_token(signature, model_token)
        token = secrets.token_urlsafe(32)
        session = take_next(self.conn, signature, token_hash(token))
        return None if session is None else Handout(session, token)

    def _check_model_token(self, signature: str, given: str | None) -> None:
        models = load_models_config(self.settings.config_path).models
        spec = next((m for m in models if m.signature == signature), None)
        if spec is None or spec.provider != "external":
            raise NotFound(f"no pull agent (provider external) is configured as {signature!r}")
        expected = self.settings.secrets.get(spec.agent_secret_env or "")
        if not expected:
            raise NotAllowed(
                f"the server has no token for {signature}: its environment variable"
                f" {spec.agent_secret_env} is not set"
            )
        _check_token(given, expected, f"the token of {signature}")

    def session(self, session_id: str, token: str | None) -> StoredSession:
        """The session, for its own token, while it may be used (a read: no write lock)."""
        return self._live(session_id, token)

    def session_of(self, token: str | None) -> StoredSession:
        """The session a token opens (the MCP server's way in), while it may be used."""
        if not token:
            raise NotAllowed("no session token: send Authorization: Bearer <session token>")
        session = session_of_token(self.conn, token_hash(token))
        if session is None:
            raise NotAllowed("unknown session token")
        return self.session(session.session_id, token)

    def call_tool(
        self, session_id: str, token: str | None, name: str, arguments: dict[str, Any]
    ) -> dict[str, Any]:
        """Run a read tool on the session's step; the call is kept in the session's record."""
        if name not in READ_TOOLS:
            raise NotFound(f"no tool {name!r}: the read tools are {', '.join(READ_TOOLS)}")

        def run(session: StoredSession, tools: TradingTools) -> dict[str, Any]:
            started = time.perf_counter()
            result = tools.call(name, arguments)
            _keep(session, name, arguments, result.content, result.ok, started)
            if result.look_ahead:
                raise Forbidden(json.loads(result.content)["error"])
            if not result.ok:
                raise Refused(json.loads(result.content)["error"])
            answer: dict[str, Any] = json.loads(result.content)
            return answer

        return self._in_session(session_id, token, run)

    def place(self, session_id: str, token: str | None, orders: list[AgentOrder]) -> dict[str, Any]:
        """Place orders on the session's step, all or none: fills and the portfolio after."""

        def run(session: StoredSession, tools: TradingTools) -> dict[str, Any]:
            started = time.perf_counter()
            results = [tools.call(order.action, order.arguments) for order in orders]
            contents = [json.loads(result.content) for result in results]
            refused = [
                f"order {index} ({order.action} {order.amount:g} {order.symbol}): {c['error']}"
                for index, (order, result, c) in enumerate(
                    zip(orders, results, contents, strict=True)
                )
                if not result.ok
            ]
            if refused:
                arguments = {"orders": [asdict(order) for order in orders]}
                kept = json.dumps({"refused": refused})
                _keep(session, "orders", arguments, kept, False, started)
                raise Refused("; ".join(refused) + "; no order was placed")
            session.record.orders.extend(orders)
            return {"fills": contents, "portfolio": tools.get_portfolio()}

        return self._in_session(session_id, token, run)

    def close(self, session_id: str, token: str | None, reasoning: str) -> dict[str, Any]:
        """Close the session: the worker then stores the step with the orders placed."""

        def run(session: StoredSession, tools: TradingTools) -> dict[str, Any]:
            session.record.state = CLOSED
            session.record.reasoning = reasoning
            session.record.closed_at = now()
            return {
                "session_id": session.session_id,
                "state": CLOSED,
                "orders": len(session.record.orders),
                "portfolio": tools.get_portfolio(),
            }

        return self._in_session(session_id, token, run, counted=False)

    def _in_session(
        self,
        session_id: str,
        token: str | None,
        run: Callable[[StoredSession, TradingTools], Answer],
        counted: bool = True,
    ) -> Answer:
        """run on the session's tools under the write lock, its record kept even when run
        refuses (the refusal is part of the conversation); a counted call only while the
        session has room for one more."""
        failure: SessionError | None = None
        with transaction(self.conn):
            session = self._live(session_id, token)
            if (
                counted
                and len(session.record.calls) + len(session.record.orders) >= MAX_SESSION_CALLS
            ):
                raise Refused(
                    f"session {session_id} holds {MAX_SESSION_CALLS} calls and orders, as many"
                    " as a session keeps: close it (what it placed is kept)"
                )
            tools = self._tools(session)
            try:
                answer = run(session, tools)
            except SessionError as error:
                failure = error
            save_record(self.conn, session)
        if failure is not None:
            raise failure
        return answer

    def _live(self, session_id: str, token: str | None) -> StoredSession:
        session = find_session(self.conn, session_id)
        if session is None:
            raise NotFound(f"no session {session_id!r}")
        if not token:
            raise NotAllowed("no session token: send Authorization: Bearer <session token>")
        if not hmac.compare_digest(token_hash(token), session.token_hash or ""):
            mine = session_of_token(self.conn, token_hash(token)) is not None
            raise (Forbidden if mine else NotAllowed)(
                "this token opens another session" if mine else "wrong session token"
            )
        if session.record.state == EXPIRED or now() >= session.expires_at:
            raise Expired(f"session {session_id} expired at {session.expires_at}; its step failed")
        if not session.live(now()):
            raise Closed(f"session {session_id} is closed: its step no longer waits for orders")
        return session

    def _tools(self, session: StoredSession) -> TradingTools:
        """The step's tools, on its book after the orders placed so far."""
        step = step_book(self.conn, self.markets, session.job_id, session.model, session.day)
        if step.book is None:  # pragma: no cover - a registration step opens no session
            raise Closed(f"session {session.session_id} has no book")
        tools = TradingTools(step.book, load_news(self.settings.news_data))
        for order in session.record.orders:
            tools.call(order.action, order.arguments)
        return tools


def _keep(
    session: StoredSession,
    tool: str,
    arguments: dict[str, Any],
    content: str,
    ok: bool,
    started: float,
) -> None:
    seconds = time.perf_counter() - started
    session.record.calls.append(SessionCall(tool, arguments, content, ok, seconds, now()))


def _check_token(given: str | None, expected: str, what: str) -> None:
    if not given:
        raise NotAllowed(f"no token: send Authorization: Bearer <{what}>")
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise NotAllowed(f"wrong token: not {what}")
