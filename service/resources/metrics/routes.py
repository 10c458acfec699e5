"""Metrics resource: risk and return of each model over a range."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from marshmallow import fields

from service.market.catalog import DEFAULT_MARKET
from service.market.directory import MarketSource
from service.portfolio.positions import stored_models
from service.resources.blueprint import Blueprint
from service.resources.context import get_db, market, models_config, settings
from service.resources.errors import fail
from service.resources.market_of import model_market
from service.resources.schemas import (
    START_AFTER_END,
    DateRangeQueryArgsSchema,
    Market,
    Rounded,
    RowSchema,
    Signature,
    TimelineSpendingFields,
)
from service.resources.uncertainty import (
    AGGREGATE,
    GroupSchema,
    UncertaintyArgs,
    bootstrap_options,
    summary_field,
    uncertainty_field,
)
from service.results.aggregate import RunResult, aggregate_runs, runs_of
from service.results.contamination import cutoffs
from service.results.performance import model_metrics
from service.results.uncertainty import BootstrapOptions
from service.run_names import parse_run

blp = Blueprint("metrics", __name__, url_prefix="/metrics", description="Risk and return")


class MetricsQueryArgsSchema(DateRangeQueryArgsSchema, UncertaintyArgs):
    """GET /metrics arguments."""

    model = Signature(
        metadata={"description": "One model (default: every stored model of the market)"}
    )
    market = Market(
        metadata={
            "description": "The models of this market (default: the model's, or nasdaq100); "
            "a model of another market is not found"
        }
    )
    aggregate = AGGREGATE


class DailyMetricsSchema(RowSchema):
    """An intraday market's metrics from each day's last bar, annualised with its trading days
    per year (as a daily market's are)."""

    trading_days = fields.Integer()
    annualized_return_pct = Rounded(4)
    volatility_pct = Rounded(4)
    sharpe = Rounded(4)
    sortino = Rounded(4)
    max_drawdown_pct = Rounded(4)
    win_rate_pct = Rounded(2)


class MetricsSchema(TimelineSpendingFields):
    """Metrics of one model; formulas in the README. null where a value is undefined."""

    # Required in the answer, so that a client tells a model's metrics from a group's.
    model = fields.String(required=True)
    market = fields.String()
    currency = fields.String(metadata={"description": "Of the turnover and costs' returns"})
    start_date = fields.String(required=True)
    end_date = fields.String(required=True)
    trading_days = fields.Integer(required=True)
    total_return_pct = Rounded(4)
    annualized_return_pct = Rounded(4)
    volatility_pct = Rounded(4)
    sharpe = Rounded(4)
    sortino = Rounded(4)
    max_drawdown_pct = Rounded(4)
    calmar = Rounded(4)
    win_rate_pct = Rounded(2)
    trades = fields.Integer()
    turnover = Rounded(4)
    benchmark_return_pct = Rounded(4)
    equal_weight_return_pct = Rounded(4)
    excess_return_pct = Rounded(4)
    contaminated = fields.Boolean()
    daily = fields.Nested(
        DailyMetricsSchema,
        allow_none=True,
        metadata={
            "description": "On an intraday market (null on a daily one): the same risk metrics "
            "from each day's last bar; the fields above are per bar (trading_days counts bars) "
            "and annualised with bars per year"
        },
    )
    uncertainty = uncertainty_field()


class MetricsGroupSchema(GroupSchema):
    """The metrics of the repeats and windows of one base model, each over the runs."""

    annualized_return_pct = summary_field("Annualised return of the runs")
    volatility_pct = summary_field("Volatility of the runs")
    sharpe = summary_field("Sharpe ratio of the runs")
    sortino = summary_field("Sortino ratio of the runs")
    max_drawdown_pct = summary_field("Maximum drawdown of the runs")
    win_rate_pct = summary_field("Win rate of the runs")
    trades = summary_field("Trades of the runs")


AGGREGATED = (
    "total_return_pct",
    "excess_return_pct",
    "annualized_return_pct",
    "volatility_pct",
    "sharpe",
    "sortino",
    "max_drawdown_pct",
    "win_rate_pct",
    "trades",
)
ONE_METRICS = MetricsSchema()
MANY_METRICS = MetricsSchema(many=True)
GROUPS = MetricsGroupSchema(many=True)
METRICS_REF = {"$ref": "#/components/schemas/Metrics"}
ONE_OR_LIST = {
    "description": "With model: that model's metrics. Without: a list, one per stored model. "
    "With aggregate=true: a list of groups, one per base model (only the model's with model).",
    "content": {
        "application/json": {
            # anyOf: an empty list is a list of metrics and a list of groups alike.
            "schema": {
                "anyOf": [
                    METRICS_REF,
                    {"type": "array", "items": METRICS_REF},
                    {"type": "array", "items": {"$ref": "#/components/schemas/MetricsGroup"}},
                ]
            }
        }
    },
}


@blp.route("")
class MetricsView(MethodView):
    """Metrics."""

    @blp.cached
    @blp.arguments(MetricsQueryArgsSchema(), location="query")
    @blp.doc(responses={"200": ONE_OR_LIST})
    @blp.alt_response(400, description=START_AFTER_END)
    @blp.alt_response(404, description="The model has no stored days in this range or market")
    def get(self, args: dict[str, Any]) -> Response:
        """Return, volatility, Sharpe, Sortino, drawdown, Calmar, win rate, turnover, excess."""
        query = args
        start = str(query.get("start_date", "0000-01-01"))
        end = str(query.get("end_date", "9999-12-31"))
        conn = get_db()
        if "model" in query and query.get("aggregate"):
            models = runs_of(conn, str(query["model"]))
            first = models[0] if models else str(query["model"])
            name = model_market(conn, first, query.get("market"))
        elif "model" in query:
            name = model_market(conn, str(query["model"]), query.get("market"))
            models = [str(query["model"])]
        else:
            name = str(query.get("market", DEFAULT_MARKET))
            models = stored_models(conn, name)
        source = market(name)
        found = _metrics_of(models, source, start, end, bootstrap_options(query))
        if query.get("aggregate"):
            return jsonify(GROUPS.dump(aggregate_runs(_runs(found), source.rules.benchmark)))
        if "model" not in query:
            return jsonify(MANY_METRICS.dump(found))
        if not found:
            fail(404, f"model {query['model']!r} has no stored days in this range")
        return jsonify(ONE_METRICS.dump(found[0]))


def _metrics_of(
    models: list[str],
    source: MarketSource,
    start: str,
    end: str,
    bootstrap: BootstrapOptions | None,
) -> list[dict[str, Any]]:
    """The metrics of each model with stored days in range, in the market's currency."""
    conn, prices, rules = get_db(), source.prices(), source.rules
    cutoff_by_model = cutoffs(models_config())
    found = []
    for model in models:
        metrics = model_metrics(
            conn, prices, rules, model, start, end, settings().risk_free_rate, bootstrap
        )
        if metrics:
            metrics.update(market=rules.name, currency=rules.currency)
            cutoff = cutoff_by_model.get(parse_run(model).base)
            metrics["contaminated"] = cutoff is not None and metrics["start_date"] <= cutoff
            found.append(metrics)
    return found


def _runs(found: list[dict[str, Any]]) -> list[RunResult]:
    return [
        RunResult(metrics["model"], {name: metrics[name] for name in AGGREGATED})
        for metrics in found
    ]
