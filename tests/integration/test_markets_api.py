"""Markets through the API: GET /markets, a trigger per market or holding several, each read
endpoint answering one market in its currency, timelines staying on their market, and the
markets config overriding files and rules."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.market.directory import MarketsConfigError
from tests.integration.conftest import AppFactory, ModelsFile, Refuse, Trigger, payload

pytestmark = pytest.mark.integration

SSE50 = ("sse50-buy-and-hold", "sse50-momentum-5", "sse50-mock-llm")
CRYPTO10 = ("crypto10-buy-and-hold", "crypto10-momentum-20", "crypto10-mock-llm")


def get(client: FlaskClient, url: str, code: int = 200) -> Any:
    """The JSON answer of a GET that must answer code."""
    response = client.get(url)
    assert response.status_code == code, response.get_data(as_text=True)
    return payload(response)


class TestMarketsList:
    def test_every_market_with_its_rules_data_and_models(self, client: FlaskClient) -> None:
        markets = {item["name"]: item for item in get(client, "/markets")}
        assert list(markets) == [
            "nasdaq100",
            "sse50",
            "crypto10",
            "nasdaq100_hourly",
            "sse50_hourly",
        ]
        sse50, crypto10 = markets["sse50"], markets["crypto10"]
        assert sse50["rules"]["currency"] == "CNY"
        assert sse50["rules"]["initial_cash"] == 100_000
        assert (sse50["rules"]["lot_size"], sse50["rules"]["settlement_days"]) == (100, 1)
        assert sse50["rules"]["periods_per_year"] == 242
        assert sse50["data"]["first_day"] == "2025-10-09"
        assert sse50["data"]["last_day"] == "2025-11-18"  # 11-19 has only its opens
        assert sse50["data"]["symbols"] == 50
        assert sse50["benchmark_data"]["source"] == "index_sse50_000016.SH_daily.json"
        assert sse50["models"] == list(SSE50)
        assert crypto10["rules"]["quantity_step"] == 0.0001
        assert (crypto10["rules"]["every_day"], crypto10["rules"]["periods_per_year"]) == (
            True,
            365,
        )
        assert crypto10["data"]["trading_days"] == 355  # every day, 2024-11-26..2025-11-15
        assert markets["nasdaq100"]["benchmark_data"] is None  # QQQ is in the price file

    def test_one_market_and_an_unknown_one(self, client: FlaskClient) -> None:
        assert get(client, "/markets/crypto10")["rules"]["benchmark"] == "CD5"
        answer = get(client, "/markets/moon", 404)
        assert "known: nasdaq100, sse50, crypto10" in answer["message"]


class TestTriggerPerMarket:
    def test_a_market_runs_its_own_models_ranked_apart(
        self, client: FlaskClient, trigger: Trigger
    ) -> None:
        trigger(market="sse50", start_date="2025-10-09", end_date="2025-10-17")
        trigger(start_date="2025-10-09", end_date="2025-10-17")

        board = get(client, "/leaderboard?market=sse50")
        assert (board["market"], board["currency"], board["date"]) == (
            "sse50",
            "CNY",
            "2025-10-17",
        )
        assert sorted(row["model"] for row in board["rankings"]) == sorted(SSE50)
        assert board["benchmark"]["symbol"] == "000016.SH"
        default = get(client, "/leaderboard")
        assert default["market"] == "nasdaq100"
        assert not {row["model"] for row in default["rankings"]} & set(SSE50)
        assert get(client, "/leaderboard?market=crypto10")["rankings"] == []

    def test_one_job_holds_models_of_several_markets(
        self, client: FlaskClient, trigger: Trigger
    ) -> None:
        job = trigger(
            models=["momentum-20", "crypto10-momentum-20"],
            start_date="2025-10-01",
            end_date="2025-10-10",
        )
        assert job["status"] == "completed"
        # Eight NASDAQ-100 sessions, and ten days of a market that trades every day.
        assert job["progress"]["total"] == 8 + 10
        crypto = get(client, "/leaderboard?market=crypto10")
        assert [row["model"] for row in crypto["rankings"]] == ["crypto10-momentum-20"]
        assert crypto["currency"] == "USDT"
        assert crypto["benchmark"]["cumulative_return_pct"] is None  # CD5 starts on 11-01

    def test_a_market_adds_its_enabled_models_to_those_named(self, trigger: Trigger) -> None:
        job = trigger(
            market="sse50", models=["momentum-20"], start_date="2025-10-09", end_date="2025-10-10"
        )
        assert job["models"] == ["momentum-20", *SSE50]

    def test_a_range_outside_a_markets_data_names_the_market(self, refuse: Refuse) -> None:
        body = {
            "models": ["sse50-momentum-5"],
            "start_date": "2025-09-01",
            "end_date": "2025-10-17",
        }
        message = refuse(body, 400, "start_date")
        assert "the sse50 price data covers 2025-10-09..2025-11-18" in message

    def test_without_models_a_market_needs_an_enabled_one(
        self, custom_app: Flask, models_file: ModelsFile
    ) -> None:
        for signature in SSE50:
            models_file.update_model(signature, enabled=False)
        response = custom_app.test_client().post(
            "/simulate/trigger", json={"market": "sse50", "end_date": "2025-10-17"}
        )
        assert response.status_code == 400
        answer = payload(response)
        assert answer["message"] == "no model of market sse50 is enabled"
        assert "market" in answer["errors"]["json"]


@pytest.fixture
def both(trigger: Trigger) -> None:
    """SSE-50 and Crypto-10 models simulated over a few days."""
    trigger(market="sse50", start_date="2025-10-09", end_date="2025-10-24")
    trigger(market="crypto10", start_date="2025-11-01", end_date="2025-11-15")


@pytest.mark.usefixtures("both")
class TestReadsPerMarket:
    def test_metrics_annualise_with_the_markets_periods(self, client: FlaskClient) -> None:
        for model, periods, currency in (
            ("sse50-momentum-5", 242, "CNY"),
            ("crypto10-momentum-20", 365, "USDT"),
        ):
            metrics = get(client, f"/metrics?model={model}")
            assert (metrics["market"], metrics["currency"]) == (model.split("-")[0], currency)
            days = metrics["trading_days"] - 1  # returns: one per day after the first close
            total = metrics["total_return_pct"] / 100
            expected = ((1 + total) ** (periods / days) - 1) * 100
            assert math.isclose(metrics["annualized_return_pct"], expected, rel_tol=1e-3)

    def test_metrics_of_a_market_and_of_a_model_elsewhere(self, client: FlaskClient) -> None:
        listed = get(client, "/metrics?market=crypto10")
        assert sorted(item["model"] for item in listed) == sorted(CRYPTO10)
        assert get(client, "/metrics") == []  # no nasdaq100 timeline
        answer = get(client, "/metrics?model=sse50-momentum-5&market=crypto10", 404)
        assert (
            answer["message"] == "model 'sse50-momentum-5' trades on market 'sse50', not 'crypto10'"
        )

    def test_timeseries_in_the_markets_currency_against_its_benchmark(
        self, client: FlaskClient
    ) -> None:
        series = get(client, "/portfolio/timeseries?model=crypto10-buy-and-hold")
        assert (series["market"], series["currency"], series["benchmark"]) == (
            "crypto10",
            "USDT",
            "CD5",
        )
        first, last = series["series"][0], series["series"][-1]
        assert (first["date"], first["portfolio_value"]) == ("2025-11-01", 50_000)
        assert first["benchmark_return_pct"] == 0  # CD5 from its 2025-11-01 close
        board = get(client, "/leaderboard?market=crypto10")
        assert last["benchmark_return_pct"] == board["benchmark"]["cumulative_return_pct"]
        get(client, "/portfolio/timeseries?model=crypto10-buy-and-hold&market=sse50", 404)

    def test_results_filter_by_market_and_keep_decimal_quantities(
        self, client: FlaskClient
    ) -> None:
        rows = get(client, "/results?market=crypto10&date=2025-11-03&detail=full")
        assert {row["model"] for row in rows} == set(CRYPTO10)
        assert {row["market"] for row in rows} == {"crypto10"}
        held = [q for row in rows for q in row["holdings"].values()]
        assert any(not float(quantity).is_integer() for quantity in held)
        lots = get(client, "/results?market=sse50&date=2025-10-10&detail=full")
        amounts = [trade["amount"] for row in lots for trade in row["trades"]]
        assert amounts and all(amount % 100 == 0 for amount in amounts)


class TestTimelinesStayOnTheirMarket:
    def test_a_model_moved_to_another_market_must_replace_its_timeline(
        self, custom_app: Flask, models_file: ModelsFile
    ) -> None:
        client = custom_app.test_client()
        body = {"models": ["momentum-20"], "start_date": "2025-10-09", "end_date": "2025-10-15"}
        assert client.post("/simulate/trigger", json=body).status_code == 202
        models_file.update_model("momentum-20", market="sse50")

        resumed = client.post("/simulate/trigger", json={**body, "start_date": None})
        assert resumed.status_code == 400
        assert "has a timeline on market 'nasdaq100'" in payload(resumed)["message"]
        replaced = client.post("/simulate/trigger", json={**body, "replace_existing": True})
        assert replaced.status_code == 202, payload(replaced)
        board = get(client, "/leaderboard?market=sse50")
        assert [row["model"] for row in board["rankings"]] == ["momentum-20"]
        assert board["rankings"][0]["portfolio_value"] != 10_000  # CNY cash and lots now
        assert get(client, "/leaderboard")["rankings"] == []


class TestMarketsConfig:
    def test_files_and_rules_are_overridden(self, make_app: AppFactory, tmp_path: Path) -> None:
        bundled = get(make_app().test_client(), "/markets/sse50")
        config = tmp_path / "markets.json"
        config.write_text(json.dumps({"sse50": {"rules": {"initial_cash": 250_000}}}))
        client = make_app(markets_config=str(config)).test_client()

        assert get(client, "/markets/sse50")["rules"]["initial_cash"] == 250_000
        body = {"market": "sse50", "start_date": "2025-10-09", "end_date": "2025-10-10"}
        assert client.post("/simulate/trigger", json=body).status_code == 202
        board = get(client, "/leaderboard?market=sse50&date=2025-10-09")
        assert {row["portfolio_value"] for row in board["rankings"]} == {250_000}
        assert get(client, "/markets/sse50")["data"] == bundled["data"]

    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            ('{"moon": {}}', "unknown market 'moon'; known: nasdaq100, sse50, crypto10"),
            ('{"sse50": {"rules": {"lot_size": 0}}}', "lot_size"),
            ('{"sse50": {"rules": {"name": "x"}}}', "name"),
            ('{"sse50": ', "line 1"),
        ],
    )
    def test_a_bad_config_stops_the_start_naming_file_and_field(
        self, make_app: AppFactory, tmp_path: Path, content: str, expected: str
    ) -> None:
        config = tmp_path / "markets.json"
        config.write_text(content)
        with pytest.raises(MarketsConfigError, match=str(config)) as raised:
            make_app(markets_config=str(config))
        assert expected in str(raised.value)

    def test_a_relative_price_file_is_read_next_to_the_config(
        self, make_app: AppFactory, tmp_path: Path
    ) -> None:
        config = tmp_path / "markets.json"
        config.write_text(json.dumps({"crypto10": {"price_file": "missing.jsonl"}}))
        with pytest.raises(Exception, match=str(tmp_path / "missing.jsonl")):
            make_app(markets_config=str(config))


def test_health_reports_every_markets_data(client: FlaskClient) -> None:
    health = get(client, "/health")
    assert set(health["markets"]) == {
        "nasdaq100",
        "sse50",
        "crypto10",
        "nasdaq100_hourly",
        "sse50_hourly",
    }
    assert health["markets"]["crypto10"]["last_day"] == "2025-11-15"
    assert health["price_data"] == health["markets"]["nasdaq100"]
