"""Health resource: can the database, price data and models config be used; is a worker up."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from flask.views import MethodView

from service.jobs.queueing import HEARTBEAT_SECONDS
from service.market.catalog import DEFAULT_MARKET
from service.market.prices import PriceDataError
from service.models_config import ModelsConfigError
from service.resources.blueprint import Blueprint
from service.resources.context import get_db, job_queue, markets, models_config
from service.resources.health.schemas import HealthSchema, HealthStatus

blp = Blueprint("health", __name__, url_prefix="/health", description="Service health")
# A consumer that has not beaten for this long is taken for gone.
STALE_AFTER_SECONDS = 3 * HEARTBEAT_SECONDS
NO_WORKER_HINT = (
    "jobs are waiting but no worker is consuming the queue: start one with bin/run, "
    "`honcho start worker`, or `huey_consumer tasks.consumer.huey -k thread -w 8`"
)
WAITING_SQL = "SELECT COUNT(*) FROM jobs WHERE status IN ('pending', 'running')"


def market_summaries() -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Each market's price data (file name, range) or why it cannot be used, and a hint for
    each unusable one."""
    found: dict[str, dict[str, Any]] = {}
    hints = []
    for source in markets():
        name = source.rules.name
        try:
            found[name] = source.prices().summary()
        except PriceDataError as error:
            found[name] = {"error": str(error)}
            hints.append(f"the {name} price data cannot be used: {error}")
    return found, hints


def config_summary() -> dict[str, Any]:
    """How many models the config has, and how many of them are enabled."""
    models = models_config().models
    return {"models": len(models), "enabled": sum(model.enabled for model in models)}


def queue_summary(waiting_jobs: int) -> dict[str, Any]:
    """Whether a worker has been seen lately, and how many jobs wait."""
    queue = job_queue()
    if queue.immediate:
        return {"mode": "immediate", "worker_alive": True, "waiting_jobs": waiting_jobs}
    beat = queue.last_heartbeat()
    age = time.time() - beat if beat is not None else None
    return {
        "mode": "consumer",
        "worker_alive": age is not None and age < STALE_AFTER_SECONDS,
        "last_heartbeat_seconds_ago": round(age, 1) if age is not None else None,
        "waiting_jobs": waiting_jobs,
    }


def file_checks(answer: dict[str, Any]) -> list[str]:
    """Summaries of the price data and the models config in answer; a hint for each unusable."""
    summaries, hints = market_summaries()
    answer["markets"] = summaries
    answer["price_data"] = summaries[DEFAULT_MARKET]
    try:
        answer["models_config"] = config_summary()
    except ModelsConfigError as error:
        answer["models_config"] = {"error": str(error)}
        hints.append(f"the models config cannot be used: {error}")
    return hints


@blp.route("")
class HealthView(MethodView):
    """Health."""

    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="The database is unusable")
    def get(self) -> Any:
        """Database, worker, price data and models config; 503 when the database is unusable."""
        answer: dict[str, Any] = {"status": HealthStatus.OK, "database": "ok", "hint": None}
        hints = file_checks(answer)
        try:
            waiting = get_db().execute(WAITING_SQL).fetchone()[0]
        except sqlite3.Error as error:
            answer.update(status=HealthStatus.UNAVAILABLE, database=f"error: {error}", queue={})
            return answer, 503
        answer["queue"] = queue_summary(waiting)
        if waiting and not answer["queue"]["worker_alive"]:
            hints.append(NO_WORKER_HINT)
        if hints:
            answer.update(status=HealthStatus.DEGRADED, hint="; ".join(hints))
        return answer
