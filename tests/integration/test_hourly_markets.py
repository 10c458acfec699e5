"""Hourly markets through the API: a job's range in days or bars, one model-step per bar in
order, days and bars in every read, per-bar metrics annualised with bars per year and daily
ones from each day's last bar, resume and replace by bar, and the benchmarks' bars."""

from __future__ import annotations

import math
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.integration.conftest import Refuse, Trigger, payload

pytestmark = pytest.mark.integration

US = "nasdaq100_hourly"
CN = "sse50_hourly"
US_MODELS = ("nasdaq100_hourly-momentum-12", "nasdaq100_hourly-mock-llm")
US_BARS = ("10:00:00", "11:00:00", "12:00:00", "13:00:00", "14:00:00", "15:00:00")
CN_BARS = ("10:30:00", "11:30:00", "14:00:00", "15:00:00")


def get(client: FlaskClient, url: str, code: int = 200) -> Any:
    """The JSON answer of a GET that must answer code."""
    response = client.get(url)
    assert response.status_code == code, response.get_data(as_text=True)
    return payload(response)


def bars(day: str, times: tuple[str, ...]) -> list[str]:
    """The bar keys of a day."""
    return [f"{day} {time}" for time in times]


@pytest.fixture
def us_job(trigger: Trigger) -> dict[str, Any]:
    """The hourly NASDAQ-100 models over three days, as the trigger answered."""
    return trigger(market=US, start_date="2025-10-01", end_date="2025-10-03")


class TestRangesInDaysAndBars:
    def test_a_day_means_all_of_its_bars_in_order(
        self, client: FlaskClient, us_job: dict[str, Any]
    ) -> None:
        assert us_job["status"] == "completed"
        assert us_job["progress"]["total"] == 2 * 18
        status = get(client, f"/simulate/status/{us_job['job_id']}")
        days = [d["date"] for d in status["details"] if d["model"] == US_MODELS[0]]
        expected = [
            b for day in ("2025-10-01", "2025-10-02", "2025-10-03") for b in bars(day, US_BARS)
        ]
        assert days == expected

    def test_a_range_of_bar_keys(self, trigger: Trigger) -> None:
        job = trigger(market=US, start_date="2025-10-01 13:00", end_date="2025-10-02 11:00:00")
        details = [d["date"] for d in job["details"] if d["model"] == US_MODELS[0]]
        assert details == [
            "2025-10-01 13:00:00",
            "2025-10-01 14:00:00",
            "2025-10-01 15:00:00",
            "2025-10-02 10:00:00",
            "2025-10-02 11:00:00",
        ]

    def test_bad_bar_keys_and_ranges_are_refused(self, refuse: Refuse) -> None:
        message = refuse({"market": US, "end_date": "2025-10-01 25:00"}, 422, "end_date")
        assert "YYYY-MM-DD HH:MM:SS" in message
        outside = refuse(
            {"market": US, "start_date": "2025-09-30", "end_date": "2025-10-01"}, 400, "start_date"
        )
        assert "2025-10-01 10:00:00..2025-11-10 14:00:00" in outside
        backwards = refuse(
            {"market": US, "start_date": "2025-10-02 10:00", "end_date": "2025-10-01"},
            400,
            "start_date",
        )
        assert "after end_date" in backwards

    def test_resume_and_replace_go_by_bar(self, trigger: Trigger, us_job: dict[str, Any]) -> None:
        resumed = trigger(models=[US_MODELS[0]], start_date=None, end_date="2025-10-06 11:00")
        assert [d["date"] for d in resumed["details"]] == bars("2025-10-06", US_BARS[:2])
        replaced = trigger(
            models=[US_MODELS[0]],
            start_date="2025-10-06 11:00",
            end_date="2025-10-06 12:00",
            replace_existing=True,
        )
        assert [d["date"] for d in replaced["details"]] == bars("2025-10-06", US_BARS[1:3])
        assert replaced["warnings"] == [
            f"{US_MODELS[0]}: replaced 1 stored day 2025-10-06 11:00:00"
        ]


