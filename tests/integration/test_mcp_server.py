"""The MCP server in-process: its app served by uvicorn in a thread, next to a worker thread
running the pull agent's job (tests/integration/test_pull_agents.py), driven by the MCP SDK's
client. The whole way through real processes is tests/e2e/test_mcp_server.py; here are the
refusals and the health answers."""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import TypeVar

import anyio
import httpx2
import pytest
import uvicorn
from flask import Flask
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent

from service.db import connect, init_db
from service.jobs.pull_desk import bearer_token
from service.mcp_server.__main__ import main, parse
from service.mcp_server.app import build_app, database_health, prepare
from service.settings import Settings
from tests.e2e.processes import free_port
from tests.integration import test_pull_agents
from tests.integration.conftest import ModelsFile, payload
from tests.integration.test_pull_agents import take, worker

pytestmark = pytest.mark.integration
Answer = TypeVar("Answer")
pull_app = test_pull_agents.pull_app  # the fixture: the pull agent's models config and app


@pytest.fixture
def mcp_url(pull_app: Flask) -> Iterator[str]:
    """The MCP endpoint of a server on the pull app's settings, in a thread."""
    settings = pull_app.config["SETTINGS"]
    port = free_port()
    app = build_app(settings, prepare(settings), "127.0.0.1")
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def connected(url: str, token: str | None, run: Callable[[Client], Awaitable[Answer]]) -> Answer:
    """run's answer with the SDK's client connected, the token (if any) on every request."""

    async def main() -> Answer:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
            async with Client(streamable_http_client(url, http_client=http)) as client:
                return await run(client)

    return anyio.run(main)


def text(result: CallToolResult) -> str:
    """The text of a tool's answer: its JSON, or an error's message."""
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


def error(result: CallToolResult) -> str:
    """The message of a tool's error answer."""
    assert result.is_error
    return text(result)


def test_a_refused_order_changes_nothing_and_the_step_keeps_the_rest(
    pull_app: Flask, mcp_url: str
) -> None:
    client = pull_app.test_client()
    with worker(pull_app, end_date="2025-10-02") as job_id:
        session = take(client)

        async def agent(mcp: Client) -> list[CallToolResult]:
            return [
                await mcp.call_tool("buy", {"symbol": "AAPL", "amount": 2}),
                await mcp.call_tool("sell", {"symbol": "MSFT", "amount": 5}),
                await mcp.call_tool("buy", {"symbol": "AAPL", "amount": -1}),
                await mcp.call_tool("get_price_local", {"symbol": "NOPE"}),
                await mcp.call_tool("search_news", {"query": "AAPL"}),
                await mcp.call_tool("get_observation", {}),
                await mcp.call_tool("finish", {}),
            ]

        calls = connected(mcp_url, session["token"], agent)
        bought, refused, negative, unknown, news, observed, finished = calls
    assert not bought.is_error and not finished.is_error
    assert error(refused).startswith("Error executing tool sell: refused (400): order 0 (sell 5")
    assert error(refused).endswith("; no order was placed")
    assert "amount" in error(negative)  # pydantic's check of the argument, before the desk
    assert error(unknown).startswith("Error executing tool get_price_local: refused (400): ")
    assert not news.is_error
    assert observed.structured_content is not None
    assert observed.structured_content["orders"] == [
        {"action": "buy", "symbol": "AAPL", "amount": 2}
    ]
    assert payload(client.get(f"/simulate/status/{job_id}"))["status"] == "completed"
    days = {row["date"]: row for row in payload(client.get("/results?model=pull-agent"))}
    assert days["2025-10-02"]["holdings"] == {**days["2025-10-02"]["holdings"], "AAPL": 2}


def test_a_session_past_its_time_is_expired(
    pull_app: Flask, models_file: ModelsFile, mcp_url: str
) -> None:
    models_file.update_agent(timeout=1)
    client = pull_app.test_client()
    with worker(pull_app, end_date="2025-10-02") as job_id:
        session = take(client)
        time.sleep(1.1)

        async def late(mcp: Client) -> CallToolResult:
            return await mcp.call_tool("get_portfolio", {})

        message = error(connected(mcp_url, session["token"], late))
    assert message.startswith("Error executing tool get_portfolio: expired (410): session ")
    assert payload(client.get(f"/simulate/status/{job_id}"))["progress"]["failed"] == 1


def test_health_answers_beside_the_endpoint(mcp_url: str) -> None:
    answer = httpx2.get(mcp_url.removesuffix("/mcp") + "/health")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok", "schema_version": 5})


def test_health_names_a_database_it_cannot_use(tmp_path: Path) -> None:
    path = tmp_path / "trader.db"
    assert database_health(Settings(database_path=str(tmp_path)))[0] == 503
    connect(path).close()
    code, body = database_health(Settings(database_path=str(path)))
    assert (code, body["error"]) == (503, "the database is at schema version 0, not 5")
    with closing(connect(path)) as conn:
        init_db(conn)
    assert database_health(Settings(database_path=str(path))) == (
        200,
        {"status": "ok", "schema_version": 5},
    )


def test_tokens_come_from_a_bearer_header_only() -> None:
    assert bearer_token("Bearer abc ") == "abc"
    assert bearer_token("bearer abc") == "abc"
    assert bearer_token("Basic abc") is None
    assert bearer_token("Bearer ") is None
    assert bearer_token(None) is None


def test_the_options_default_to_the_environment_then_loopback() -> None:
    assert vars(parse([], {})) == {"host": "127.0.0.1", "port": 8090}
    given = parse([], {"MCP_HOST": "0.0.0.0", "MCP_PORT": "9000"})
    assert (given.host, given.port) == ("0.0.0.0", 9000)
    assert parse(["--port", "1"], {"MCP_PORT": "9000"}).port == 1


def test_a_server_on_prices_it_cannot_read_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRICE_DATA", str(tmp_path / "none.jsonl"))
    assert main([]) == 1
    message = capsys.readouterr().err
    assert message.startswith("mcp_server: ") and "none.jsonl" in message
