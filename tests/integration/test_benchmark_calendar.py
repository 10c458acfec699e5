"""One benchmark definition for leaderboard, metrics, time series and dashboard (SPEC §2 rule 7).

The bundled Jun-Oct file has a complete 2025-10-30 bar for QQQ only: the calendar ends on
2025-10-29 and QQQ's 10-30 close must not be used. With complete 10-30 bars (Alpha Vantage's
files, in tests/fixtures/prices) 10-30 is a trading day, and AI-Trader's published October
boards follow from the same rule: QQQ +5.39 % on 10-29 and +3.78 % on 10-30 from the 10-01
close, gpt-5's recorded run +7.11 % on 10-30.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.cli import import_ai_trader
from tests.integration.conftest import AppFactory, payload

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
COMPLETE_PRICES = FIXTURES / "prices" / "nasdaq100_daily_2025-06-10_2025-10-30_complete.jsonl.gz"
AGENT_DATA = FIXTURES / "ai_trader"
MODEL = "qqq-buy-and-hold"


def get(client: FlaskClient, path: str, **query: str) -> Any:
    """A 200 answer's JSON."""
    response = client.get(path, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return payload(response)


def run_october(client: FlaskClient, end: str) -> None:
    """QQQ buy-and-hold registered on 2025-10-01 (the day AI-Trader's runs registered)."""
    body = {"start_date": "2025-10-01", "end_date": end, "models": [MODEL]}
    response = client.post("/simulate/trigger", json=body)
    assert response.status_code == 202, payload(response)


def benchmark_everywhere(client: FlaskClient, day: str) -> dict[str, float]:
    """The benchmark's return on day as each answer states it."""
    board = get(client, "/leaderboard", date=day)["benchmark"]
    metrics = get(client, "/metrics", model=MODEL, start_date="2025-10-01", end_date=day)
    series = get(client, "/portfolio/timeseries", model=MODEL, end_date=day)["series"]
    page = client.get("/dashboard", query_string={"date": day}).get_data(as_text=True)
    row = re.search(r'<tr class="benchmark-row">(.*?)</tr>', page, re.S)
    assert row, "the dashboard shows the benchmark row"
    cells = re.findall(r"<td class=\"num\">(?:<span[^>]*>)?([^<]+)", row.group(1))
    value, total = cells[1], cells[2]  # after the rank column
    return {
        "leaderboard": board["cumulative_return_pct"],
        "metrics": metrics["benchmark_return_pct"],
        "timeseries": series[-1]["benchmark_return_pct"],
        "dashboard": float(total.rstrip("%")),
        "dashboard value": (float(value.strip("$").replace(",", "")) / 10000 - 1) * 100,
    }


def all_about(figures: dict[str, float], expected: float) -> bool:
    """Every answer states the expected return (to the cent of a percent)."""
    return figures == dict.fromkeys(figures, pytest.approx(expected, abs=0.005))


def test_an_open_only_day_does_not_move_the_benchmark(client: FlaskClient) -> None:
    run_october(client, "2025-10-29")

    on_29 = benchmark_everywhere(client, "2025-10-29")
    on_30 = benchmark_everywhere(client, "2025-10-30")

    assert on_29 == on_30
    assert all_about(on_30, 5.39), on_30


@pytest.fixture
def complete_client(make_app: AppFactory) -> FlaskClient:
    """An app on the price data whose 2025-10-30 bars are complete."""
    app: Flask = make_app(price_data=str(COMPLETE_PRICES))
    return app.test_client()


def test_complete_bars_give_ai_traders_october_boards(complete_client: FlaskClient) -> None:
    run_october(complete_client, "2025-10-30")

    on_29 = benchmark_everywhere(complete_client, "2025-10-29")
    on_30 = benchmark_everywhere(complete_client, "2025-10-30")

    assert all_about(on_29, 5.39), on_29
    assert all_about(on_30, 3.78), on_30


def test_gpt5_recorded_run_reads_711_on_1030_with_complete_bars(
    complete_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRICE_DATA", str(COMPLETE_PRICES))
    assert import_ai_trader.main([str(AGENT_DATA), "--models", "gpt-5"]) == 0

    board = get(complete_client, "/leaderboard", date="2025-10-30")

    gpt5 = next(row for row in board["rankings"] if row["model"] == "gpt-5")
    assert gpt5["date"] == "2025-10-30"
    assert gpt5["cumulative_return_pct"] == pytest.approx(7.11, abs=0.005)
    assert board["benchmark"]["cumulative_return_pct"] == pytest.approx(3.78, abs=0.005)
