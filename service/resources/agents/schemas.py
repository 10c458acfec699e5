"""Request and answer schemas of the agents resource."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from service.agent.tools import NEWS_LIMIT
from service.agent.webhook import MAX_ORDERS, OrderSchema
from service.jobs.pull_desk import MAX_CLOSING_WORDS, READ_TOOLS
from service.resources.schemas import RowSchema


class OrderInputSchema(OrderSchema):
    """One order: buy or sell an amount of a symbol at the session's bar's open (unknown
    fields refused, as in every request body, where a webhook's answer ignores them)."""

    class Meta:
        unknown = RAISE


class OrdersSchema(Schema):
    """Orders placed together: all are placed, or none when the book refuses one."""

    orders = fields.List(
        fields.Nested(OrderInputSchema),
        required=True,
        validate=validate.Length(1, MAX_ORDERS),
    )


class CloseSchema(Schema):
    """The agent's closing words: why it traded as it did (stored with the step)."""

    reasoning = fields.String(load_default="", validate=validate.Length(max=MAX_CLOSING_WORDS))


class PriceArgumentsSchema(Schema):
    """get_price_local's arguments."""

    symbol = fields.String(required=True, validate=validate.Length(1, 32))
    date = fields.String(
        validate=validate.Length(max=32),
        metadata={
            "description": "An earlier day or bar, or this one (default): YYYY-MM-DD on a daily "
            "market; a bar YYYY-MM-DD HH:MM:SS or a day on an intraday one"
        },
    )


class NewsArgumentsSchema(Schema):
    """search_news's arguments."""

    query = fields.String(
        required=True,
        validate=validate.Length(max=200),
        metadata={"description": f"Ticker or keywords; the newest {NEWS_LIMIT} items first"},
    )


class NoArgumentsSchema(Schema):
    """get_portfolio takes no arguments."""


class PlacedOrderSchema(RowSchema):
    """An order the session placed."""

    action = fields.String(metadata={"enum": ["buy", "sell"]})
    symbol = fields.String()
    amount = fields.Float()


class SessionSchema(RowSchema):
    """A pull agent's session: one model-step waiting for the agent's orders."""

    session_id = fields.String()
    job_id = fields.String()
    model = fields.String(metadata={"description": "The timeline this step belongs to"})
    step = fields.String(metadata={"description": "The session's bar: a day, or a bar key"})
    expires_at = fields.String(metadata={"description": "After this the step fails (UTC)"})
    observation = fields.Dict(
        metadata={"description": "What the agent sees: GET /agents/observation-schema"}
    )
    orders = fields.List(fields.Nested(PlacedOrderSchema))
    tools = fields.List(fields.String(metadata={"enum": list(READ_TOOLS)}))


class HandoutSchema(SessionSchema):
    """A session handed to its agent, with the token that opens it (given only this once)."""

    token = fields.String(
        metadata={"description": "Send as Authorization: Bearer <token> to /agents/sessions/..."}
    )


class ClosedSchema(RowSchema):
    """A closed session: the worker stores its step."""

    session_id = fields.String()
    state = fields.String(metadata={"enum": ["closed"]})
    orders = fields.Integer(metadata={"description": "Orders placed in the session"})
    portfolio = fields.Dict()


class PlacedSchema(RowSchema):
    """Orders placed: each fill, and the portfolio after them."""

    fills = fields.List(fields.Dict())
    portfolio = fields.Dict()
