"""Schemas of the leaderboard resource."""

from __future__ import annotations

from marshmallow import fields

from service.resources.schemas import (
    Day,
    QueryArgsSchema,
    Rounded,
    RowSchema,
    TimelineSpendingFields,
)


class LeaderboardQueryArgsSchema(QueryArgsSchema):
    """GET /leaderboard arguments."""

    date = Day(metadata={"description": "Rank as of this day (default: the latest stored day)"})


class RankingSchema(TimelineSpendingFields):
    """One model's place."""

    rank = fields.Integer()
    model = fields.String()
    date = fields.String(metadata={"description": "The model's latest stored day used"})
    portfolio_value = Rounded(2)
    cumulative_return_pct = Rounded(4)
    daily_return_pct = Rounded(4)
    trades = fields.Integer(metadata={"description": "Buys and sells up to this day"})


class BenchmarkSchema(RowSchema):
    """Holding the market's benchmark (QQQ on NASDAQ-100) from the earliest registration day."""

    symbol = fields.String()
    start_date = fields.String(allow_none=True)
    cumulative_return_pct = Rounded(4)


class LeaderboardSchema(RowSchema):
    """Rankings and the benchmark (absent while no day is stored)."""

    date = fields.String(allow_none=True)
    rankings = fields.List(fields.Nested(RankingSchema))
    benchmark = fields.Nested(BenchmarkSchema)
