"""Schemas of the results resource."""

from __future__ import annotations

from marshmallow import fields, validate

from service.resources.schemas import (
    DateRangeQueryArgsSchema,
    Day,
    Market,
    Rounded,
    RowSchema,
    Signature,
    SpendingFields,
)


class ResultsQueryArgsSchema(DateRangeQueryArgsSchema):
    """Filters of GET /results."""

    market = Market(metadata={"description": "Only the models of this market"})
    job_id = fields.String(validate=validate.Length(1, 64))
    model = Signature()
    date = Day()
    detail = fields.String(
        load_default="minimal",
        validate=validate.OneOf(("minimal", "full")),
        metadata={"description": "full adds trades, the reasoning log and tool usage"},
    )


class TradeSchema(RowSchema):
    """One executed order."""

    action_id = fields.Integer()
    action_type = fields.String()
    symbol = fields.String()
    amount = fields.Float(metadata={"description": "Shares or coins (decimal on crypto10)"})
    price = fields.Float()


class ReasoningSchema(RowSchema):
    """One message of the model's conversation."""

    step_number = fields.Integer()
    role = fields.String()
    content = fields.String(allow_none=True)
    tool_name = fields.String(allow_none=True)
    timestamp = fields.String()


class ToolUsageSchema(RowSchema):
    """Calls of one tool on one model-day."""

    tool_name = fields.String()
    call_count = fields.Integer()
    total_duration_seconds = fields.Float()


class ResultSchema(SpendingFields):
    """One model-day at the end of the day."""

    job_id = fields.String()
    model = fields.String()
    market = fields.String(metadata={"description": "The market of the model's timeline"})
    date = fields.String()
    cash = Rounded(2)
    portfolio_value = Rounded(2)
    daily_profit = Rounded(2)
    daily_return_pct = Rounded(4)
    cumulative_profit = Rounded(2)
    cumulative_return_pct = Rounded(4)
    holdings = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        metadata={"description": "Units held by symbol (decimal on crypto10)"},
    )
    contaminated = fields.Boolean(
        metadata={"description": "The day is on or before the model's knowledge_cutoff"}
    )
    trades = fields.List(fields.Nested(TradeSchema))
    reasoning = fields.List(fields.Nested(ReasoningSchema))
    tool_usage = fields.List(fields.Nested(ToolUsageSchema))
