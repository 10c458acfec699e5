"""Schemas of the leaderboard resource."""

from __future__ import annotations

from marshmallow import fields

from service.resources.schemas import (
    Day,
    Market,
    QueryArgsSchema,
    Rounded,
    RowSchema,
    TimelineSpendingFields,
)
from service.resources.uncertainty import (
    AGGREGATE,
    ComparisonSchema,
    DeflatedSharpeSchema,
    GroupSchema,
    UncertaintyArgs,
    uncertainty_field,
)


class LeaderboardQueryArgsSchema(QueryArgsSchema, UncertaintyArgs):
    """GET /leaderboard arguments."""

    date = Day(
        metadata={"description": "Rank as of this day (default: the market's latest stored day)"}
    )
    market = Market(
        metadata={
            "description": "Rank the models of this market (default nasdaq100): models of two "
            "markets are never ranked together"
        }
    )
    aggregate = AGGREGATE


class RankingSchema(TimelineSpendingFields):
    """One model's place."""

    rank = fields.Integer()
    model = fields.String()
    date = fields.String(metadata={"description": "The model's latest stored day used"})
    portfolio_value = Rounded(2)
    cumulative_return_pct = Rounded(4)
    daily_return_pct = Rounded(4)
    trades = fields.Integer(metadata={"description": "Buys and sells up to this day"})
    uncertainty = uncertainty_field()


class BenchmarkSchema(RowSchema):
    """Holding the market's benchmark (QQQ on NASDAQ-100, 000016.SH on SSE-50, CD5 on
    Crypto-10) from its first close on or after the earliest registration day."""

    symbol = fields.String()
    start_date = fields.String(allow_none=True)
    cumulative_return_pct = Rounded(4)


class LeaderboardSchema(RowSchema):
    """Rankings and the benchmark (absent while no day is stored), in the market's currency."""

    market = fields.String()
    currency = fields.String(metadata={"description": "Of every value: USD, CNY, USDT"})
    date = fields.String(allow_none=True)
    rankings = fields.List(fields.Nested(RankingSchema))
    benchmark = fields.Nested(BenchmarkSchema)
    groups = fields.List(
        fields.Nested(GroupSchema), metadata={"description": "With aggregate=true"}
    )
    comparisons = fields.List(
        fields.Nested(ComparisonSchema), metadata={"description": "With aggregate=true"}
    )
    deflated_sharpe = fields.Nested(
        DeflatedSharpeSchema, metadata={"description": "With with=uncertainty"}
    )
