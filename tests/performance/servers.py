"""The service's real processes for the benchmark: Procfile commands, start-up time, memory."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.processes import free_port, procfile_line, start, stop

BIN = Path(sys.executable).parent
# Settings a developer's shell may hold that would change what is measured: no key, SQLite queue.
START_ATTEMPTS = 3
NEUTRAL_ENV = {"API_KEY": "", "API_READ_AUTH": "", "HUEY_URL": "", "PORT": ""}


@dataclass
class Service:
    """A running process of the service."""

    process: subprocess.Popen[bytes]
    base: str
    startup_seconds: float | None

    @property
    def command(self) -> str:
        """The command line the kernel ran (the Procfile line with its variables expanded)."""
        raw = Path(f"/proc/{self.process.pid}/cmdline").read_bytes()
        return " ".join(part.decode() for part in raw.split(b"\0") if part)


def service_env(folder: Path, prices: Path, config: Path, database: Path) -> dict[str, str]:
    """The environment of both processes: our files only, the project's venv first on PATH."""
    return {
        **NEUTRAL_ENV,
        "DATABASE_PATH": str(database),
        "HUEY_PATH": str(folder / "huey.db"),
        "PRICE_DATA": str(prices),
        "CONFIG_PATH": str(config),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def query_env(
    folder: Path, prices: Path, config: Path, database: Path, cache: bool
) -> dict[str, str]:
    """The web process's environment; without cache every answer is computed."""
    env = service_env(folder, prices, config, database)
    if not cache:
        env["RESPONSE_CACHE_MB"] = "0"
    return env


def _answers(base: str, path: str) -> bool:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def wait_for_health(
    base: str, process: subprocess.Popen[bytes], started: float, path: str = "/health"
) -> float:
    """Seconds from `started` to the first 200 from path (polled every 5 ms)."""
    while time.perf_counter() - started < 60:
        if process.poll() is not None:
            raise RuntimeError(f"the web process exited with {process.returncode}")
        if _answers(base, path):
            return time.perf_counter() - started
        time.sleep(0.005)
    raise TimeoutError(f"{base}{path} did not answer within 60 s")


def _start_web(env: dict[str, str], log: Path, app: str) -> Service:
    """One attempt: gunicorn on a port that was free a moment ago, up when it answers."""
    port = free_port()
    started = time.perf_counter()
    command = "exec " + procfile_line("web").replace("wsgi:app", app)
    process = start(["bash", "-c", command], {**env, "PORT": str(port)}, log)
    base = f"http://127.0.0.1:{port}"
    try:
        path = "/health" if app == "wsgi:app" else "/"
        return Service(process, base, wait_for_health(base, process, started, path))
    except BaseException:
        stop(process)
        raise


@contextmanager
def web(env: dict[str, str], log: Path, app: str = "wsgi:app") -> Iterator[Service]:
    """gunicorn as the Procfile starts it, on a free loopback port; start-up time measured."""
    for attempt in range(START_ATTEMPTS):
        try:
            service = _start_web(env, log, app)
            break
        except RuntimeError:
            # Another program may take the port between free_port() and gunicorn's bind.
            if attempt == START_ATTEMPTS - 1:
                tail = log.read_text(errors="replace").strip().splitlines()[-5:]
                raise RuntimeError("gunicorn did not start: " + " | ".join(tail)) from None
    try:
        yield service
    finally:
        stop(service.process)


@contextmanager
def worker(env: dict[str, str], log: Path) -> Iterator[Service]:
    """huey_consumer as the Procfile starts it."""
    process = start(["bash", "-c", "exec " + procfile_line("worker")], env, log)
    try:
        yield Service(process, "", None)
    finally:
        stop(process)


def children(pid: int) -> list[int]:
    """Direct child processes of pid (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name may hold spaces: the parent pid is the 2nd field after ")".
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM) of one process, in MB."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values["rss_mb" if key == "VmRSS" else "peak_mb"] = int(rest.split()[0]) / 1024
    return values


def cpu_seconds(service: Service) -> float:
    """User plus system CPU time used so far by the workers of a web service."""
    total = 0
    for pid in children(service.process.pid):
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def run_nanoseconds(pids: list[int]) -> int:
    """CPU time the processes' main threads have had so far, in ns, as the scheduler counts it
    (/proc/PID/schedstat): exact where utime and stime move by clock ticks of 10 ms. A sync
    gunicorn worker has no other thread."""
    return sum(int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) for pid in pids)


def workers_memory(service: Service) -> list[dict[str, float]]:
    """Memory of each gunicorn worker of a web service."""
    return [memory_mb(pid) for pid in children(service.process.pid)]
