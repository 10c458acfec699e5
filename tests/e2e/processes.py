"""Start and stop the real processes (gunicorn, huey_consumer) for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a process of the project in its own process group, output to a log file."""
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop a process group and wait for it."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def procfile_line(name: str) -> str:
    """The Procfile's command for a process type; web binds to loopback only."""
    for line in (REPO / "Procfile").read_text(encoding="utf-8").splitlines():
        kind, _, command = line.partition(":")
        if kind.strip() == name:
            return command.strip().replace("0.0.0.0", "127.0.0.1")
    raise KeyError(f"no {name!r} process in the Procfile")


def gunicorn(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """gunicorn serving wsgi:app on 127.0.0.1:port, as the Procfile starts it."""
    path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    command = ["bash", "-c", "exec " + procfile_line("web")]
    return start(command, {**env, "PORT": str(port), "PATH": path}, log)


def consumer(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """huey_consumer with thread workers."""
    command = [
        str(BIN / "huey_consumer"),
        "tasks.consumer.huey",
        "--workers",
        "4",
        "--worker-type",
        "thread",
        "--delay",
        "0.05",
        "--max-delay",
        "0.5",
    ]
    return start(command, env, log)


def request(
    url: str,
    body: dict[str, Any] | None = None,
    method: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """Status and decoded JSON of one HTTP request."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_until_up(base: str, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Wait for /health to answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if request(f"{base}/health")[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{base} did not come up")


def wait_for_job(base: str, job_id: str, timeout: float = 60) -> dict[str, Any]:
    """Poll a job until it reaches a final status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = request(f"{base}/simulate/status/{job_id}")
        if status == 200 and body["status"] in ("completed", "partial", "failed", "cancelled"):
            return dict(body)
        time.sleep(0.2)
    raise TimeoutError(f"job {job_id} did not finish")


@dataclass
class Service:
    """A running gunicorn and its consumers on one temporary database and queue."""

    base: str
    folder: Path
    env: dict[str, str]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def restart_worker(self, index: int, sig: int = signal.SIGKILL) -> None:
        """Stop one consumer (killed by default) and start a new one in its place."""
        stop(self.workers[index], sig)
        log = self.folder / f"worker{index}-restarted.log"
        self.workers[index] = consumer(self.env, log)


@contextmanager
def running_service(
    folder: Path, extra_env: dict[str, str] | None = None, consumers: int = 1
) -> Iterator[Service]:
    """gunicorn and `consumers` huey_consumers sharing a database (and queue) in folder."""
    env = {"DATABASE_PATH": str(folder / "trader.db"), "HUEY_PATH": str(folder / "huey.db")}
    env.update(extra_env or {})
    port = free_port()
    web = gunicorn(port, env, folder / "web.log")
    service = Service(f"http://127.0.0.1:{port}", folder, env)
    service.workers = [consumer(env, folder / f"worker{index}.log") for index in range(consumers)]
    try:
        wait_until_up(service.base, web)
        yield service
    finally:
        stop(web)
        for worker in service.workers:
            stop(worker)
