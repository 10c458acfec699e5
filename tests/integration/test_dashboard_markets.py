"""The dashboard of each market: ?market= picks the leaderboard, curves and benchmark of one
market, in its currency, with a switch to the others; model pages in their market's terms."""

from __future__ import annotations

import html as markup
import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.market.catalog import CRYPTO10, DEFAULT_MARKET, MARKETS, NASDAQ100, SSE50
from service.market.directory import bundled_source
from service.resources.dashboard.chart import PALETTE
from tests.integration.conftest import PendingJob, Trigger, payload
from tests.integration.pages import SVG, chart, charts, element, model_rows, page, section, text

pytestmark = pytest.mark.integration

# Each market's job: days of its bundled data (CD5's file starts on 2025-11-01).
SPANS = {
    NASDAQ100.name: ("2025-09-22", "2025-09-26"),
    SSE50.name: ("2025-10-09", "2025-11-18"),
    CRYPTO10.name: ("2025-11-01", "2025-11-15"),
}
OTHER = [SSE50.name, CRYPTO10.name]
RULES_LINE = {
    NASDAQ100.name: "Values in USD · whole shares · benchmark QQQ",
    SSE50.name: "Values in CNY · lots of 100 shares · T+1 · benchmark 000016.SH",
    CRYPTO10.name: "Values in USDT · coins in steps of 0.0001 · trades every day · benchmark CD5",
}
TAB = re.compile(r'<a class="market-tab( current)?" data-market="([^"]+)" href="([^"]+)"(.*?)</a>')
BENCHMARK_ROW = re.compile(r'<tr class="benchmark-row">(.*?)</tr>', re.S)
DAY_FORM = re.compile(r'<form class="inline" method="get" action="/dashboard">(.*?)</form>', re.S)
BACK = re.compile(r'<a id="back" href="([^"]+)">([^<]+)</a>')


def shown(value: float, currency: str) -> str:
    """An amount as the pages write it in currency: its sign before, or its code after."""
    number = f"{value:,.2f}"
    signs = {"USD": "$", "CNY": "¥"}
    return f"{signs[currency]}{number}" if currency in signs else f"{number} {currency}"


def board(client: FlaskClient, market: str, **query: str) -> dict[str, Any]:
    """GET /leaderboard of market."""
    response = client.get("/leaderboard", query_string={"market": market, **query})
    answer: dict[str, Any] = payload(response)
    return answer


def results(client: FlaskClient, model: str) -> list[dict[str, Any]]:
    """Every stored day of the model as /results?detail=full has it."""
    rows: list[dict[str, Any]] = payload(
        client.get("/results", query_string={"model": model, "detail": "full"})
    )
    return rows


def run(trigger: Trigger, market: str) -> None:
    """The market's enabled models over its span."""
    start, end = SPANS[market]
    assert trigger(market=market, start_date=start, end_date=end)["status"] == "completed"


@pytest.fixture
def ran(trigger: Trigger) -> None:
    """Every market's enabled models over its span."""
    for market in SPANS:
        run(trigger, market)


def market_page(client: FlaskClient, market: str, status: int = 200, **query: str) -> str:
    """The dashboard of market (with ?date and the like)."""
    response = client.get("/dashboard", query_string={"market": market, **query})
    assert response.status_code == status, response.text
    assert response.mimetype == "text/html"
    return response.text


def tabs(html: str) -> dict[str, tuple[bool, str, str]]:
    """The market switch: (current, link, visible text) by market, in the page's order."""
    return {
        name: (bool(current), markup.unescape(href), text(rest.split(">", 1)[1]))
        for current, name, href, rest in TAB.findall(html)
    }


def benchmark_row(html: str) -> str:
    """The cells of the leaderboard's benchmark row."""
    found = BENCHMARK_ROW.search(html)
    assert found, "no benchmark row"
    return found.group(1)


@pytest.mark.usefixtures("ran")
@pytest.mark.parametrize("market", OTHER)
def test_rows_match_the_markets_leaderboard(client: FlaskClient, market: str) -> None:
    html = market_page(client, market)
    expected = board(client, market)
    currency = MARKETS[market].currency
    assert expected["currency"] == currency
    rows = model_rows(html)
    assert list(rows) == [ranking["model"] for ranking in expected["rankings"]]
    assert len(rows) == 3 and all(model.startswith(f"{market}-") for model in rows)
    for ranking in expected["rankings"]:
        cells = rows[ranking["model"]]
        assert shown(ranking["portfolio_value"], currency) in cells
        assert f"{ranking['cumulative_return_pct']:+.2f}%" in cells
        assert f'<td class="num">{ranking["rank"]}</td>' in cells
        assert "$" not in text(cells)  # no value in dollars (and no cost is known)
    assert f'id="leaderboard-date">{expected["date"]}<' in html
    assert text(element(html, "market-rules")) == RULES_LINE[market]


