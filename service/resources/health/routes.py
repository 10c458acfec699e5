"""Health resource: is the database usable, is a worker consuming, what prices are loaded."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from flask.views import MethodView
from marshmallow import fields

from service.resources.blueprint import Blueprint, NoQueryArgsSchema
from service.resources.context import get_db, prices
from service.resources.schemas import RowSchema
from tasks import huey
from tasks.heartbeat import INTERVAL_SECONDS, last_beat

blp = Blueprint("health", __name__, url_prefix="/health", description="Service health")
# A consumer that has not beaten for this long is taken for gone.
STALE_AFTER_SECONDS = 3 * INTERVAL_SECONDS
NO_WORKER_HINT = (
    "jobs are waiting but no worker is consuming the queue: start one with bin/run, "
    "`honcho start worker`, or `huey_consumer tasks.huey -k thread -w 8`"
)


class HealthSchema(RowSchema):
    """What is up."""

    status = fields.String(metadata={"description": "ok, degraded (no worker) or unavailable"})
    database = fields.String()
    queue = fields.Dict(metadata={"description": "worker heartbeat and waiting jobs"})
    price_data = fields.Dict()
    hint = fields.String(allow_none=True)


def price_summary() -> dict[str, Any]:
    """The loaded price data's file name and range."""
    data = prices()
    return {
        "source": data.source.rsplit("/", 1)[-1],
        "first_day": data.first_day,
        "last_day": data.last_day,
        "trading_days": len(data.trading_days),
        "symbols": len(data.symbols),
    }


def queue_summary(waiting_jobs: int) -> dict[str, Any]:
    """Whether a worker has been seen lately, and how many jobs wait."""
    if huey.immediate:
        return {"mode": "immediate", "worker_alive": True, "waiting_jobs": waiting_jobs}
    beat = last_beat()
    age = time.time() - beat if beat is not None else None
    return {
        "mode": "consumer",
        "worker_alive": age is not None and age < STALE_AFTER_SECONDS,
        "last_heartbeat_seconds_ago": round(age, 1) if age is not None else None,
        "waiting_jobs": waiting_jobs,
    }


@blp.route("")
class HealthView(MethodView):
    """Health."""

    @blp.arguments(NoQueryArgsSchema(), location="query")
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="The database is unusable")
    def get(self, _query: dict[str, Any]) -> Any:
        """Database, worker heartbeat and price data; 503 when the database cannot be used."""
        answer: dict[str, Any] = {"status": "ok", "database": "ok", "hint": None}
        answer["price_data"] = price_summary()
        try:
            waiting = (
                get_db()
                .execute("SELECT COUNT(*) FROM jobs WHERE status IN ('pending', 'running')")
                .fetchone()[0]
            )
        except sqlite3.Error as error:
            answer.update(status="unavailable", database=f"error: {error}", queue={})
            return answer, 503
        answer["queue"] = queue_summary(waiting)
        if waiting and not answer["queue"]["worker_alive"]:
            answer.update(status="degraded", hint=NO_WORKER_HINT)
        return answer
