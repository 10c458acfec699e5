"""Schemas of the results resource."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.resources.schemas import Day, Signature

Money = fields.Float  # stored unrounded; rounded to cents on the way out


class ResultsQueryArgsSchema(Schema):
    """Filters of GET /results."""

    job_id = fields.String(validate=validate.Length(1, 64))
    model = Signature()
    date = Day()
    start_date = Day()
    end_date = Day()


class ResultSchema(Schema):
    """One model-day at the end of the day."""

    job_id = fields.String()
    model = fields.String()
    date = fields.String()
    cash = fields.Function(lambda row: round(row["cash"], 2))
    portfolio_value = fields.Function(lambda row: round(row["portfolio_value"], 2))
    daily_profit = fields.Function(lambda row: round(row["daily_profit"], 2))
    daily_return_pct = fields.Function(lambda row: round(row["daily_return_pct"], 4))
    cumulative_profit = fields.Function(lambda row: round(row["cumulative_profit"], 2))
    cumulative_return_pct = fields.Function(lambda row: round(row["cumulative_return_pct"], 4))
    holdings = fields.Dict(keys=fields.String(), values=fields.Integer())
