"""How sure a result is, through the API: /metrics and /leaderboard with=uncertainty, and
aggregate=true."""

from __future__ import annotations

import numpy as np
import pytest
from flask.testing import FlaskClient

from service.market.prices import PriceData
from service.results.uncertainty import BootstrapOptions, RunReturns, run_uncertainty
from tests.integration.conftest import Trigger, payload

pytestmark = pytest.mark.integration
RANGE = {"start_date": "2025-08-01", "end_date": "2025-10-29"}
MODELS = ["momentum-20", "qqq-buy-and-hold", "equal-weight-10"]


@pytest.fixture
def ran(trigger: Trigger) -> None:
    trigger(models=MODELS, **RANGE)


def independent_uncertainty(
    client: FlaskClient, price_data: PriceData, model: str, resamples: int, seed: int
) -> dict[str, object]:
    """The same figures from the stored series and the price file, not from the metrics code."""
    series = payload(client.get(f"/portfolio/timeseries?model={model}"))["series"]
    values = np.array([point["portfolio_value"] for point in series])
    qqq = np.array([price_data.close("QQQ", point["date"]) for point in series])
    run = RunReturns(values[1:] / values[:-1] - 1, qqq[1:] / qqq[:-1] - 1, 0.0, 252)
    return run_uncertainty(run, BootstrapOptions(resamples, seed))


@pytest.mark.usefixtures("ran")
def test_metrics_with_uncertainty_match_the_stored_series(
    client: FlaskClient, price_data: PriceData
) -> None:
    answer = payload(client.get("/metrics?model=momentum-20&with=uncertainty&resamples=500"))
    section = answer["uncertainty"]
    expected = independent_uncertainty(client, price_data, "momentum-20", 500, 0)
    assert section["periods"] == answer["trading_days"] - 1 == 62
    assert section["resamples"] == 500 and section["seed"] == 0
    for name in ("total_return_pct", "sharpe", "excess_return_pct"):
        # The API's series is rounded to cents: the intervals agree to a few hundredths.
        assert section[name]["low"] == pytest.approx(expected[name]["low"], abs=0.02)
        assert section[name]["high"] == pytest.approx(expected[name]["high"], abs=0.02)
    assert section["total_return_pct"]["low"] < answer["total_return_pct"]
    assert answer["total_return_pct"] < section["total_return_pct"]["high"]
    assert section["probabilistic_sharpe"] == pytest.approx(
        expected["probabilistic_sharpe"], abs=1e-3
    )
    assert section["beats_benchmark"] in (True, False, "undetermined")
    assert section["reasons"] == {}


@pytest.mark.usefixtures("ran")
def test_the_seed_makes_the_answer_reproducible(client: FlaskClient) -> None:
    base = "/metrics?model=equal-weight-10&with=uncertainty&resamples=300"
    first = payload(client.get(f"{base}&seed=5"))["uncertainty"]
    other = payload(client.get(f"{base}&seed=6"))["uncertainty"]
    assert payload(client.get(f"{base}&seed=5"))["uncertainty"] == first
    assert other["seed"] == 6 and other["total_return_pct"] != first["total_return_pct"]


@pytest.mark.usefixtures("ran")
def test_without_the_option_no_bootstrap_is_done(client: FlaskClient) -> None:
    assert payload(client.get("/metrics?model=momentum-20"))["uncertainty"] is None


def test_a_run_too_short_for_an_interval_says_why(client: FlaskClient, trigger: Trigger) -> None:
    trigger(models=["momentum-20"], start_date="2025-10-20", end_date="2025-10-24")
    section = payload(client.get("/metrics?model=momentum-20&with=uncertainty"))["uncertainty"]
    assert section["total_return_pct"] is None and section["beats_benchmark"] is None
    assert section["reasons"]["total_return_pct"] == (
        "4 returns: an interval or a test needs at least 10"
    )


@pytest.mark.parametrize(
    "query", ["with=everything", "with=uncertainty&resamples=99", "resamples=10001", "seed=-1"]
)
def test_bad_bootstrap_arguments_are_422(client: FlaskClient, query: str) -> None:
    response = client.get(f"/metrics?{query}")
    assert response.status_code == 422, payload(response)


@pytest.mark.usefixtures("ran")
def test_leaderboard_with_uncertainty_and_the_deflated_sharpe(client: FlaskClient) -> None:
    board = payload(client.get("/leaderboard?with=uncertainty&resamples=200"))
    assert [ranking["uncertainty"]["periods"] for ranking in board["rankings"]] == [62, 62, 62]
    deflated = board["deflated_sharpe"]
    metrics = {m["model"]: m["sharpe"] for m in payload(client.get("/metrics"))}
    best = max(metrics, key=lambda model: metrics[model])
    assert deflated["trials"] == 3 and deflated["model"] == best
    assert deflated["sharpe"] == pytest.approx(metrics[best], abs=1e-3)
    assert 0 <= deflated["probability"] <= 1 and deflated["expected_max_sharpe"] > 0
    assert "deflated_sharpe" not in payload(client.get("/leaderboard"))


@pytest.mark.usefixtures("ran")
def test_aggregate_of_single_runs_is_one_group_each(client: FlaskClient) -> None:
    board = payload(client.get("/leaderboard?aggregate=true"))
    groups = {group["model"]: group for group in board["groups"]}
    assert set(groups) == set(MODELS)
    ranking = {r["model"]: r for r in board["rankings"]}
    for model, group in groups.items():
        assert group["runs"] == 1 and group["signatures"] == [model]
        assert group["total_return_pct"]["mean"] == ranking[model]["cumulative_return_pct"]
        assert group["total_return_pct"]["interval"] is None
        expected = (
            ranking[model]["cumulative_return_pct"] - board["benchmark"]["cumulative_return_pct"]
        )
        assert group["excess_return_pct"]["mean"] == pytest.approx(expected, abs=1e-3)
    assert [g["rank"] for g in board["groups"]] == [1, 2, 3]
    assert len(board["comparisons"]) == 3
    metric_groups = payload(client.get("/metrics?aggregate=true"))
    assert {group["model"] for group in metric_groups} == set(MODELS)
    assert all(group["sharpe"]["n"] == 1 for group in metric_groups)