@pytest.mark.usefixtures("ran")
def test_the_default_market_is_nasdaq100_alone(client: FlaskClient) -> None:
    expected = [row["model"] for row in board(client, DEFAULT_MARKET)["rankings"]]
    for html in (page(client, "/"), page(client, "/dashboard"), market_page(client, "nasdaq100")):
        assert list(model_rows(html)) == expected
        assert "NASDAQ-100 leaderboard" in html and 'id="currency">USD<' in html
        assert "QQQ benchmark" in text(benchmark_row(html))


@pytest.mark.usefixtures("ran")
@pytest.mark.parametrize("market", OTHER)
def test_the_benchmark_is_the_markets_with_its_initial_cash(
    client: FlaskClient, market: str
) -> None:
    rules = MARKETS[market]
    prices = bundled_source(rules).prices()
    start, end = SPANS[market]
    first = prices.close_on_or_before(rules.benchmark, start) or 0
    last = prices.close_on_or_before(rules.benchmark, end) or 0
    html = market_page(client, market)
    row = benchmark_row(html)
    assert f"{rules.benchmark} benchmark" in text(row) and f"since {start}" in text(row)
    assert shown(rules.initial_cash * last / first, rules.currency) in row
    change = board(client, market)["benchmark"]["cumulative_return_pct"]
    assert change == pytest.approx((last / first - 1) * 100, abs=1e-4)
    assert f"{change:+.2f}%" in row


@pytest.mark.usefixtures("ran")
@pytest.mark.parametrize("market", list(SPANS))
def test_the_charts_draw_the_markets_models_and_benchmark_only(
    client: FlaskClient, market: str
) -> None:
    rules = MARKETS[market]
    html = market_page(client, market)
    label = f"{rules.benchmark} (benchmark)"
    for svg in charts(html):
        drawn = [path.get("data-model") or "" for path in svg.findall(f".//{SVG}path")]
        assert sorted(drawn) == sorted([*model_rows(html), label])
        legend = svg.findall(f".//{SVG}g[@class='legend-entry']")
        assert [entry.findtext(f"{SVG}title") for entry in legend] == [*model_rows(html), label]
        labels = [node.text or "" for node in svg.iter(f"{SVG}text")]
        assert SPANS[market][0] in labels and SPANS[market][1] in labels
        titles = " ".join(node.text or "" for node in svg.iter(f"{SVG}title"))
        assert "$" not in titles or market == NASDAQ100.name


@pytest.mark.usefixtures("ran")
def test_value_axes_are_in_the_markets_currency(client: FlaskClient) -> None:
    def axis(market: str) -> list[str]:
        svg = chart(market_page(client, market))
        return [
            node.text or ""
            for node in svg.iter(f"{SVG}text")
            if node.get("text-anchor") == "end" or node.get("class") == "unit"
        ]

    nasdaq, sse, crypto = axis("nasdaq100"), axis("sse50"), axis("crypto10")
    assert all(re.fullmatch(r"\$[\d,]+", label) for label in nasdaq)
    # A hundred thousand yuan, to the yuan: '¥100,000', not '$100,000' nor '¥1e+05'.
    assert all(re.fullmatch(r"¥\d{2,3},\d{3}", label) for label in sse), sse
    # USDT has no sign: the axis is named once, above the numbers.
    assert crypto[-1] == "USDT"
    assert all(re.fullmatch(r"\d{2},\d{3}", label) for label in crypto[:-1]), crypto


@pytest.mark.usefixtures("ran")
@pytest.mark.parametrize("market", list(SPANS))
def test_the_switch_links_every_market_and_marks_this_one(client: FlaskClient, market: str) -> None:
    switch = tabs(market_page(client, market))
    assert list(switch) == list(MARKETS)
    for name, (current, link, label) in switch.items():
        assert current is (name == market)
        assert link == ("/dashboard" if name == DEFAULT_MARKET else f"/dashboard?market={name}")
        count = len(board(client, name)["rankings"])
        assert label == f"{MARKETS[name].label} {count}"
        assert count in ((3, 4) if name in SPANS else (0,))
    html = market_page(client, market)
    assert f'data-market="{market}" href=' in html and html.count('aria-current="page"') == 1


