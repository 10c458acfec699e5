"""The MCP server's HTTP side: /mcp (stateless Streamable HTTP, JSON answers), /health and an
access log that names paths only, so that no token or query string reaches the log."""

from __future__ import annotations

import logging
import sqlite3
import time
from contextlib import closing
from typing import Any

import uvicorn
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.db import SCHEMA_VERSION, connect, init_db, schema_version
from service.market.directory import Markets, markets_from
from service.mcp_server.tools import build_server
from service.settings import Settings

MCP_PATH = "/mcp"
log = logging.getLogger(__name__)


def prepare(settings: Settings) -> Markets:
    """The markets with their prices loaded, and the database at the current schema: a server
    on unusable data refuses to start rather than fail its agents' calls."""
    markets = markets_from(settings)
    for source in markets:
        source.prices()
    with closing(connect(settings.database_path)) as conn:
        init_db(conn)
    return markets


def database_health(settings: Settings) -> tuple[int, dict[str, Any]]:
    """200 and the schema version when the database can be read; 503 and why otherwise."""
    try:
        with closing(connect(settings.database_path)) as conn:
            version = schema_version(conn)
    except sqlite3.Error as error:
        return 503, {"status": "unavailable", "error": str(error)}
    if version != SCHEMA_VERSION:
        why = f"the database is at schema version {version}, not {SCHEMA_VERSION}"
        return 503, {"status": "unavailable", "error": why}
    return 200, {"status": "ok", "schema_version": version}


class AccessLog:
    """One line per HTTP request: method, path (never the query), status and milliseconds."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and log its answer's status."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ms = (time.perf_counter() - started) * 1000
            fields = {"method": scope["method"], "path": scope["path"], "status": status}
            log.info("%s %s %d %.1f ms", *fields.values(), ms, extra={**fields, "ms": ms})


def build_app(settings: Settings, markets: Markets, host: str) -> ASGIApp:
    """The server's ASGI app. On a loopback host the SDK refuses requests whose Host or Origin
    is not loopback (DNS rebinding); on 0.0.0.0 it takes any, as a proxy would send."""
    server = build_server(settings, markets)

    async def health(request: Request) -> Response:
        del request
        status, body = await run_in_threadpool(database_health, settings)
        return JSONResponse(body, status_code=status)

    server.custom_route("/health", methods=["GET"])(health)
    app = server.streamable_http_app(
        streamable_http_path=MCP_PATH, stateless_http=True, json_response=True, host=host
    )
    return AccessLog(app)


def serve(settings: Settings, markets: Markets, host: str, port: int) -> None:
    """Serve until stopped; uvicorn's own access log is off (it would print query strings)."""
    log.info("MCP server on http://%s:%d%s", host, port, MCP_PATH)
    app = build_app(settings, markets, host)
    uvicorn.run(app, host=host, port=port, log_config=None, log_level="info", access_log=False)
