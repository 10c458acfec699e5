"""A local OpenAI-compatible /chat/completions stub with a fixed latency per call."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from service.agent.prompt import FINISH_SIGNAL

STEPS_PER_DAY = 2  # a tool call, then the finish signal


def answer(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The next assistant message: look at the portfolio first, then finish."""
    step = sum(1 for message in messages if message.get("role") == "assistant")
    if step == 0:
        call = {
            "id": "call_0",
            "type": "function",
            "function": {"name": "get_portfolio", "arguments": "{}"},
        }
        return {"role": "assistant", "content": "Checking the portfolio.", "tool_calls": [call]}
    return {"role": "assistant", "content": f"Holding today. {FINISH_SIGNAL}"}


class StubLLM(ThreadingHTTPServer):
    """Answers every chat completion after `latency` seconds; counts the calls."""

    daemon_threads = True

    def __init__(self, latency: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.calls = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, name="stub-llm", daemon=True)

    @property
    def base_url(self) -> str:
        """The base URL to configure as a model's openai_base_url."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def count(self) -> None:
        """Record one call."""
        with self._lock:
            self.calls += 1

    def __enter__(self) -> StubLLM:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: StubLLM
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        """No Nagle: a reply written in two parts must not wait for the client's delayed ACK."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        """One chat completion, answered after the configured latency."""
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        time.sleep(self.server.latency)
        self.server.count()
        message = answer(request.get("messages") or [])
        body = json.dumps(
            {
                "id": "stub",
                "object": "chat.completion",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        """Quiet: the benchmark prints its own report."""