def test_the_switch_counts_timelines_as_they_are_stored(
    client: FlaskClient, trigger: Trigger
) -> None:
    assert {name: label for name, (_, _, label) in tabs(page(client)).items()} == {
        "nasdaq100": "NASDAQ-100 0",
        "sse50": "SSE-50 0",
        "crypto10": "Crypto-10 0",
        "nasdaq100_hourly": "NASDAQ-100 hourly 0",
        "sse50_hourly": "SSE-50 hourly 0",
    }
    run(trigger, SSE50.name)
    assert tabs(page(client))["sse50"][2] == "SSE-50 3"
    assert tabs(page(client))["crypto10"][2] == "Crypto-10 0"


@pytest.mark.parametrize("bad", ["nyse", "SSE50", "<b>x</b>"])
def test_an_unknown_market_is_a_400_page_listing_the_known_ones(
    client: FlaskClient, bad: str
) -> None:
    html = market_page(client, bad, 400)
    message = text(section(html, "message"))
    assert f"Unknown market {bad!r}" in message
    assert "nasdaq100, sse50, crypto10" in message
    for name, rules in MARKETS.items():
        link = "/dashboard" if name == DEFAULT_MARKET else f"/dashboard?market={name}"
        assert f'<a href="{link}">The {rules.label} leaderboard</a>' in html
    assert "<b>x</b>" not in html


@pytest.mark.parametrize("market", list(SPANS))
def test_an_empty_market_says_how_to_start_a_job_on_it(client: FlaskClient, market: str) -> None:
    rules = MARKETS[market]
    html = market_page(client, market)
    assert text(element(html, "market-rules")) == RULES_LINE[market]
    empty = text(section(html, "empty-state"))
    assert f"No results yet on {rules.label}" in empty
    body = re.search(r"-d '(\{.*?\})'", empty)
    assert body, empty
    example = markup.unescape(body.group(1))
    assert example.startswith(f'{{"market": "{market}", "start_date": "')
    # The example is a job the service takes, on days with the market's benchmark.
    response = client.post("/simulate/trigger", json=json.loads(example))
    assert response.status_code == 202, response.json
    html = market_page(client, market)
    assert model_rows(html) and benchmark_row(html)


@pytest.mark.parametrize("market", OTHER)
def test_a_market_stays_empty_while_another_has_results(
    client: FlaskClient, trigger: Trigger, market: str
) -> None:
    run(trigger, NASDAQ100.name)
    html = market_page(client, market)
    assert f'"market": "{market}"' in markup.unescape(section(html, "empty-state"))
    assert not model_rows(html) and "equity-chart" not in html
    assert 'id="job"' in html  # the latest job is shown whatever its market


def test_a_pending_job_on_another_market_leaves_the_instructions(
    client: FlaskClient, pending_job: PendingJob
) -> None:
    pending_job("2025-09-03", "2025-09-02", ("qqq-buy-and-hold",))  # on nasdaq100
    here = section(page(client), "empty-state")
    assert "has not stored a day on NASDAQ-100 yet" in here and "curl" not in here
    there = markup.unescape(section(market_page(client, "sse50"), "empty-state"))
    assert "curl" in there and '"market": "sse50"' in there and "job above" not in there
    assert 'id="job-markets">NASDAQ-100<' in market_page(client, "sse50")


@pytest.mark.usefixtures("ran")
def test_links_keep_the_market(client: FlaskClient) -> None:
    end = SPANS["sse50"][1]
    html = market_page(client, "sse50", date="2025-10-20")
    # The day picker sends the market with the date.
    form = DAY_FORM.search(html)
    assert form and '<input type="hidden" name="market" value="sse50">' in form.group(1)
    latest = re.search(r'<a id="latest-day" href="([^"]+)">newest stored day ([^<]+)<', html)
    assert latest and latest.groups() == ("/dashboard?market=sse50", end)
    assert 'href="/leaderboard?market=sse50">Leaderboard JSON<' in html
    for model, cells in model_rows(html).items():
        link = re.search(r'<a class="button open" href="([^"]+)"', cells)
        assert link and link.group(1) == f"/dashboard/models/{model}?date=2025-10-20"
        back = BACK.search(page(client, markup.unescape(link.group(1))))
        assert back and markup.unescape(back.group(1)) == "/dashboard?date=2025-10-20&market=sse50"
    before = market_page(client, "sse50", date="2025-10-01")
    assert "No results on or before 2025-10-01" in before
    assert f'<a href="/dashboard?market=sse50">Show the newest day, {end}</a>' in before
    assert 'name="market"' not in page(client, "/dashboard")  # the default needs none


