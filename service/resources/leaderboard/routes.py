"""Leaderboard resource: who is winning."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from service.market.catalog import DEFAULT_MARKET
from service.portfolio.positions import latest_date
from service.resources.blueprint import Blueprint
from service.resources.context import get_db, market, settings
from service.resources.leaderboard.schemas import LeaderboardQueryArgsSchema, LeaderboardSchema
from service.resources.uncertainty import bootstrap_options
from service.results.leaderboard import LeaderboardOptions, leaderboard

blp = Blueprint("leaderboard", __name__, url_prefix="/leaderboard", description="Rankings")


@blp.route("")
class LeaderboardView(MethodView):
    """Rankings."""

    @blp.cached
    @blp.arguments(LeaderboardQueryArgsSchema(), location="query")
    @blp.response(200, LeaderboardSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """A market's models ranked by portfolio value on a day, with its benchmark."""
        conn = get_db()
        source = market(args.get("market", DEFAULT_MARKET))
        name = source.rules.name
        day = args["date"] if "date" in args else latest_date(conn, name)
        if day is None:  # nothing stored yet: no day, so no benchmark either
            empty = {"market": name, "currency": source.rules.currency, "date": None}
            groups: dict[str, list[Any]] = (
                {"groups": [], "comparisons": []} if args.get("aggregate") else {}
            )
            return {**empty, "rankings": [], **groups}
        options = LeaderboardOptions(
            uncertainty=bootstrap_options(args),
            aggregate=bool(args.get("aggregate")),
            risk_free_rate=settings().risk_free_rate,
        )
        return leaderboard(conn, source.prices(), source.rules, day, options)
