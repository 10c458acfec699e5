"""`python -m service.mcp_server [--host H] [--port P]`: the MCP server for pull agents.

The one place this process reads its environment: the settings as the web process reads them,
and MCP_HOST (else 127.0.0.1) and MCP_PORT (else 8090) as the defaults of the options. Loopback
unless told otherwise, as bin/run: the Procfile and docker-compose.yml listen on every interface.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Mapping

from service.logs import OUR_LOGGERS, configure_logging
from service.market.directory import MarketsConfigError
from service.market.prices import PriceDataError
from service.mcp_server.app import prepare, serve
from service.settings import SettingsError, from_environment


def parse(argv: list[str] | None, environ: Mapping[str, str]) -> argparse.Namespace:
    """The command line, with its defaults from the environment."""
    parser = argparse.ArgumentParser(
        prog="python -m service.mcp_server", description="The MCP server for pull agents."
    )
    host = environ.get("MCP_HOST") or "127.0.0.1"
    parser.add_argument("--host", default=host, help=f"interface to listen on (default {host})")
    port = environ.get("MCP_PORT") or "8090"
    parser.add_argument("--port", type=int, default=port, help=f"port (default {port})")
    return parser.parse_args(argv)


def configure_process_logging(log_format: str) -> None:
    """Every record through our loggers' handler (text or JSON): ours at INFO, uvicorn's and
    the SDK's at WARNING (the SDK logs each refused tool call at INFO). Done before the server
    is built, so that the SDK's own logging.basicConfig finds the root logger set and leaves
    it; our loggers stop propagating to it, which would print their records twice."""
    configure_logging(log_format)
    ours = [logging.getLogger(name) for name in OUR_LOGGERS]
    for logger in ours:
        logger.propagate = False
    logging.basicConfig(level=logging.WARNING, handlers=ours[0].handlers)


def main(argv: list[str] | None = None) -> int:
    """Serve until stopped; a one-line reason and exit 1 when the data cannot be used."""
    args = parse(argv, os.environ)
    try:
        settings = from_environment(os.environ)
        markets = prepare(settings)
    except (PriceDataError, MarketsConfigError, SettingsError, OSError, sqlite3.Error) as error:
        print(f"mcp_server: {error}", file=sys.stderr)
        return 1
    configure_process_logging(settings.log_format)
    serve(settings, markets, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
