"""Portfolio resource: how one model's portfolio moved, day by day, against its benchmark."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields

from service.resources.blueprint import Blueprint
from service.resources.context import get_db, market_rules, prices
from service.resources.errors import fail
from service.resources.schemas import (
    START_AFTER_END,
    RangeQueryArgsSchema,
    Rounded,
    RowSchema,
    iso_dates,
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


class TimeseriesSchema(RowSchema):
    """A model's series."""

    model = fields.String()
    series = fields.List(fields.Nested(PointSchema))


@blp.route("/timeseries")
class TimeseriesView(MethodView):
    """Equity curve."""

    @blp.cached
    @blp.arguments(RangeQueryArgsSchema(), location="query")
    @blp.response(200, TimeseriesSchema)
    @blp.alt_response(400, description=START_AFTER_END)
    @blp.alt_response(404, description="The model has no stored days")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """End-of-day value, cash and returns of a model, with the benchmark since registration."""
        query = iso_dates(args)
        model = str(query["model"])
        series = timeseries(
            get_db(),
            prices(),
            market_rules(),
            model,
            str(query.get("start_date", "0000-01-01")),
            str(query.get("end_date", "9999-12-31")),
        )
        if not series and "start_date" not in query and "end_date" not in query:
            fail(404, f"model {model!r} has no stored days")
        return {"model": model, "series": series}