@pytest.mark.usefixtures("us_job")
class TestReadsOfAnHourlyMarket:
    def test_results_of_a_day_are_its_bars_and_of_a_bar_that_bar(self, client: FlaskClient) -> None:
        rows = get(client, f"/results?market={US}&model={US_MODELS[0]}&date=2025-10-02")
        assert [row["date"] for row in rows] == bars("2025-10-02", US_BARS)
        one = get(client, f"/results?model={US_MODELS[0]}&date=2025-10-02 12:00")
        assert [row["date"] for row in one] == ["2025-10-02 12:00:00"]
        response = client.get(f"/results?market={US}&date=2025-10-02&page_size=5")
        assert len(payload(response)) == 5
        assert '"total": 12' in response.headers["X-Pagination"]

    def test_the_leaderboard_reads_a_day_as_its_last_bar(self, client: FlaskClient) -> None:
        by_day = get(client, f"/leaderboard?market={US}&date=2025-10-02")
        assert {row["date"] for row in by_day["rankings"]} == {"2025-10-02 15:00:00"}
        by_bar = get(client, f"/leaderboard?market={US}&date=2025-10-02 15:00:00")
        assert by_bar["rankings"] == by_day["rankings"]
        earlier = get(client, f"/leaderboard?market={US}&date=2025-10-02 11:00:00")
        assert {row["date"] for row in earlier["rankings"]} == {"2025-10-02 11:00:00"}
        # QQQ's own 60-minute bars, from the close of the registration bar.
        assert earlier["benchmark"]["start_date"] == "2025-10-01 10:00:00"
        assert (
            earlier["benchmark"]["cumulative_return_pct"]
            != by_day["benchmark"]["cumulative_return_pct"]
        )

    def test_metrics_per_bar_and_per_day(self, client: FlaskClient) -> None:
        metrics = get(client, f"/metrics?model={US_MODELS[0]}")
        assert metrics["trading_days"] == 18  # bars
        bars_n = metrics["trading_days"] - 1
        total = metrics["total_return_pct"] / 100
        expected = ((1 + total) ** (6 * 252 / bars_n) - 1) * 100
        assert math.isclose(metrics["annualized_return_pct"], expected, rel_tol=1e-3)
        daily = metrics["daily"]
        assert daily["trading_days"] == 3
        series = get(client, f"/portfolio/timeseries?model={US_MODELS[0]}")["series"]
        ends = [p["portfolio_value"] for p in series if p["date"].endswith("15:00:00")]
        day_total = ends[-1] / ends[0] - 1
        assert math.isclose(
            daily["annualized_return_pct"], ((1 + day_total) ** (252 / 2) - 1) * 100, rel_tol=1e-3
        )

    def test_a_daily_market_has_no_daily_section(
        self, client: FlaskClient, trigger: Trigger
    ) -> None:
        trigger(models=["momentum-20"], start_date="2025-10-01", end_date="2025-10-03")
        assert get(client, "/metrics?model=momentum-20")["daily"] is None


def test_sse50_hourly_t_plus_one_holds_across_the_days_bars(
    client: FlaskClient, trigger: Trigger
) -> None:
    trigger(market=CN, start_date="2025-10-09", end_date="2025-10-16")
    rows = get(client, f"/results?market={CN}&detail=full&page_size=1000")
    bought: dict[tuple[str, str, str], float] = {}
    for row in rows:
        day = row["date"][:10]
        for trade in row["trades"]:
            key = (row["model"], day, trade["symbol"])
            if trade["action_type"] == "buy":
                assert trade["amount"] % 100 == 0
                bought[key] = bought.get(key, 0) + trade["amount"]
            else:
                # A sale in a later bar of the day never draws on that day's buys.
                held_before = _held_at_day_start(rows, row["model"], day, trade["symbol"])
                assert trade["amount"] <= held_before, (row["date"], trade)
    assert bought


def _held_at_day_start(rows: list[dict[str, Any]], model: str, day: str, symbol: str) -> float:
    earlier = [r for r in rows if r["model"] == model and r["date"][:10] < day]
    return earlier[-1]["holdings"].get(symbol, 0) if earlier else 0


def test_the_sse50_index_is_known_at_each_bar_from_the_days_close_on(
    client: FlaskClient, trigger: Trigger
) -> None:
    trigger(market=CN, models=[], start_date="2025-10-09", end_date="2025-10-10")
    series = get(client, "/portfolio/timeseries?model=sse50_hourly-momentum-8")["series"]
    changes = {p["date"]: p["benchmark_return_pct"] for p in series}
    first_day = [changes[b] for b in bars("2025-10-09", CN_BARS)]
    second_day = [changes[b] for b in bars("2025-10-10", CN_BARS)]
    # From the registration bar, on the 2025-09-30 close, to the 10-09 close at 15:00, which
    # holds through the next day's bars until its own 15:00 close.
    assert first_day[:3] == [0, 0, 0] and first_day[3] != 0
    assert second_day[:3] == [first_day[3]] * 3 and second_day[3] != first_day[3]


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("/leaderboard?date=2025-02-30", 400),
        ("/leaderboard?date=2025-02-30 10:00", 400),
        ("/results?date=2025-2-3", 422),
        ("/leaderboard?date=2025-10-01T10:00", 422),
        ("/leaderboard?date=2025-10-01 24:00", 422),
    ],
)
def test_a_day_that_does_not_exist_is_a_400_and_a_malformed_one_a_422(
    client: FlaskClient, url: str, code: int
) -> None:
    answer = get(client, url, code)
    assert "date" in answer["errors"]["query"]
