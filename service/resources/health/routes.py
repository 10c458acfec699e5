"""Health resource: is the database usable, is the queue there, what prices are loaded."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from service.resources.context import get_db, prices

blp = Blueprint("health", __name__, url_prefix="/health", description="Service health")


class HealthSchema(Schema):
    """What is up."""

    status = fields.String(metadata={"description": "ok or degraded"})
    database = fields.String()
    price_data = fields.Dict()


@blp.route("")
class HealthView(MethodView):
    """Health."""

    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="The database is unusable")
    def get(self) -> Any:
        """Database, price data range; 503 when the database cannot be used."""
        data = prices()
        answer: dict[str, Any] = {
            "status": "ok",
            "database": "ok",
            "price_data": {
                "source": data.source.rsplit("/", 1)[-1],
                "first_day": data.first_day,
                "last_day": data.last_day,
                "trading_days": len(data.trading_days),
                "symbols": len(data.symbols),
            },
        }
        try:
            get_db().execute("SELECT COUNT(*) FROM jobs").fetchone()
        except sqlite3.Error as error:
            answer.update(status="unavailable", database=f"error: {error}")
            return answer, 503
        return answer
