"""Markets resource: the markets the service runs, their rules, data and benchmark."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from service.market.directory import MarketSource
from service.market.prices import load_prices
from service.resources.blueprint import Blueprint
from service.resources.context import markets, models_config
from service.resources.errors import fail
from service.resources.markets.schemas import MarketSchema

blp = Blueprint("markets", __name__, url_prefix="/markets", description="Markets and their rules")


def _rules(source: MarketSource) -> dict[str, Any]:
    rules = source.rules
    return {
        **rules.to_dict(),
        "quantity_step": rules.step,
        "odd_lot_sales": rules.step != 1 or rules.quantity_decimals > 0,
        "periods_per_year": rules.periods_per_year,
        "fill": "open",
        "valuation": "close",
    }


def describe(source: MarketSource) -> dict[str, Any]:
    """A market as GET /markets shows it."""
    name = source.rules.name
    enabled = [m.signature for m in models_config().models if m.enabled and m.market == name]
    benchmark = load_prices(source.benchmark_file).summary() if source.benchmark_file else None
    return {
        "name": name,
        "rules": _rules(source),
        "data": load_prices(source.price_file).summary(),
        "benchmark_data": benchmark,
        "models": enabled,
    }


@blp.route("")
class MarketsView(MethodView):
    """Markets."""

    @blp.cached
    @blp.response(200, MarketSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Every market: rules (currency, cash, quantities, settlement, calendar), data range,
        benchmark and the enabled models on it."""
        return [describe(source) for source in markets()]


@blp.route("/<string:market>")
class MarketView(MethodView):
    """One market."""

    @blp.cached
    @blp.response(200, MarketSchema)
    @blp.alt_response(404, description="No such market")
    def get(self, market: str) -> dict[str, Any]:
        """One market's rules, data range, benchmark and enabled models."""
        if market not in markets():
            fail(404, f"unknown market {market!r}; known: {', '.join(markets().names)}")
        return describe(markets().source(market))
