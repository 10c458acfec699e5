"""A local OpenAI-compatible /chat/completions stub with a fixed latency per call.

It may also enforce a provider's limits as a provider does: a request above `max_concurrency`
running at once, or above `requests_per_window` arrivals in the last `window` seconds, is
answered 429 at once and counted as refused.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
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
    """Answers every chat completion after `latency` seconds, within its limits; counts them.

    calls: answered; refused: answered 429; peak_running: the most answered at once.
    """

    daemon_threads = True

    def __init__(
        self,
        latency: float,
        max_concurrency: int | None = None,
        requests_per_window: int | None = None,
        window: float = 60.0,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.max_concurrency = max_concurrency
        self.requests_per_window = requests_per_window
        self.window = window
        self.calls = 0
        self.refused = 0
        self.running = 0
        self.peak_running = 0
        self._arrivals: deque[float] = deque()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, name="stub-llm", daemon=True)

    @property
    def base_url(self) -> str:
        """The base URL to configure as a model's openai_base_url."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def admit(self) -> str | None:
        """Start one request, or why it is refused (it then counts as refused)."""
        with self._lock:
            now = time.monotonic()
            while self._arrivals and self._arrivals[0] <= now - self.window:
                self._arrivals.popleft()
            reason = None
            if self.max_concurrency is not None and self.running >= self.max_concurrency:
                reason = f"more than {self.max_concurrency} requests at once"
            elif (
                self.requests_per_window is not None
                and len(self._arrivals) >= self.requests_per_window
            ):
                reason = f"more than {self.requests_per_window} requests in {self.window:g} s"
            if reason:
                self.refused += 1
                return reason
            self._arrivals.append(now)
            self.running += 1
            self.peak_running = max(self.peak_running, self.running)
            return None

    def count(self) -> None:
        """Record one answered call, which no longer runs.

        Called before the answer is written: a client that has read it never finds it running.
        """
        with self._lock:
            self.calls += 1
            self.running -= 1

    def stats(self) -> dict[str, Any]:
        """What the stub saw, for a report."""
        with self._lock:
            return {
                "calls": self.calls,
                "refused": self.refused,
                "peak_running": self.peak_running,
                "max_concurrency": self.max_concurrency,
                "requests_per_window": self.requests_per_window,
                "window_s": self.window,
            }

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
        """One chat completion, answered after the configured latency, or 429 above a limit."""
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        refused = self.server.admit()
        if refused:
            self._send(429, {"error": {"message": refused, "type": "rate_limit_exceeded"}})
            return
        time.sleep(self.server.latency)
        self.server.count()
        message = answer(request.get("messages") or [])
        self._send(
            200,
            {
                "id": "stub",
                "object": "chat.completion",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
            },
        )

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        """Quiet: the benchmark prints its own report."""
