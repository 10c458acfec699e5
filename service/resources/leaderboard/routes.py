"""Leaderboard resource: who is winning."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from service.market.catalog import DEFAULT_MARKET
from service.portfolio.positions import latest_date
from service.resources.blueprint import Blueprint
from service.resources.context import get_db, market
from service.resources.leaderboard.schemas import LeaderboardQueryArgsSchema, LeaderboardSchema
from service.results.leaderboard import leaderboard

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
            return {"market": name, "currency": source.rules.currency, "date": None, "rankings": []}
        return leaderboard(conn, source.prices(), source.rules, day)
