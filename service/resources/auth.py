"""API key authentication: write endpoints need the key when API_KEY is set (reads optionally)."""

from __future__ import annotations

import hmac

from flask import Flask, request
from flask_smorest import Api

from service.resources.context import settings
from service.resources.dashboard.access import page_cookie_key
from service.resources.errors import fail
from service.settings import Settings

READ_METHODS = {"GET", "HEAD", "OPTIONS"}
# The documentation and the health check stay open so that people and load balancers can use
# them; the dashboard is a read like any other (behind the key when API_READ_AUTH is on).
OPEN_PATHS = ("/docs", "/openapi.json", "/health")
SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "Authorization: Bearer <API_KEY>",
    },
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"apiKeyHeader": []}]


def presented_key() -> str | None:
    """The key a request carries: either header, or the dashboard's cookie on its own pages."""
    header = request.headers.get("Authorization")
    if header is not None:
        # A request is judged by the credential it presents there, whatever else it carries:
        # a wrong Authorization is not saved by a right X-API-Key.
        return header[7:].strip() if header[:7].lower() == "bearer " else ""
    return request.headers.get("X-API-Key") or page_cookie_key()


def carries_agent_token(path: str) -> bool:
    """Whether a path is a pull agent's, which presents its own token (service/resources/agents)
    rather than the API key."""
    return path.startswith("/agents/") and "/sessions" in path


def key_required(config: Settings, method: str, path: str) -> bool:
    """Whether a request needs the key: writes when API_KEY is set, reads too with API_READ_AUTH."""
    if not config.api_key or path.startswith(OPEN_PATHS) or carries_agent_token(path):
        return False
    return method not in READ_METHODS or config.api_read_auth


def _check_key() -> None:
    if not key_required(settings(), request.method, request.path):
        return
    expected = settings().api_key or ""
    given = presented_key()
    if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
        fail(401, "missing or wrong API key: send Authorization: Bearer <key> or X-API-Key")


def init_auth(app: Flask, api: Api) -> None:
    """Check keys before every request; document the schemes when a key is set."""
    config: Settings = app.config["SETTINGS"]
    if config.api_key:
        for name, scheme in SECURITY_SCHEMES.items():
            api.spec.components.security_scheme(name, scheme)
    app.before_request(_check_key)
