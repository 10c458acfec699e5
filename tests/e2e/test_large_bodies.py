"""A body far over the limit gets a 413 the client can read, from a real gunicorn.

Answering before the body is read and then closing the socket resets the connection while
the client is still sending: the client sees a broken pipe, never the answer.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from tests.e2e.processes import free_port, gunicorn, request, stop, wait_until_up

pytestmark = pytest.mark.e2e
ELEVEN_MB = 11 * 1024 * 1024
CHUNK = b"x" * 65536


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """gunicorn on an empty database."""
    folder = tmp_path_factory.mktemp("large-bodies")
    env = {"DATABASE_PATH": str(folder / "trader.db"), "HUEY_PATH": str(folder / "huey.db")}
    port = free_port()
    web = gunicorn(port, env, folder / "web.log")
    try:
        wait_until_up(f"http://127.0.0.1:{port}", web)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(web)


def send(base: str, method: str, path: str, size: int) -> bytes:
    """Send a request with a body of size bytes, written in chunks as a client does; the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        sock.sendall(f"{head}Content-Length: {size}\r\n\r\n".encode())
        for _ in range(size // len(CHUNK)):
            sock.sendall(CHUNK)
        sock.sendall(CHUNK[: size % len(CHUNK)])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize(("method", "path"), [("POST", "/simulate/trigger"), ("GET", "/jobs")])
def test_an_11_mb_body_gets_a_readable_413(base: str, method: str, path: str) -> None:
    answer = send(base, method, path, ELEVEN_MB)

    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0].startswith("HTTP/1.1 413"), lines
    assert "connection: close" in [line.lower() for line in lines[1:]]
    error = json.loads(body)
    assert error["code"] == 413 and "exceeds" in error["message"]
    assert request(f"{base}/health")[0] == 200, "the server goes on answering"
