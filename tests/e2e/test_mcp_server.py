"""End to end: a pull agent's model-step through the MCP server, driven by the MCP SDK's own
client. gunicorn, a huey_consumer and the MCP server (as the Procfile starts it) share one
database; the test takes the session over REST with the model's token, then reads, trades and
finishes over MCP with the session's token."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import CallToolResult

from tests.e2e.processes import (
    BIN,
    free_port,
    procfile_line,
    request,
    running_service,
    start,
    stop,
    wait_for_job,
    wait_until_up,
)
from tests.integration.conftest import ModelsFile
from tests.integration.test_mcp_server import connected, text

pytestmark = pytest.mark.e2e
SIGNATURE = "mcp-agent"
TOKEN = "mcp-agent-token-e2e-0123456789"
AGENT = {
    "signature": SIGNATURE,
    "name": "MCP agent",
    "provider": "external",
    "agent_secret_env": "MCP_AGENT_TOKEN",
    "enabled": True,
}
TOOLS = {
    "get_observation",
    "get_price_local",
    "get_portfolio",
    "search_news",
    "buy",
    "sell",
    "finish",
}
REFUSED = "Error executing tool get_portfolio:"  # the SDK's words before the tool's error


@dataclass(frozen=True)
class Stack:
    """The running service and MCP server on one database."""

    base: str  # the REST API
    mcp: str  # the MCP endpoint
    log: Path  # the MCP server's output


def mcp_server(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """The MCP server as the Procfile starts it, on loopback."""
    path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    return start(["bash", "-c", "exec " + procfile_line("mcp")], {**env, "PATH": path}, log)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """gunicorn, one consumer and the MCP server; the models config has the pull agent."""
    folder = tmp_path_factory.mktemp("mcp")
    models = ModelsFile(folder / "models.json")
    data = models.read()
    data["models"].append(AGENT)
    data["agent_config"]["timeout"] = 30
    models.write(data)
    env = {
        "DATABASE_PATH": str(folder / "trader.db"),
        "CONFIG_PATH": str(models.path),
        "MCP_AGENT_TOKEN": TOKEN,
    }
    port, log = free_port(), folder / "mcp.log"
    # Started first, it comes up while gunicorn does (both create the database: either may).
    server = mcp_server({**env, "MCP_PORT": str(port)}, log)
    base = f"http://127.0.0.1:{port}"
    try:
        with running_service(folder, env) as service:
            wait_until_up(base, server)
            yield Stack(service.base, f"{base}/mcp", log)
    finally:
        stop(server)


def take(base: str, wait: float = 20) -> dict[str, Any]:
    """Poll for the agent's next session with the model's token, as an agent does."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        url = f"{base}/agents/{SIGNATURE}/sessions/next"
        status, body = request(url, headers={"Authorization": f"Bearer {TOKEN}"})
        if status == 200:
            return dict(body)
        assert status == 204, body
        time.sleep(0.05)
    raise AssertionError("no session was handed out")


def answer(result: CallToolResult) -> dict[str, Any]:
    """A tool's structured answer, which must not be an error."""
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    assert json.loads(text(result)) == result.structured_content
    return dict(result.structured_content)


async def portfolio(client: Client) -> CallToolResult:
    """get_portfolio's answer."""
    return await client.call_tool("get_portfolio", {})


def test_the_seven_tools_and_calls_without_a_session(stack: Stack) -> None:
    async def listed(client: Client) -> set[str]:
        return {tool.name for tool in (await client.list_tools()).tools}

    assert connected(stack.mcp, "not-a-session-token", listed) == TOOLS
    wrong = connected(stack.mcp, "not-a-session-token", portfolio)
    assert wrong.is_error
    assert text(wrong) == f"{REFUSED} not allowed (401): unknown session token"
    missing = connected(stack.mcp, None, portfolio)
    assert missing.is_error
    assert text(missing) == (
        f"{REFUSED} not allowed (401): no session token: send Authorization: Bearer <session token>"
    )
    assert request(stack.mcp.removesuffix("/mcp") + "/health") == (
        200,
        {"status": "ok", "schema_version": 5},
    )


def test_an_agent_trades_a_model_step_over_mcp(stack: Stack) -> None:
    body = {"start_date": "2025-10-01", "end_date": "2025-10-02", "models": [SIGNATURE]}
    status, job = request(f"{stack.base}/simulate/trigger", body)
    assert status == 202, job
    session = take(stack.base)
    assert session["step"] == "2025-10-02"
    assert request(stack.mcp.removesuffix("/mcp") + "/health?token=in-the-query")[0] == 200

    async def agent(client: Client) -> dict[str, CallToolResult]:
        call = client.call_tool
        return {
            "observation": await call("get_observation", {}),
            "price": await call("get_price_local", {"symbol": "AAPL"}),
            "later": await call("get_price_local", {"symbol": "AAPL", "date": "2025-10-03"}),
            "portfolio": await portfolio(client),
            "news": await call("search_news", {"query": "AAPL"}),
            "buy": await call("buy", {"symbol": "AAPL", "amount": 2}),
            "sell": await call("sell", {"symbol": "AAPL", "amount": 1}),
            "finish": await call("finish", {"reasoning": "Apple over MCP"}),
            "after": await portfolio(client),
        }

    calls = connected(stack.mcp, session["token"], agent)
    observed = answer(calls["observation"])
    assert observed["session_id"] == session["session_id"]
    assert observed["step"] == observed["observation"]["step"] == "2025-10-02"
    assert observed["observation"]["portfolio"]["cash"] == 10_000 and observed["orders"] == []
    price = answer(calls["price"])
    assert price["symbol"] == "AAPL" and "open" in price and "close" not in price
    assert calls["later"].is_error and "get_price_local: forbidden (403): " in text(calls["later"])
    assert answer(calls["portfolio"])["cash"] == 10_000
    assert isinstance(answer(calls["news"]), dict)
    assert answer(calls["buy"])["portfolio"]["shares"] == {"AAPL": 2}
    assert answer(calls["sell"])["fills"][0]["amount"] == 1
    assert answer(calls["finish"]) == {**answer(calls["finish"]), "state": "closed", "orders": 2}
    assert calls["after"].is_error and text(calls["after"]).startswith(f"{REFUSED} closed (409): ")

    assert wait_for_job(stack.base, job["job_id"], timeout=30)["status"] == "completed"
    status, rows = request(f"{stack.base}/results?model={SIGNATURE}&detail=full")
    assert status == 200, rows
    step = next(row for row in rows if row["date"] == "2025-10-02")
    assert step["holdings"] == {**step["holdings"], "AAPL": 1}
    log = "\n".join(str(entry["content"]) for entry in step["reasoning"])
    assert "Apple over MCP" in log and '[tool call] search_news({"query": "AAPL"})' in log
    assert {tool["tool_name"]: tool["call_count"] for tool in step["tool_usage"]} == {
        "get_price_local": 2,
        "get_portfolio": 1,
        "search_news": 1,
        "buy": 1,
        "sell": 1,
    }
    served = stack.log.read_text()
    assert "POST /mcp 200" in served
    assert "GET /health 200" in served and "in-the-query" not in served
    assert session["token"] not in served and "Bearer" not in served
