"""End to end: built-in and mock models on every market, through a real gunicorn and a real
huey_consumer (one job holding two markets, one job on the third); each market's leaderboard
ranks its own models against its own benchmark, in its currency, and the orders kept each
market's quantity rule."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.processes import request, running_service, wait_for_job

pytestmark = pytest.mark.e2e
# NASDAQ-100 and SSE-50 both trade 2025-10-09..10-29 (SSE-50 data starts on 10-09, NASDAQ-100
# ends on 10-29); the CD5 index starts on 2025-11-01.
RANGES = {
    "nasdaq100": ("2025-10-09", "2025-10-29"),
    "sse50": ("2025-10-09", "2025-10-29"),
    "crypto10": ("2025-11-01", "2025-11-15"),
}
MODELS = {
    "nasdaq100": ("momentum-20", "mock-llm"),
    "sse50": ("sse50-buy-and-hold", "sse50-mock-llm"),
    "crypto10": ("crypto10-momentum-20", "crypto10-mock-llm"),
}
EXPECTED = {  # currency, benchmark, trading days of the range
    "nasdaq100": ("USD", "QQQ", 15),
    "sse50": ("CNY", "000016.SH", 15),
    "crypto10": ("USDT", "CD5", 15),
}


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A running web server and consumer sharing a temporary database and queue."""
    with running_service(tmp_path) as running:
        yield running.base, tmp_path


def amounts(database: Path, models: tuple[str, ...]) -> list[float]:
    """Every order amount the models filled."""
    marks = ",".join("?" * len(models))
    sql = f"SELECT amount FROM positions WHERE model IN ({marks}) AND action_type != 'init'"  # noqa: S608
    with sqlite3.connect(database) as conn:
        return [row[0] for row in conn.execute(sql + " AND amount IS NOT NULL", models)]


def test_a_job_on_every_market(service: tuple[str, Path]) -> None:
    base, folder = service
    jobs = []
    for markets in (("nasdaq100", "sse50"), ("crypto10",)):
        start, end = RANGES[markets[0]]
        models = [model for market in markets for model in MODELS[market]]
        body = {"start_date": start, "end_date": end, "models": models}
        status, job = request(f"{base}/simulate/trigger", body)
        assert status == 202, job
        assert job["progress"]["total"] == sum(2 * EXPECTED[market][2] for market in markets)
        jobs.append(job["job_id"])

    for job_id in jobs:
        final = wait_for_job(base, job_id)
        assert final["status"] == "completed", [d["error"] for d in final["details"] if d["error"]][
            :2
        ]
    for market, models in MODELS.items():
        currency, benchmark, days = EXPECTED[market]
        status, board = request(f"{base}/leaderboard?market={market}")
        assert status == 200
        assert (board["market"], board["currency"]) == (market, currency)
        assert sorted(row["model"] for row in board["rankings"]) == sorted(models)
        assert board["benchmark"]["symbol"] == benchmark
        assert board["benchmark"]["cumulative_return_pct"] is not None
        assert all(row["trades"] > 0 for row in board["rankings"]), board
        status, metrics = request(f"{base}/metrics?market={market}")
        assert {item["model"] for item in metrics} == set(models)
        assert all(item["trading_days"] == days for item in metrics)
    sse50 = amounts(folder / "trader.db", MODELS["sse50"])
    assert sse50 and all(amount % 100 == 0 for amount in sse50)
    coins = amounts(folder / "trader.db", MODELS["crypto10"])
    assert any(not float(amount).is_integer() for amount in coins)
    assert all(abs(amount * 10_000 - round(amount * 10_000)) < 1e-6 for amount in coins)


def test_hourly_markets_run_bar_by_bar_through_the_queue(service: tuple[str, Path]) -> None:
    base, _ = service
    body = {"models": [], "start_date": "2025-10-09", "end_date": "2025-10-10"}
    for market in ("nasdaq100_hourly", "sse50_hourly"):
        status, job = request(f"{base}/simulate/trigger", {**body, "market": market})
        assert status == 202, job
        final = wait_for_job(base, job["job_id"])
        assert final["status"] == "completed", [d["error"] for d in final["details"] if d["error"]][
            :2
        ]
        per_day = {"nasdaq100_hourly": 6, "sse50_hourly": 4}[market]
        assert final["progress"]["completed"] == 2 * 2 * per_day
        status, board = request(f"{base}/leaderboard?market={market}&date=2025-10-10")
        assert {row["date"][-8:] for row in board["rankings"]} == {"15:00:00"}
        assert board["benchmark"]["cumulative_return_pct"] is not None
