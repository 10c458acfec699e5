"""Schemas of the leaderboard resource."""

from __future__ import annotations

from marshmallow import Schema, fields

from service.resources.schemas import Day


class LeaderboardQueryArgsSchema(Schema):
    """GET /leaderboard arguments."""

    date = Day(metadata={"description": "Rank as of this day (default: the latest stored day)"})


def _rounded(name: str, digits: int) -> fields.Function:
    return fields.Function(
        lambda row: None if row[name] is None else round(row[name], digits), allow_none=True
    )


class RankingSchema(Schema):
    """One model's place."""

    rank = fields.Integer()
    model = fields.String()
    date = fields.String(metadata={"description": "The model's latest stored day used"})
    portfolio_value = _rounded("portfolio_value", 2)
    cumulative_return_pct = _rounded("cumulative_return_pct", 4)
    daily_return_pct = _rounded("daily_return_pct", 4)


class BenchmarkSchema(Schema):
    """Holding QQQ from the earliest registration day."""

    symbol = fields.String()
    start_date = fields.String(allow_none=True)
    cumulative_return_pct = _rounded("cumulative_return_pct", 4)


class LeaderboardSchema(Schema):
    """Rankings and the benchmark."""

    date = fields.String(allow_none=True)
    rankings = fields.List(fields.Nested(RankingSchema))
    benchmark = fields.Nested(BenchmarkSchema, allow_none=True)
