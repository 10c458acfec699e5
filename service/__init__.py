"""AI-Trader Service: trading competitions between AI models, served over a REST API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from service.settings import Settings, from_environment


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app; settings come from the environment, overridden by test_config.

    The one place the web process reads its environment: everything below is handed the
    settings (or the queue built from them).
    """
    from service.logs import configure_logging
    from service.resources import register_api
    from service.resources.context import init_context
    from service.resources.json_provider import OrjsonProvider
    from service.resources.response_cache import init_response_cache
    from tasks import build_queue

    settings: Settings = from_environment().with_overrides(test_config or {})
    configure_logging(settings.log_format)
    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    app.config["SETTINGS"] = settings
    app.extensions["job_queue"] = build_queue(settings)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    init_context(app, settings)
    files = settings.input_files() + app.extensions["markets"].input_files()
    init_response_cache(app, settings.response_cache_mb * 1024 * 1024, files)
    register_api(app)
    return app
