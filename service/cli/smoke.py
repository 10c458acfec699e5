"""bin/smoke: exercise every endpoint of a running deployment and report pass or fail."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

UNKNOWN_JOB = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Check:
    """One request and the status codes that count as a pass."""

    name: str
    method: str
    path: str
    expected: tuple[int, ...]
    body: dict[str, Any] | None = None


def checks(first_model: str | None) -> list[Check]:
    """Every endpoint; writes only with bodies or ids that change nothing."""
    model = first_model or "no-model"
    return [
        Check("health", "GET", "/health", (200,)),
        Check("openapi", "GET", "/openapi.json", (200,)),
        Check("swagger ui", "GET", "/docs", (200,)),
        Check("dashboard", "GET", "/", (200,)),
        Check("models", "GET", "/models", (200,)),
        Check("jobs", "GET", "/jobs?page_size=5", (200,)),
        Check("current job", "GET", "/simulate/current", (200, 404)),
        Check("job status", "GET", f"/simulate/status/{UNKNOWN_JOB}", (404,)),
        Check("results", "GET", "/results?page_size=5", (200,)),
        Check("leaderboard", "GET", "/leaderboard", (200,)),
        Check("metrics", "GET", "/metrics", (200,)),
        Check("timeseries", "GET", f"/portfolio/timeseries?model={model}", (200, 404)),
        Check("trigger validation", "POST", "/simulate/trigger", (401, 422), {"end_date": "x"}),
        Check("cancel", "POST", f"/simulate/{UNKNOWN_JOB}/cancel", (401, 404)),
        Check("delete", "DELETE", f"/jobs/{UNKNOWN_JOB}", (401, 404)),
    ]


def run_checks(
    base: str, api_key: str | None, report: Callable[[str], None], session: requests.Session
) -> list[int | str]:
    """Run every check; returns the answers (status codes or errors) of those that failed."""
    headers = {"X-API-Key": api_key} if api_key else {}
    models = session.get(f"{base}/models", headers=headers, timeout=10)
    first = models.json()[0]["signature"] if models.ok and models.json() else None
    failed: list[int | str] = []
    for check in checks(first):
        started = time.perf_counter()
        try:
            response = session.request(
                check.method, base + check.path, json=check.body, headers=headers, timeout=30
            )
            status: int | str = response.status_code
            ok = response.status_code in check.expected
        except requests.RequestException as error:
            status, ok = type(error).__name__, False
        if not ok:
            failed.append(status)
        elapsed = (time.perf_counter() - started) * 1000
        report(
            f"{'PASS' if ok else 'FAIL'}  {check.name:<20} {check.method:<6} {check.path}"
            f"  -> {status} ({elapsed:.0f} ms)"
        )
    return failed


def key_hint(api_key: str | None) -> str:
    """What to do about 401 answers, with or without a key given."""
    if api_key:
        return "smoke: 401 answers: the service refused the key given with --api-key"
    return (
        "smoke: 401 answers: the service has an API_KEY (and API_READ_AUTH=true): "
        "pass it with --api-key KEY"
    )


def main(argv: list[str] | None = None) -> int:
    """Check a deployment; exit 0 when every endpoint answers as expected."""
    parser = argparse.ArgumentParser(
        prog="bin/smoke",
        description="Exercise every endpoint of a running AI-Trader Service and report pass or "
        "fail. Read-only: writes are sent with bodies or ids that change nothing.",
    )
    parser.add_argument("url", nargs="?", default="http://localhost:8080", help="service URL")
    parser.add_argument("--api-key", help="the service's API_KEY, if it has one")
    args = parser.parse_args(argv)
    base = args.url.rstrip("/")
    try:
        failed = run_checks(base, args.api_key, print, requests.Session())
    except (requests.RequestException, ValueError) as error:
        print(f"smoke: cannot reach {base}: {error}", file=sys.stderr)
        return 1
    print(f"smoke: {'all passed' if not failed else f'{len(failed)} failed'} against {base}")
    if 401 in failed:
        print(key_hint(args.api_key), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
