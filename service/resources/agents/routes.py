"""Agents resource: pull agents take their model-steps' sessions, use the read tools, place
orders and close; and the observation every external agent receives, as a JSON Schema.

These paths carry their own tokens (a model's token to take a session, then the session's),
not the API key: an agent needs no more than its own model-steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from flask import Response, request
from flask.views import MethodView
from marshmallow import Schema

from service.agent.observation import observation_schema
from service.agent.webhook import AgentOrder
from service.jobs.pull_desk import PullDesk, SessionError, bearer_token, described
from service.resources.agents.schemas import (
    ClosedSchema,
    CloseSchema,
    HandoutSchema,
    NewsArgumentsSchema,
    NoArgumentsSchema,
    OrdersSchema,
    PlacedSchema,
    PriceArgumentsSchema,
    SessionSchema,
)
from service.resources.auth import carries_agent_token
from service.resources.blueprint import Blueprint
from service.resources.context import get_db, markets, settings
from service.resources.errors import fail
from service.resources.schemas import FreeFormSchema

blp = Blueprint(
    "agents", __name__, url_prefix="/agents", description="External agents: pull sessions"
)
Answer = TypeVar("Answer")
POLL_AGAIN_SECONDS = 1
MODEL_TOKEN: list[dict[str, list[str]]] = [{"agentToken": []}]
SESSION_TOKEN: list[dict[str, list[str]]] = [{"sessionToken": []}]
SECURITY_SCHEMES = {
    "agentToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The pull agent's token, from the env var its agent_secret_env names",
    },
    "sessionToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The token handed out with the session by /agents/{signature}/sessions/next",
    },
}
SESSION_ERRORS = {
    401: "No token, or a wrong one",
    403: "A token of another session, or a look past the session's bar",
    404: "No such session",
    409: "The session is closed",
    410: "The session expired; its model-step failed",
}


def bearer() -> str | None:
    """The token of the Authorization header (never read from the query: URLs are logged)."""
    return bearer_token(request.headers.get("Authorization"))


@blp.before_request
def token_first() -> None:
    """A call without a token is a 401 whatever else it sent: its body is not read."""
    if carries_agent_token(request.path) and bearer() is None:
        fail(401, "no token: send Authorization: Bearer <token>")


def desk() -> PullDesk:
    """The pull desk on this request's database."""
    return PullDesk(get_db(), markets(), settings())


def answered(call: Callable[[], Answer]) -> Answer:
    """call's answer; a refusal of the desk as its HTTP status."""
    try:
        return call()
    except SessionError as error:
        refuse(error)


def refuse(error: SessionError) -> NoReturn:
    """The desk's refusal as an error answer."""
    fail(error.status, str(error))


def session_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Document the session token and the refusals every session operation may answer."""
    for code, description in SESSION_ERRORS.items():
        view = blp.alt_response(code, description=description)(view)
    documented: Callable[..., Any] = blp.doc(security=SESSION_TOKEN)(view)
    return documented


@blp.route("/observation-schema")
class ObservationSchemaView(MethodView):
    """The observation's published schema."""

    @blp.response(200, FreeFormSchema)
    def get(self) -> dict[str, Any]:
        """The JSON Schema of the observation a webhook agent is POSTed and a pull agent's
        session holds."""
        return observation_schema()


@blp.route("/<string:signature>/sessions/next")
class NextSessionView(MethodView):
    """A pull agent's next model-step."""

    @blp.doc(security=MODEL_TOKEN)
    @blp.response(200, HandoutSchema)
    @blp.alt_response(204, description="No model-step waits for this agent now: poll again")
    @blp.alt_response(401, description="No token, or not the model's")
    @blp.alt_response(404, description="No pull agent (provider external) has this signature")
    def get(self, signature: str) -> dict[str, Any] | Response:
        """Take the oldest waiting session of a pull agent's model-steps (also its runs').

        Each session is handed out once, with a token for its own calls; poll again after a
        204. A session left open past the job's `agent_config.timeout` fails its model-step.
        """
        handout = answered(lambda: desk().take_next(signature, bearer()))
        if handout is None:
            return Response(status=204, headers={"Retry-After": str(POLL_AGAIN_SECONDS)})
        return {**described(handout.session), "token": handout.token}


@blp.route("/sessions/<string:session_id>")
class SessionView(MethodView):
    """One session."""

    @session_errors
    @blp.response(200, SessionSchema)
    def get(self, session_id: str) -> dict[str, Any]:
        """The session: its step, its observation and the orders placed so far."""
        return described(answered(lambda: desk().session(session_id, bearer())))


def _tool_view(name: str, summary: str, schema: type[Schema], example: dict[str, Any]) -> None:
    """Register POST /sessions/<id>/tools/<name>, the read tool with its arguments."""

    class ToolView(MethodView):
        @session_errors
        @blp.arguments(schema, example=example)
        @blp.response(200, FreeFormSchema)
        @blp.alt_response(400, description="Arguments the tool cannot use (an unknown symbol)")
        def post(self, arguments: dict[str, Any], session_id: str) -> dict[str, Any]:
            return answered(lambda: desk().call_tool(session_id, bearer(), name, arguments))

    ToolView.post.__doc__ = summary
    ToolView.__name__ = f"{name.title().replace('_', '')}View"
    blp.route(f"/sessions/<string:session_id>/tools/{name}")(ToolView)


_tool_view(
    "get_price_local",
    "A symbol's bar as the session's step sees it: earlier bars whole, this bar's open.",
    PriceArgumentsSchema,
    {"symbol": "AAPL"},
)
_tool_view(
    "search_news",
    "News published before the session's step began, newest first.",
    NewsArgumentsSchema,
    {"query": "NVDA earnings"},
)
_tool_view(
    "get_portfolio", "Cash and holdings after the orders placed so far.", NoArgumentsSchema, {}
)


@blp.route("/sessions/<string:session_id>/orders")
class OrdersView(MethodView):
    """The session's orders."""

    @session_errors
    @blp.arguments(
        OrdersSchema, example={"orders": [{"action": "buy", "symbol": "AAPL", "amount": 1}]}
    )
    @blp.response(200, PlacedSchema)
    @blp.alt_response(400, description="The book refused an order: none was placed")
    def post(self, body: dict[str, Any], session_id: str) -> dict[str, Any]:
        """Place orders at the session's bar's open, all or none."""
        orders = [AgentOrder(o["action"], o["symbol"], o["amount"]) for o in body["orders"]]
        return answered(lambda: desk().place(session_id, bearer(), orders))


@blp.route("/sessions/<string:session_id>/close")
class CloseView(MethodView):
    """The end of a session."""

    @session_errors
    @blp.arguments(CloseSchema, example={"reasoning": "Apple opened below its last close"})
    @blp.response(200, ClosedSchema)
    def post(self, body: dict[str, Any], session_id: str) -> dict[str, Any]:
        """Close the session: the model-step is stored with the orders placed in it."""
        return answered(lambda: desk().close(session_id, bearer(), body["reasoning"]))
