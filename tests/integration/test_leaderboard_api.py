"""GET /leaderboard: ranking, the day used per model, and the QQQ benchmark checked by hand."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.settings import DEFAULT_PRICE_DATA
from tests.integration.conftest import Trigger, payload

pytestmark = pytest.mark.integration

QQQ, MOMENTUM, EQUAL = "qqq-buy-and-hold", "momentum-20", "equal-weight-10"
BUILTINS = [QQQ, MOMENTUM, EQUAL]
# QQQ closes read off the bundled price file ("4. sell price").
QQQ_CLOSES = {
    "2025-09-02": 565.62,
    "2025-09-05": 576.06,
    "2025-09-08": 578.87,
    "2025-09-12": 586.66,
    "2025-10-01": 603.25,
    "2025-10-29": 635.77,
}


def qqq_return(start: str, end: str) -> float:
    """Holding QQQ from start's close to end's close, in percent, as the API rounds it."""
    return round((QQQ_CLOSES[end] / QQQ_CLOSES[start] - 1) * 100, 4)


def board(client: FlaskClient, **query: str) -> dict[str, Any]:
    """A 200 leaderboard answer."""
    response = client.get("/leaderboard", query_string=query)
    assert response.status_code == 200, payload(response)
    answer: dict[str, Any] = payload(response)
    return answer


def days_used(answer: dict[str, Any]) -> dict[str, str]:
    """model -> the day its ranking comes from."""
    return {row["model"]: row["date"] for row in answer["rankings"]}


def test_hand_read_closes_match_the_bundled_file() -> None:
    with gzip.open(DEFAULT_PRICE_DATA, "rt", encoding="utf-8") as handle:
        qqq = next(
            record
            for record in map(json.loads, handle)
            if record["Meta Data"]["2. Symbol"] == "QQQ"
        )
    series = qqq["Time Series (Daily)"]

    assert {day: float(series[day]["4. sell price"]) for day in QQQ_CLOSES} == QQQ_CLOSES


class TestWithoutResults:
    """Nothing stored yet, or bad arguments."""

    def test_empty_database_has_empty_rankings(self, client: FlaskClient) -> None:
        empty = {"market": "nasdaq100", "currency": "USD", "date": None, "rankings": []}
        assert board(client) == empty
        assert board(client, market="crypto10") == {
            **empty,
            "market": "crypto10",
            "currency": "USDT",
        }

    def test_empty_database_on_a_date(self, client: FlaskClient) -> None:
        answer = board(client, date="2025-09-05")

        assert answer["rankings"] == []

    @pytest.mark.parametrize(
        "query",
        [
            {"date": "2025-13-01"},
            {"date": "yesterday"},
            {"date": ""},
            {"day": "2025-09-05"},
            pytest.param(
                {"date": "2025-9-5"},
                id="unpadded-date",
            ),
        ],
    )
    def test_bad_query_is_422(self, client: FlaskClient, query: dict[str, str]) -> None:
        response = client.get("/leaderboard", query_string=query)

        assert response.status_code == 422
        assert next(iter(query)) in payload(response)["message"]


class TestRanking:
    """Three built-ins over 2025-09-02..09-12."""

    @pytest.fixture(autouse=True)
    def simulated(self, trigger: Trigger) -> None:
        trigger(models=BUILTINS, start_date="2025-09-02", end_date="2025-09-12")

    def test_ranked_by_value_on_the_latest_day(self, client: FlaskClient) -> None:
        answer = board(client)

        assert answer["date"] == "2025-09-12"
        assert [row["rank"] for row in answer["rankings"]] == [1, 2, 3]
        values = [row["portfolio_value"] for row in answer["rankings"]]
        assert values == sorted(values, reverse=True) and len(set(values)) == 3
        results = payload(client.get("/results", query_string={"date": "2025-09-12"}))
        assert {r["model"]: r["portfolio_value"] for r in results} == {
            row["model"]: row["portfolio_value"] for row in answer["rankings"]
        }

    def test_benchmark_is_qqq_from_the_registration_day(self, client: FlaskClient) -> None:
        benchmark = board(client)["benchmark"]

        assert benchmark == {
            "symbol": "QQQ",
            "start_date": "2025-09-02",
            "cumulative_return_pct": qqq_return("2025-09-02", "2025-09-12"),
        }

    @pytest.mark.parametrize("day", ["2025-09-05", "2025-09-06", "2025-09-07"])
    def test_a_past_date_or_weekend_uses_the_day_on_or_before(
        self, client: FlaskClient, day: str
    ) -> None:
        answer = board(client, date=day)

        assert answer["date"] == day
        assert days_used(answer) == dict.fromkeys(BUILTINS, "2025-09-05")
        expected = qqq_return("2025-09-02", "2025-09-05")
        assert answer["benchmark"]["cumulative_return_pct"] == expected


class TestTimelinesOfDifferentLengths:
    """Each model is ranked on its own latest day on or before the date."""

    def test_each_model_uses_its_latest_day(self, client: FlaskClient, trigger: Trigger) -> None:
        trigger(models=BUILTINS, start_date="2025-09-02", end_date="2025-09-05")
        trigger(models=[QQQ], start_date=None, end_date="2025-09-12")

        latest = days_used(board(client))
        on_ninth = days_used(board(client, date="2025-09-09"))

        assert latest == {QQQ: "2025-09-12", MOMENTUM: "2025-09-05", EQUAL: "2025-09-05"}
        assert on_ninth == {QQQ: "2025-09-09", MOMENTUM: "2025-09-05", EQUAL: "2025-09-05"}

    def test_models_registered_later_are_left_out(
        self, client: FlaskClient, trigger: Trigger
    ) -> None:
        trigger(models=[QQQ], start_date="2025-09-02", end_date="2025-09-05")
        trigger(models=[EQUAL], start_date="2025-09-08", end_date="2025-09-12")

        early, latest = board(client, date="2025-09-05"), board(client)
        before_all = board(client, date="2025-08-29")

        assert list(days_used(early)) == [QQQ]
        assert early["benchmark"]["start_date"] == "2025-09-02"
        assert set(days_used(latest)) == {QQQ, EQUAL}
        assert latest["benchmark"]["start_date"] == "2025-09-02"
        assert before_all["rankings"] == []
        assert before_all["benchmark"]["cumulative_return_pct"] is None

    def test_benchmark_starts_at_the_earliest_registration_compared(
        self, client: FlaskClient, trigger: Trigger
    ) -> None:
        trigger(models=[EQUAL], start_date="2025-09-08", end_date="2025-09-12")

        assert board(client)["benchmark"] == {
            "symbol": "QQQ",
            "start_date": "2025-09-08",
            "cumulative_return_pct": qqq_return("2025-09-08", "2025-09-12"),
        }


def test_spec_benchmark_check(client: FlaskClient, trigger: Trigger) -> None:
    """SPEC §2: QQQ returns +5.39% from the 2025-10-01 close to 2025-10-29."""
    trigger(models=[QQQ], start_date="2025-10-01", end_date="2025-10-29")

    benchmark = board(client)["benchmark"]

    assert benchmark["start_date"] == "2025-10-01"
    assert round(benchmark["cumulative_return_pct"], 2) == 5.39
    assert benchmark["cumulative_return_pct"] == qqq_return("2025-10-01", "2025-10-29")
