"""GET /results: filters, pagination, fields, holdings and P&L consistency."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.integration.conftest import Trigger, payload

pytestmark = pytest.mark.integration

QQQ, MOMENTUM, EQUAL = "qqq-buy-and-hold", "momentum-20", "equal-weight-10"
ITEM_FIELDS = {
    *("job_id", "model", "date", "cash", "portfolio_value", "daily_profit", "daily_return_pct"),
    *("cumulative_profit", "cumulative_return_pct", "holdings"),
}
CENT = 0.011  # each side was rounded to cents


@pytest.fixture
def jobs(trigger: Trigger) -> tuple[str, str]:
    """Job A: QQQ and momentum 09-02..09-05; job B resumes them to 09-10, equal-weight joins."""
    first = trigger(models=[QQQ, MOMENTUM], start_date="2025-09-02", end_date="2025-09-05")
    second = trigger(models=[QQQ, MOMENTUM, EQUAL], start_date=None, end_date="2025-09-10")
    return first["job_id"], second["job_id"]


def get_results(client: FlaskClient, **query: Any) -> list[dict[str, Any]]:
    """The items of a 200 answer."""
    response = client.get("/results", query_string=query)
    assert response.status_code == 200, payload(response)
    items: list[dict[str, Any]] = payload(response)
    return items


def keys(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(date, model) of each item."""
    return [(item["date"], item["model"]) for item in items]


@pytest.mark.usefixtures("jobs")
class TestFilters:
    """Each filter narrows the model-days; results come by date then model."""

    def test_all_model_days_by_date_then_model(self, client: FlaskClient) -> None:
        items = get_results(client, page_size=100)

        assert len(items) == 15
        assert keys(items) == sorted(keys(items))
        assert all(set(item) >= ITEM_FIELDS for item in items)

    def test_job_id(self, client: FlaskClient, jobs: tuple[str, str]) -> None:
        first, second = jobs

        assert {item["job_id"] for item in get_results(client, job_id=first)} == {first}
        assert len(get_results(client, job_id=first)) == 8
        assert len(get_results(client, job_id=second)) == 7

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"model": QQQ}, 7),
            ({"model": EQUAL}, 1),
            ({"date": "2025-09-10"}, 3),
            ({"date": "2025-09-02"}, 2),
            ({"start_date": "2025-09-08"}, 7),
            ({"end_date": "2025-09-03"}, 4),
            ({"start_date": "2025-09-04", "end_date": "2025-09-08"}, 6),
            ({"model": MOMENTUM, "start_date": "2025-09-05", "end_date": "2025-09-09"}, 3),
        ],
    )
    def test_filter(self, client: FlaskClient, query: dict[str, str], expected: int) -> None:
        items = get_results(client, **query)

        assert len(items) == expected
        for item in items:
            assert item["model"] == query.get("model", item["model"])
            assert item["date"] == query.get("date", item["date"])
            assert query.get("start_date", "0") <= item["date"] <= query.get("end_date", "9")

    @pytest.mark.parametrize(
        "query",
        [{"model": "random-1"}, {"date": "2025-09-06"}, {"start_date": "2025-09-11"}],
    )
    def test_no_match_is_an_empty_list(self, client: FlaskClient, query: dict[str, str]) -> None:
        response = client.get("/results", query_string=query)

        assert response.status_code == 200 and payload(response) == []
        assert json.loads(response.headers["X-Pagination"])["total"] == 0

    def test_unknown_job_is_404(self, client: FlaskClient) -> None:
        response = client.get("/results", query_string={"job_id": "no-such-job"})

        assert response.status_code == 404
        assert "no-such-job" in payload(response)["message"]

    def test_a_date_of_the_right_form_naming_no_day_is_400(self, client: FlaskClient) -> None:
        response = client.get("/results", query_string={"date": "2025-02-30"})

        assert response.status_code == 400
        assert payload(response)["errors"]["query"]["date"] == [
            "2025-02-30 is not a day of the calendar"
        ]

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            pytest.param(
                {"date": "2025-9-2"},
                "date",
                id="unpadded-date",
            ),
            ({"start_date": "yesterday"}, "start_date"),
            ({"end_date": "2025-09-10T00:00"}, "end_date"),
            ({"page_size": 0}, "page_size"),
            ({"page_size": "ten"}, "page_size"),
            ({"page": 0}, "page"),
            ({"model": "bad sig!"}, "model"),
            ({"modle": QQQ}, "modle"),
        ],
    )
    def test_bad_query_is_422(self, client: FlaskClient, query: dict[str, Any], field: str) -> None:
        response = client.get("/results", query_string=query)

        assert response.status_code == 422
        assert field in payload(response)["message"]


@pytest.mark.usefixtures("jobs")
class TestPagination:
    """page and page_size, with the X-Pagination header."""

    def test_header_and_pages(self, client: FlaskClient) -> None:
        response = client.get("/results", query_string={"page_size": 4, "page": 2})

        header = json.loads(response.headers["X-Pagination"])
        assert header["total"] == 15 and header["total_pages"] == 4
        assert header["page"] == 2 and header["previous_page"] == 1 and header["next_page"] == 3
        assert len(payload(response)) == 4

    def test_pages_add_up_to_the_whole(self, client: FlaskClient) -> None:
        pages = [get_results(client, page_size=4, page=page) for page in (1, 2, 3, 4)]

        assert [len(page) for page in pages] == [4, 4, 4, 3]
        assert sum(pages, []) == get_results(client, page_size=100)

    def test_page_after_the_last_is_empty(self, client: FlaskClient) -> None:
        response = client.get("/results", query_string={"page_size": 4, "page": 5})

        assert response.status_code == 200 and payload(response) == []
        assert json.loads(response.headers["X-Pagination"])["total"] == 15


@pytest.mark.usefixtures("jobs")
class TestContent:
    """What each item says agrees with the stored rows and with the P&L rules."""

    def test_holdings_match_the_end_of_day_positions(
        self, client: FlaskClient, db: sqlite3.Connection
    ) -> None:
        for item in get_results(client, page_size=100):
            row = db.execute(
                "SELECT id, cash FROM positions WHERE model = ? AND date = ?"
                " ORDER BY action_id DESC LIMIT 1",
                (item["model"], item["date"]),
            ).fetchone()
            held = db.execute(
                "SELECT symbol, quantity FROM holdings WHERE position_id = ?", (row["id"],)
            )
            assert item["holdings"] == {symbol: quantity for symbol, quantity in held}
            assert item["cash"] == round(row["cash"], 2)

    def test_someone_holds_something(self, client: FlaskClient) -> None:
        last = get_results(client, model=QQQ, date="2025-09-10")[0]

        assert list(last["holdings"]) == ["QQQ"] and last["holdings"]["QQQ"] > 0

    @pytest.mark.parametrize("model", [QQQ, MOMENTUM, EQUAL])
    def test_profit_and_loss_add_up(self, client: FlaskClient, model: str) -> None:
        items = get_results(client, model=model)
        first = items[0]

        assert (first["daily_profit"], first["cumulative_profit"]) == (0.0, 0.0)
        previous = first["portfolio_value"]
        for item in items:
            value = item["portfolio_value"]
            assert item["cumulative_profit"] == pytest.approx(value - 10000, abs=CENT)
            assert item["cumulative_return_pct"] == pytest.approx(
                item["cumulative_profit"] / 100, abs=0.001
            )
            assert item["daily_profit"] == pytest.approx(value - previous, abs=CENT)
            assert item["daily_return_pct"] == pytest.approx(
                item["daily_profit"] / previous * 100, abs=0.001
            )
            previous = value
