"""Portfolio resource: how one model's portfolio moved, day by day, against its benchmark."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields

from service.resources.blueprint import Blueprint
from service.resources.context import get_db, market
from service.resources.market_of import model_market
from service.resources.schemas import (
    START_AFTER_END,
    Market,
    RangeQueryArgsSchema,
    Rounded,
    RowSchema,
)
from service.results.performance import timeseries

blp = Blueprint("portfolio", __name__, url_prefix="/portfolio", description="Value over time")


class PointSchema(RowSchema):
    """One stored day."""

    date = fields.String()
    portfolio_value = Rounded(2)
    cash = Rounded(2)
    daily_return_pct = Rounded(4)
    cumulative_return_pct = Rounded(4)
    benchmark_return_pct = Rounded(4)


class TimeseriesQueryArgsSchema(RangeQueryArgsSchema):
    """GET /portfolio/timeseries arguments."""

    market = Market(
        metadata={
            "description": "The market the model trades on (default: its own); another "
            "market's model is not found"
        }
    )


class TimeseriesSchema(RowSchema):
    """A model's series, in its market's currency, against its market's benchmark."""

    model = fields.String()
    market = fields.String()
    currency = fields.String()
    benchmark = fields.String(metadata={"description": "The benchmark's symbol"})
    series = fields.List(fields.Nested(PointSchema))


@blp.route("/timeseries")
class TimeseriesView(MethodView):
    """Equity curve."""

    @blp.cached
    @blp.arguments(TimeseriesQueryArgsSchema(), location="query")
    @blp.response(200, TimeseriesSchema)
    @blp.alt_response(400, description=START_AFTER_END)
    @blp.alt_response(
        404, description="No range was asked and the model has no stored days (on the market asked)"
    )
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """End-of-day value, cash and returns of a model, with the benchmark since registration."""
        query = args
        model = str(query["model"])
        conn = get_db()
        ranged = "start_date" in query or "end_date" in query
        # A range asked of a model with no days there is an empty series, as for any range.
        name = model_market(conn, model, query.get("market"), found_or_404=not ranged)
        source = market(name)
        rules = source.rules
        series = timeseries(
            conn,
            source.prices(),
            rules,
            model,
            str(query.get("start_date", "0000-01-01")),
            str(query.get("end_date", "9999-12-31")),
        )
        return {
            "model": model,
            "market": rules.name,
            "currency": rules.currency,
            "benchmark": rules.benchmark,
            "series": series,
        }
