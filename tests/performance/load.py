"""Load generators: a sequential keep-alive client, and wrk for many concurrent connections."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# wrk calls done() once at the end; latencies are in microseconds.
WRK_REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d,'
    .. ' "p99_us": %d, "max_us": %d, "connect_errors": %d, "read_errors": %d,'
    .. ' "write_errors": %d, "timeouts": %d, "non_2xx": %d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max, e.connect, e.read,
    e.write, e.timeout, e.status))
end
"""
APT_TIMEOUT = 300


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass
class Timings:
    """Latencies (ms) of requests in a row, how many failed and the last answer's size."""

    timings: list[float] = field(default_factory=list)
    errors: int = 0
    size: int = 0

    def summary(self) -> dict[str, Any]:
        """The figures of these requests."""
        return {
            "requests": len(self.timings),
            "p50_ms": percentile(self.timings, 0.50),
            "p95_ms": percentile(self.timings, 0.95),
            "p99_ms": percentile(self.timings, 0.99),
            "mean_ms": statistics.fmean(self.timings),
            "errors": self.errors,
            "response_bytes": self.size,
        }


def time_requests(
    base: str, path: str, count: int, max_seconds: float, into: Timings | None = None
) -> Timings:
    """One client, one keep-alive connection: `count` requests in a row, added to into."""
    found = into if into is not None else Timings()
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    deadline, done = time.perf_counter() + max_seconds, 0
    try:
        while done < count and time.perf_counter() < deadline:
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            found.size = len(response.read())
            found.timings.append((time.perf_counter() - started) * 1000)
            found.errors += not 200 <= response.status < 300
            done += 1
    finally:
        conn.close()
    return found


def sequential(base: str, path: str, count: int, max_seconds: float) -> dict[str, Any]:
    """One client, one keep-alive connection: latency of `count` requests in a row (in ms)."""
    return time_requests(base, path, count, max_seconds).summary()


def ensure_wrk() -> str | None:
    """The wrk binary; installed from Debian's packages when missing and allowed (root)."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("bench: wrk is missing; installing Debian's package (apt-get install wrk)...")
    lock = f"DPkg::Lock::Timeout={APT_TIMEOUT}"
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "-o", lock, "wrk"]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=APT_TIMEOUT + 60)
        if done.returncode:
            print(f"bench: {' '.join(command)} failed: {done.stderr.strip()[-300:]}")
            return None
    return shutil.which("wrk")


def wrk(
    binary: str, url: str, seconds: float, connections: int, threads: int, script: Path
) -> dict[str, Any]:
    """Figures of one wrk run: requests/s, latency percentiles (ms) and every kind of error."""
    command = [
        binary,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    report = json.loads(output.strip().splitlines()[-1])
    seconds_run = report["duration_us"] / 1e6
    socket_errors = sum(
        report[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return {
        "requests": report["requests"],
        "requests_per_s": report["requests"] / seconds_run,
        "p50_ms": report["p50_us"] / 1000,
        "p95_ms": report["p95_us"] / 1000,
        "p99_ms": report["p99_us"] / 1000,
        "max_ms": report["max_us"] / 1000,
        "non_2xx": report["non_2xx"],
        "socket_errors": socket_errors,
        "errors": report["non_2xx"] + socket_errors,
        "command": " ".join(command[:-3] + [script.name, url]),
    }


def write_wrk_script(folder: Path) -> Path:
    """The Lua script that makes wrk print its figures as JSON."""
    path = folder / "report.lua"
    path.write_text(WRK_REPORT_LUA, encoding="utf-8")
    return path
