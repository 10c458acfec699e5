"""The model-day page: trades, valued holdings and the conversation, as HTML, not JSON."""

from __future__ import annotations

import html as markup
import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.market.prices import PriceData
from tests.integration.conftest import Trigger, payload
from tests.integration.pages import model_rows, money, page, section, text

pytestmark = pytest.mark.integration

START, END = "2025-09-22", "2025-09-26"
MODELS = ["mock-llm", "momentum-20"]
CALL = re.compile(
    r'<div class="call">.*?<code class="name">([^<]+)</code> <code class="args">(.*?)</code>'
    r'.*?<pre class="result">(.*?)</pre>',
    re.S,
)


@pytest.fixture
def ran(trigger: Trigger) -> None:
    """The mock LLM and a momentum model simulated from START to END."""
    assert trigger(models=MODELS, start_date=START, end_date=END)["status"] == "completed"


def full(client: FlaskClient, model: str, day: str) -> dict[str, Any]:
    """What /results?detail=full says about the model-day."""
    query = {"model": model, "date": day, "detail": "full"}
    rows: list[dict[str, Any]] = payload(client.get("/results", query_string=query))
    assert len(rows) == 1
    return rows[0]


def trading_day(client: FlaskClient, model: str) -> str:
    """The first day the model traded."""
    rows = payload(client.get("/results", query_string={"model": model, "detail": "full"}))
    return next(row["date"] for row in rows if row["trades"])


@pytest.mark.usefixtures("ran")
def test_open_leads_to_the_page_of_the_rows_day(client: FlaskClient) -> None:
    rows = model_rows(page(client))
    for model in MODELS:
        link = f'href="/dashboard/models/{model}?date={END}"'
        assert link in rows[model] and ">Open</a>" in rows[model]
    assert "/results" not in "".join(rows.values())


@pytest.mark.usefixtures("ran")
def test_trades_are_a_table_with_values(client: FlaskClient) -> None:
    day = trading_day(client, "momentum-20")
    trades = text(section(page(client, f"/dashboard/models/momentum-20?date={day}"), "trades"))
    expected = full(client, "momentum-20", day)["trades"]
    assert expected
    for trade in expected:
        row = f"{trade['action_type']} {trade['symbol']} {trade['amount']} {money(trade['price'])}"
        assert f"{row} {money(trade['amount'] * trade['price'])}" in trades


@pytest.mark.usefixtures("ran")
def test_holdings_are_valued_at_the_days_close(client: FlaskClient, price_data: PriceData) -> None:
    day = trading_day(client, "momentum-20")
    held = text(section(page(client, f"/dashboard/models/momentum-20?date={day}"), "holdings"))
    result = full(client, "momentum-20", day)
    assert result["holdings"]
    total = result["cash"]
    for symbol, quantity in result["holdings"].items():
        close = price_data.close(symbol, day) or 0
        assert f"{symbol} {quantity} {money(close)} {money(quantity * close)}" in held
        total += quantity * close
    assert f"Cash {money(result['cash'])}" in held
    assert f"Total {money(result['portfolio_value'])}" in held
    assert total == pytest.approx(result["portfolio_value"], abs=0.01)


@pytest.mark.usefixtures("ran")
def test_conversation_shows_each_message_and_each_call_with_its_result(
    client: FlaskClient,
) -> None:
    day = trading_day(client, "mock-llm")
    talk = section(page(client, f"/dashboard/models/mock-llm?date={day}"), "conversation")
    reasoning = full(client, "mock-llm", day)["reasoning"]
    # The system prompt is there but folded away; nothing else is.
    assert re.search(r'<details class="msg system"><summary>System prompt</summary>', talk)
    assert "<details open" not in talk and talk.count("<details") == 1
    assistant = [row for row in reasoning if row["role"] == "assistant"]
    tools = [row for row in reasoning if row["role"] == "tool"]
    assert talk.count('<div class="msg assistant">') == len(assistant)
    assert talk.count('<div class="call">') == len(tools) >= 2
    assert 'class="msg tool"' not in talk  # every result sits with its call
    calls = [
        (name, json.loads(markup.unescape(arguments)), json.loads(markup.unescape(result)))
        for name, arguments, result in CALL.findall(talk)
    ]
    logged = [line for row in assistant for line in row["content"].split("\n")]
    arguments = [
        json.loads(line[line.index("(") + 1 : -1]) for line in logged if "[tool call]" in line
    ]
    assert calls == [
        (row["tool_name"], given, json.loads(row["content"]))
        for row, given in zip(tools, arguments, strict=True)
    ]
    assert markup.escape(logged[0]) in talk  # the text before the calls


@pytest.mark.usefixtures("ran")
def test_money_in_the_conversation_is_rounded_to_cents(client: FlaskClient) -> None:
    day = trading_day(client, "momentum-20")
    talk = text(section(page(client, f"/dashboard/models/momentum-20?date={day}"), "conversation"))
    stored = full(client, "momentum-20", day)["reasoning"][0]["content"]
    assert re.search(r"at \d+\.\d{4}", stored)  # the strategy writes four decimals
    assert not re.search(r"\d\.\d{3,}", talk)
    first = full(client, "momentum-20", day)["trades"][0]
    assert f"{first['symbol']} at {first['price']:.2f}" in talk


@pytest.mark.usefixtures("ran")
def test_previous_and_next_stored_day(client: FlaskClient) -> None:
    html = page(client, "/dashboard/models/mock-llm?date=2025-09-24")
    assert 'id="prev-day" href="/dashboard/models/mock-llm?date=2025-09-23"' in html
    assert 'id="next-day" href="/dashboard/models/mock-llm?date=2025-09-25"' in html
    first = page(client, f"/dashboard/models/mock-llm?date={START}")
    assert 'id="prev-day"' not in first and "holds only its starting cash" in first
    newest = page(client, "/dashboard/models/mock-llm")
    assert f'id="model-day">{END}<' in newest and 'id="next-day"' not in newest


@pytest.mark.usefixtures("ran")
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/dashboard/models/nobody", "No results for nobody"),
        ("/dashboard/models/mock-llm?date=2025-09-27", "mock-llm has no stored day 2025-09-27"),
        ("/dashboard/models/mock-llm?date=2025-06-02", "mock-llm has no stored day 2025-06-02"),
    ],
)
def test_unknown_model_or_day_is_a_404_page(client: FlaskClient, path: str, message: str) -> None:
    html = page(client, path, 404)
    assert message in html and 'href="/dashboard"' in html


@pytest.mark.parametrize("bad", ["2025-13-01", "<b>x</b>"])
def test_bad_date_is_a_400_page(client: FlaskClient, bad: str) -> None:
    response = client.get("/dashboard/models/mock-llm", query_string={"date": bad})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "use YYYY-MM-DD" in response.text and "<b>x</b>" not in response.text


@pytest.mark.usefixtures("ran")
def test_the_page_follows_the_same_policy(client: FlaskClient) -> None:
    response = client.get("/dashboard/models/mock-llm")
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce and "default-src 'none'" in policy
    assert response.text.count(f'nonce="{nonce.group(1)}"') == 2
    assert response.headers["Cache-Control"] == "no-store"
