"""HTTP resources: one package per resource, registered on a flask-smorest Api."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from flask import Flask, current_app, request, send_from_directory
from flask.typing import ResponseReturnValue
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from swagger_ui_bundle import swagger_ui_path
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from service.market.prices import PriceDataError
from service.models_config import ModelsConfigError
from service.resources.auth import init_auth
from service.resources.documentation import PAGINATION_HEADER, ServiceMarshmallowPlugin

API_DESCRIPTION = (
    "Trading competitions between AI models on real market data: NASDAQ-100, SSE-50 A-shares"
    " and ten cryptocurrencies, each under its own rules (GET /markets). Trigger a job, follow"
    " its progress, then read results, each market's leaderboard and risk metrics. Agents of"
    " your own take part as webhooks or, polling /agents for their steps, as pull agents (their"
    " own tokens: the Authorize button's agentToken and sessionToken)."
)
DOCS_ASSETS = "/docs/assets/"
# A body over the limit is read (and dropped) up to this size before the 413 is sent: closing
# a socket with unread data resets the connection, and the client never sees the answer.
DRAIN_LIMIT = 32 * 1024 * 1024
log = logging.getLogger(__name__)


def _api_settings() -> dict[str, Any]:
    return {
        "API_TITLE": "AI-Trader Service",
        "API_VERSION": "1.0.0",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": DOCS_ASSETS,
        "API_SPEC_OPTIONS": {"info": {"description": API_DESCRIPTION}},
    }


def _summary(messages: Any, path: str = "") -> list[str]:
    """Validation messages flattened to 'field: message' lines."""
    if isinstance(messages, dict):
        return [
            line
            for key, value in messages.items()
            for line in _summary(value, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(messages, list) and all(isinstance(item, str) for item in messages):
        text = " ".join(messages)
        return [f"{path}: {text}" if path else text]
    return [f"{path}: {messages}"]


def _drain_body() -> None:
    """Read what is left of the request's body, up to DRAIN_LIMIT, and drop it."""
    stream = request.environ.get("wsgi.input")
    left = DRAIN_LIMIT
    while stream is not None and left > 0 and (chunk := stream.read(min(left, 65536))):
        left -= len(chunk)


class ServiceApi(Api):  # type: ignore[misc]
    """An Api whose every error body carries a human-readable message."""

    def handle_http_exception(self, error: HTTPException) -> Any:
        """Add a message naming the fields to validation errors, a description to others.

        The exception's own headers (Allow on a 405) are kept; a 413 closes the connection
        once the body is read.
        """
        data = getattr(error, "data", None)
        if data is None:
            data = error.data = {}  # type: ignore[attr-defined]
        if "message" not in data:
            messages = data.get("errors") or data.get("messages")
            if messages:
                locations = messages.values() if isinstance(messages, dict) else [messages]
                data["message"] = "; ".join(line for loc in locations for line in _summary(loc))
            else:
                data["message"] = error.description
        payload, code, headers = super().handle_http_exception(error)
        extra = {name: value for name, value in error.get_headers() if name != "Content-Type"}
        if isinstance(error, RequestEntityTooLarge):
            _drain_body()
            extra["Connection"] = "close"
        return payload, code, {**extra, **(headers or {})}

    def _register_pagination_header(self) -> None:
        """X-Pagination is JSON text, not a header of comma-separated fields."""
        self.spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)
        self.spec.components.header("PAGINATION", PAGINATION_HEADER, lazy=True)


def _docs_asset(filename: str) -> ResponseReturnValue:
    """Swagger UI's files come from the installed package, never from a CDN."""
    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)


def _unavailable(message: str) -> ResponseReturnValue:
    return {"code": 503, "status": "Service Unavailable", "message": message}, 503


def _database_error(error: sqlite3.OperationalError) -> ResponseReturnValue:
    """A full disk, a read-only file or a lock held too long: nothing was written."""
    log.error("database error: %s", error)
    return _unavailable(f"the database cannot be used right now ({error}); nothing was changed")


def _config_error(error: ModelsConfigError) -> ResponseReturnValue:
    return _unavailable(f"the models config cannot be used: {error}")


def _prices_error(error: PriceDataError) -> ResponseReturnValue:
    """The price file was replaced by one that does not load; the last good one is not used."""
    return _unavailable(f"the price data cannot be used: {error}")


def _refuse_large_bodies() -> None:
    """413 for a body over the limit on every endpoint, not only those that read one."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    size = request.content_length
    if size is not None and size > limit:
        raise RequestEntityTooLarge(f"the body ({size} bytes) exceeds the limit of {limit} bytes")


def register_api(app: Flask) -> None:
    """Create the Api and register every resource's blueprint."""
    from service.resources.agents.routes import SECURITY_SCHEMES as AGENT_SECURITY
    from service.resources.agents.routes import blp as agents
    from service.resources.dashboard.routes import blp as dashboard
    from service.resources.health.routes import blp as health
    from service.resources.jobs.routes import blp as jobs
    from service.resources.leaderboard.routes import blp as leaderboard
    from service.resources.markets.routes import blp as markets
    from service.resources.metrics.routes import MetricsGroupSchema, MetricsSchema
    from service.resources.metrics.routes import blp as metrics
    from service.resources.models.routes import blp as models
    from service.resources.portfolio.routes import blp as portfolio
    from service.resources.results.routes import blp as results
    from service.resources.simulate.routes import blp as simulate

    app.config.update(_api_settings())
    api = ServiceApi(app, spec_kwargs={"marshmallow_plugin": ServiceMarshmallowPlugin()})
    api.spec.components.schema("Metrics", schema=MetricsSchema)
    api.spec.components.schema("MetricsGroup", schema=MetricsGroupSchema)
    for name, scheme in AGENT_SECURITY.items():
        api.spec.components.security_scheme(name, scheme)
    resources = (
        simulate,
        jobs,
        results,
        portfolio,
        leaderboard,
        metrics,
        models,
        markets,
        agents,
        health,
    )
    for blueprint in resources:
        api.register_blueprint(blueprint)
    app.register_blueprint(dashboard)
    app.add_url_rule(f"{DOCS_ASSETS}<path:filename>", "docs_asset", _docs_asset)
    app.before_request(_refuse_large_bodies)
    app.register_error_handler(sqlite3.OperationalError, _database_error)
    app.register_error_handler(ModelsConfigError, _config_error)
    app.register_error_handler(PriceDataError, _prices_error)
    init_auth(app, api)