@pytest.mark.usefixtures("ran")
def test_a_bad_date_on_a_market_links_back_to_it(client: FlaskClient) -> None:
    html = market_page(client, "crypto10", 400, date="2025-13-01")
    assert "use YYYY-MM-DD" in html and 'href="/dashboard?market=crypto10"' in html


@pytest.mark.usefixtures("ran")
def test_the_crypto_model_page_keeps_the_coins_decimals(client: FlaskClient) -> None:
    model = "crypto10-momentum-20"
    day = next(row for row in results(client, model) if row["trades"])
    assert any(not float(t["amount"]).is_integer() for t in day["trades"])
    html = page(client, f"/dashboard/models/{model}?date={day['date']}")
    trades = text(section(html, "trades"))
    for trade in day["trades"]:
        amount = f"{trade['amount']:,.4f}"
        value = shown(trade["amount"] * trade["price"], "USDT")
        assert f"{trade['symbol']} {amount} {shown(trade['price'], 'USDT')} {value}" in trades
    held = text(section(html, "holdings"))
    assert "Coins" in held and "Shares" not in held
    for symbol, quantity in day["holdings"].items():
        assert f"{symbol} {quantity:,.4f} " in held
    assert f"Total {shown(day['portfolio_value'], 'USDT')}" in held
    assert "$" not in held + trades
    assert "Crypto-10 · values in USDT · coins in steps of 0.0001 · trades every day" in text(html)
    assert 'id="currency">USDT<' in html


@pytest.mark.usefixtures("ran")
def test_coin_prices_below_one_keep_four_decimals(client: FlaskClient) -> None:
    model = "crypto10-buy-and-hold"
    newest = results(client, model)[-1]
    quantity = newest["holdings"]["ADA-USDT"]
    close = bundled_source(CRYPTO10).prices().close("ADA-USDT", newest["date"]) or 0
    assert 0 < close < 1 and quantity > 1000
    held = text(section(page(client, f"/dashboard/models/{model}"), "holdings"))
    value = shown(quantity * close, "USDT")
    assert f"ADA-USDT {quantity:,.4f} {close:.4f} USDT {value}" in held


@pytest.mark.usefixtures("ran")
def test_the_sse50_model_page_shows_shares_in_lots(client: FlaskClient) -> None:
    model = "sse50-momentum-5"
    day = next(row for row in results(client, model) if row["trades"])
    html = page(client, f"/dashboard/models/{model}?date={day['date']}")
    trades = text(section(html, "trades"))
    for trade in day["trades"]:
        lots = trade["amount"] // 100
        count = f"{trade['amount']:,} {lots} lot{'s' if lots != 1 else ''}"
        assert f"{trade['symbol']} {count} {shown(trade['price'], 'CNY')}" in trades
    assert "SSE-50 · values in CNY · lots of 100 shares · T+1" in text(html)
    back = BACK.search(html)
    assert back and markup.unescape(back.group(1)) == f"/dashboard?date={day['date']}&market=sse50"
    assert back.group(2) == f"← SSE-50 leaderboard on {day['date']}"
    assert 'href="/leaderboard?market=sse50">Leaderboard JSON<' in html


@pytest.mark.usefixtures("ran")
def test_a_missing_day_of_a_model_links_to_its_market(client: FlaskClient) -> None:
    html = page(client, "/dashboard/models/crypto10-mock-llm?date=2025-10-01", 404)
    assert "crypto10-mock-llm has no stored day 2025-10-01" in html
    assert 'href="/dashboard?market=crypto10">The latest leaderboard<' in html


def test_colours_are_kept_per_market(client: FlaskClient, trigger: Trigger) -> None:
    def colours(market: str) -> dict[str, str]:
        svg = chart(market_page(client, market))
        return {
            path.get("data-model") or "": path.get("stroke") or ""
            for path in svg.findall(f".//{SVG}path")
            if "benchmark" not in (path.get("class") or "")
        }

    run(trigger, SSE50.name)
    before = colours("sse50")
    run(trigger, NASDAQ100.name)  # registered later, on another market
    run(trigger, CRYPTO10.name)
    assert colours("sse50") == before
    # Each market's colour slots start at the palette's first: none is taken by another.
    for market in SPANS:
        assert sorted(colours(market).values()) == sorted(PALETTE[: len(colours(market))])
    html = market_page(client, "sse50")
    for model, colour in before.items():
        assert f'stroke="{colour}"' in model_rows(html)[model]
        assert f'stroke="{colour}"' in page(client, f"/dashboard/models/{model}").split("<h1>")[1]
