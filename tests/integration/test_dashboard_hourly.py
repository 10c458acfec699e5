"""The dashboard of the hourly markets: ?date= a day (its last bar) or a bar, the bar named, a
day and bar picker, curves of every bar with the days shaded and labelled, the benchmark per bar
(QQQ's own bars; the SSE-50 index's daily close as steps), model pages stepping through bars."""

from __future__ import annotations

import html as markup
import json
import re
import xml.etree.ElementTree as ET
from itertools import pairwise
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.market.calendar import day_of
from service.market.catalog import MARKETS, NASDAQ100_HOURLY, SSE50_HOURLY
from service.market.directory import bundled_source
from tests.integration.conftest import Trigger, payload
from tests.integration.pages import SVG, charts, element, model_rows, page, section, text

pytestmark = pytest.mark.integration

HOURLY = [NASDAQ100_HOURLY.name, SSE50_HOURLY.name]
SPANS = {
    NASDAQ100_HOURLY.name: ("2025-10-01", "2025-10-10"),
    SSE50_HOURLY.name: ("2025-10-13", "2025-10-24"),
}
TIMES = {
    NASDAQ100_HOURLY.name: ["10:00:00", "11:00:00", "12:00:00", "13:00:00", "14:00:00", "15:00:00"],
    SSE50_HOURLY.name: ["10:30:00", "11:30:00", "14:00:00", "15:00:00"],
}
# A bar inside each span and when it trades (NASDAQ-100's bars are named by their start, the
# SSE-50's by their end).
A_BAR = {
    NASDAQ100_HOURLY.name: ("2025-10-03 12:00:00", "12:00–13:00, bar 3 of 6 of the day"),
    SSE50_HOURLY.name: ("2025-10-16 11:30:00", "10:30–11:30, bar 2 of 4 of the day"),
}
LAST_BAR = {NASDAQ100_HOURLY.name: "15:00–16:00", SSE50_HOURLY.name: "14:00–15:00"}
DAY_FORM = re.compile(r'<form class="inline" method="get" action="/dashboard">(.*?)</form>', re.S)
OPEN = re.compile(r'<a class="button open" href="([^"]+)"')
BACK = re.compile(r'<a id="back" href="([^"]+)">([^<]+)</a>')
POINT = re.compile(r"([\d.]+),([\d.]+)")
GROUP = re.compile(
    r'<span class="market-group" data-bars="([^"]+)">(.*?)</span>\s*(?=<span class="market|</nav>)',
    re.S,
)


@pytest.fixture(params=HOURLY)
def hourly(request: pytest.FixtureRequest, trigger: Trigger) -> str:
    """An hourly market whose enabled models ran over its span."""
    market: str = request.param
    start, end = SPANS[market]
    assert trigger(market=market, start_date=start, end_date=end)["status"] == "completed"
    return market


def market_page(client: FlaskClient, market: str, status: int = 200, **query: str) -> str:
    """The dashboard of market (with ?date and the like)."""
    response = client.get("/dashboard", query_string={"market": market, **query})
    assert response.status_code == status, response.text
    return response.text


def board(client: FlaskClient, market: str, **query: str) -> dict[str, Any]:
    """GET /leaderboard of market."""
    answer: dict[str, Any] = payload(
        client.get("/leaderboard", query_string={"market": market, **query})
    )
    return answer


def bars_of(client: FlaskClient, model: str) -> list[str]:
    """Every stored bar of the model, oldest first."""
    rows = payload(client.get("/results", query_string={"model": model, "page_size": 500}))
    return [row["date"] for row in rows]


def shown(value: float, market: str) -> str:
    """An amount as the pages write it in the market's currency."""
    sign = {"USD": "$", "CNY": "¥"}[MARKETS[market].currency]
    return f"{sign}{value:,.2f}"


def points(svg: ET.Element, model: str) -> list[tuple[float, float]]:
    """The corners of a series' path."""
    path = svg.find(f".//{SVG}path[@data-model='{model}']")
    assert path is not None, model
    return [(float(x), float(y)) for x, y in POINT.findall(path.get("d") or "")]


def test_the_leaderboard_shows_the_newest_bar_and_names_it(
    client: FlaskClient, hourly: str
) -> None:
    html = market_page(client, hourly)
    expected = board(client, hourly)
    newest = expected["date"]
    assert newest == f"{SPANS[hourly][1]} 15:00:00"
    assert text(element(html, "leaderboard-date")) == newest
    assert text(element(html, "bar-named")) == f"({LAST_BAR[hourly]}, the day's last bar)"
    rows = model_rows(html)
    assert list(rows) == [row["model"] for row in expected["rankings"]]
    for ranking in expected["rankings"]:
        assert shown(ranking["portfolio_value"], hourly) in rows[ranking["model"]]
        assert f"{ranking['daily_return_pct']:+.2f}%" in rows[ranking["model"]]
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", html)
    assert "Hourly" in heads and "Daily" not in heads and heads[-1] == "Bar"
    assert "Ranked by end-of-bar portfolio value" in html


def test_a_day_shows_its_last_bar_and_a_bar_that_bar(client: FlaskClient, hourly: str) -> None:
    key, named = A_BAR[hourly]
    day = day_of(key)
    last = f"{day} 15:00:00"
    by_day = market_page(client, hourly, date=day)
    assert text(element(by_day, "leaderboard-date")) == last
    assert "the day's last bar" in text(element(by_day, "bar-named"))
    newest = board(client, hourly)["date"]
    assert f"newest stored bar {newest}" in text(by_day)
    for asked in ({"date": key}, {"date": key[:16]}, {"date": day, "bar": key[11:16]}):
        html = market_page(client, hourly, **asked)
        assert text(element(html, "leaderboard-date")) == key, asked
        assert text(element(html, "bar-named")) == f"({named})"
        expected = board(client, hourly, date=key)["rankings"]
        rows = model_rows(html)
        assert list(rows) == [row["model"] for row in expected]
        for ranking in expected:
            assert ranking["date"] == key
            assert shown(ranking["portfolio_value"], hourly) in rows[ranking["model"]]
    # The day's rankings are its last bar's, as /leaderboard?date=<day> has them.
    for ranking in board(client, hourly, date=day)["rankings"]:
        assert shown(ranking["portfolio_value"], hourly) in model_rows(by_day)[ranking["model"]]


def test_a_weekend_shows_the_friday_s_last_bar(client: FlaskClient, hourly: str) -> None:
    saturday = {NASDAQ100_HOURLY.name: "2025-10-04", SSE50_HOURLY.name: "2025-10-18"}[hourly]
    friday = {NASDAQ100_HOURLY.name: "2025-10-03", SSE50_HOURLY.name: "2025-10-17"}[hourly]
    html = market_page(client, hourly, date=saturday)
    assert text(element(html, "leaderboard-date")) == f"{friday} 15:00:00"


@pytest.mark.parametrize(
    "query",
    [{"date": "2025-10-03 25:00"}, {"date": "yesterday"}, {"date": "2025-10-03", "bar": "noon"}],
)
def test_a_bad_date_or_bar_is_a_400_page(client: FlaskClient, query: dict[str, str]) -> None:
    html = market_page(client, NASDAQ100_HOURLY.name, 400, **query)
    message = text(section(html, "message"))
    assert "use YYYY-MM-DD (the day's last bar) or YYYY-MM-DD HH:MM" in message or (
        "use HH:MM" in message
    )
    assert 'href="/dashboard?market=nasdaq100_hourly"' in html


def test_a_daily_market_still_takes_a_day_only(client: FlaskClient) -> None:
    html = market_page(client, "nasdaq100", 400, date="2025-09-24 12:00")
    assert "use YYYY-MM-DD, for example" in text(section(html, "message"))


def test_the_form_picks_a_day_and_a_bar(client: FlaskClient, hourly: str) -> None:
    key, _ = A_BAR[hourly]
    html = market_page(client, hourly, date=key)
    form = DAY_FORM.search(html)
    assert form, "no date form"
    fields = form.group(1)
    assert f'<input type="hidden" name="market" value="{hourly}">' in fields
    assert f'name="date" value="{day_of(key)}" max="{SPANS[hourly][1]}"' in fields
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]+)</option>', fields)
    assert [value for value, _, _ in options] == ["", *TIMES[hourly]]
    assert [label for _, _, label in options] == ["Last bar", *[t[:5] for t in TIMES[hourly]]]
    assert [value for value, chosen, _ in options if chosen] == [key[11:]]
    # What the form sends (its fields as a browser sends them) shows that bar.
    sent = market_page(client, hourly, date=day_of(key), bar=key[11:])
    assert text(element(sent, "leaderboard-date")) == key
    last = market_page(client, hourly, date=day_of(key), bar="")  # the picker's "Last bar"
    assert text(element(last, "leaderboard-date")) == f"{day_of(key)} 15:00:00"


def test_the_chart_plots_every_bar_with_the_days_shaded_and_labelled(
    client: FlaskClient, hourly: str
) -> None:
    html = market_page(client, hourly)
    models = list(model_rows(html))
    keys = bars_of(client, models[0])
    days = sorted({day_of(key) for key in keys})
    start, end = SPANS[hourly]
    assert days[0] == start and days[-1] == end and len(keys) == len(days) * len(TIMES[hourly])
    wide, compact = charts(html)
    for svg in (wide, compact):
        for model in models:
            assert len(points(svg, model)) == len(bars_of(client, model)) == len(keys)
        shaded = svg.findall(f".//{SVG}rect[@class='day-band']")
        assert [band.get("data-day") for band in shaded] == days[1::2]
        labels = svg.findall(f".//{SVG}text[@class='day-label']")
        labelled = [label.get("data-day") for label in labels]
        assert labelled[0] == start and set(labelled) <= set(days) and len(labelled) >= 2
        months = svg.findall(f".//{SVG}text[@class='month-label']")
        assert [month.text for month in months] == ["Oct 2025"]
        axis = [node.text or "" for node in svg.iter(f"{SVG}text")]
        assert not any(re.search(r"\d:\d\d", label) for label in axis)  # no bar's time
    assert len(wide.findall(f".//{SVG}text[@class='day-label']")) == len(days)
    assert "every other day is shaded" in text(section(html, "chart"))


def changes_at(svg: ET.Element, label: str) -> list[float]:
    """The x positions where a series' value changes."""
    return [x for (x, y), (_, after) in pairwise(points(svg, label)) if y != after]


def test_qqq_is_drawn_from_its_own_bars(client: FlaskClient, trigger: Trigger) -> None:
    market = NASDAQ100_HOURLY.name
    start, end = SPANS[market]
    trigger(market=market, start_date=start, end_date=end)
    html = market_page(client, market)
    label = "QQQ (benchmark)"
    prices = bundled_source(NASDAQ100_HOURLY).prices()
    keys = prices.trading_days_between(start, end)
    assert all(prices.close("QQQ", key) for key in keys)  # a close of its own at every bar
    for svg in charts(html):
        corners = points(svg, label)
        assert len(corners) == len(keys)  # a point a bar, joined straight: no steps
        assert len({x for x, _ in corners}) == len(keys)
    first, last = prices.close("QQQ", keys[0]) or 0, prices.close("QQQ", keys[-1]) or 0
    row = re.search(r'<tr class="benchmark-row">(.*?)</tr>', html, re.S)
    assert row and shown(NASDAQ100_HOURLY.initial_cash * last / first, market) in row.group(1)
    assert "step line" not in text(section(html, "chart"))


def test_the_sse50_index_is_a_step_at_each_closing_bar(
    client: FlaskClient, trigger: Trigger
) -> None:
    market = SSE50_HOURLY.name
    start, end = SPANS[market]
    trigger(market=market, start_date=start, end_date=end)
    html = market_page(client, market)
    label = "000016.SH (benchmark)"
    models = list(model_rows(html))
    keys = bars_of(client, models[0])
    for svg in charts(html):
        at = dict(zip([x for x, _ in points(svg, models[0])], keys, strict=True))
        corners = points(svg, label)
        assert len(corners) == 2 * len(keys) - 1
        for (x, y), (next_x, next_y) in pairwise(corners):
            assert x == next_x or y == next_y  # flat, or straight up or down
        changes = [at[x] for x in changes_at(svg, label)]
        assert changes and all(key.endswith(" 15:00:00") for key in changes)
        assert len(changes) >= len({day_of(key) for key in keys}) - 1
    assert "000016.SH has one close a day" in text(section(html, "chart"))
    assert "a step line" in text(section(html, "chart"))


def test_open_leads_to_the_models_bar_and_back(client: FlaskClient, hourly: str) -> None:
    key, named = A_BAR[hourly]
    html = market_page(client, hourly, date=key)
    for model, cells in model_rows(html).items():
        link = OPEN.search(cells)
        assert link, model
        href = markup.unescape(link.group(1))
        assert href == f"/dashboard/models/{model}?date={key.replace(' ', '+')}"
        opened = page(client, href)
        assert text(element(opened, "model-day")) == key
        assert text(element(opened, "bar-named")) == f"({named})"
        back = BACK.search(opened)
        assert back and markup.unescape(back.group(1)) == (
            f"/dashboard?date={key.replace(' ', '+')}&market={hourly}"
        )
        assert back.group(2) == f"← {MARKETS[hourly].label} leaderboard on {key}"
        returned = page(client, markup.unescape(back.group(1)))
        assert text(element(returned, "leaderboard-date")) == key


def model_page(client: FlaskClient, model: str, status: int = 200, **query: str) -> str:
    """A model's page."""
    response = client.get(f"/dashboard/models/{model}", query_string=query)
    assert response.status_code == status, response.text
    return response.text


def link(html: str, rel: str) -> str | None:
    """Where the previous or next button leads (None when disabled)."""
    found = re.search(rf'id="{rel}-day" href="([^"]+)"', html)
    return markup.unescape(found.group(1)).split("?date=")[1].replace("+", " ") if found else None


def test_the_model_page_steps_through_bars(client: FlaskClient, hourly: str) -> None:
    model = f"{hourly}-mock-llm"
    keys = bars_of(client, model)
    newest = model_page(client, model)
    assert text(element(newest, "model-day")) == keys[-1]
    assert link(newest, "prev") == keys[-2] and link(newest, "next") is None
    assert "Next bar →" in newest and "← Previous bar" in newest
    first = model_page(client, model, date=keys[0])
    assert link(first, "prev") is None and link(first, "next") == keys[1]
    assert "the model's first bar holds only its starting cash" in text(first)
    # Across a night: a day's first bar comes after the day before's last.
    times = len(TIMES[hourly])
    morning = keys[times]
    html = model_page(client, model, date=morning)
    assert link(html, "prev") == keys[times - 1] and link(html, "next") == keys[times + 1]
    # Walking on with next visits every bar once, in order.
    seen, at = [], keys[0]
    while at:
        seen.append(at)
        at = link(model_page(client, model, date=at), "next")
    assert seen == keys


def test_the_model_page_names_its_bar_in_the_bars_terms(client: FlaskClient, hourly: str) -> None:
    model = f"{hourly}-mock-llm"
    key, named = A_BAR[hourly]
    html = model_page(client, model, date=key)
    row = payload(client.get("/results", query_string={"model": model, "date": key}))[0]
    assert f"<title>{model} on {key}" in html
    assert text(element(html, "bar-named")) == f"({named})"
    stats = text(section(html, "summary"))
    assert f"Bar {row['daily_return_pct']:+.2f}%" in stats and "Day" not in stats
    assert "Tokens this bar" in html and "Filled at the bar's open" in html
    assert "Holdings at the end of the bar" in html and f"close of {key}" in html
    encoded = key.replace(" ", "%20").replace(":", "%3A")
    assert f'href="/results?model={model}&amp;date={encoded}&amp;detail=full"' in html
    json_link = client.get(f"/results?model={model}&date={encoded}&detail=full")
    assert json_link.status_code == 200 and payload(json_link)[0]["date"] == key
    form = re.search(r'<div class="day-nav bars">(.*?)</div>', html, re.S)
    assert form
    assert f'name="date" value="{day_of(key)}" min="{SPANS[hourly][0]}"' in form.group(1)
    chosen = re.findall(r'<option value="([^"]*)" selected>', form.group(1))
    assert chosen == [key[11:]]


def test_the_model_page_takes_a_day_for_its_last_bar(client: FlaskClient, hourly: str) -> None:
    model = f"{hourly}-momentum-{8 if hourly == SSE50_HOURLY.name else 12}"
    key, _ = A_BAR[hourly]
    day = day_of(key)
    assert text(element(model_page(client, model, date=day), "model-day")) == f"{day} 15:00:00"
    picked = model_page(client, model, date=day, bar=key[11:16])
    assert text(element(picked, "model-day")) == key


def test_a_bar_the_model_has_not_is_a_404_page(client: FlaskClient, hourly: str) -> None:
    model = f"{hourly}-mock-llm"
    missing = model_page(client, model, 404, date="2025-10-11")
    assert f"{model} has no stored bar on 2025-10-11." in text(missing)
    assert f"The newest bar of {model}" in text(missing)
    off = model_page(client, model, 404, date=f"{SPANS[hourly][0]} 12:30")
    assert f"{model} has no stored bar {SPANS[hourly][0]} 12:30:00." in text(off)
    bad = model_page(client, model, 400, date="2025-10-03 9")
    assert "use YYYY-MM-DD (the day's last bar) or YYYY-MM-DD HH:MM" in text(bad)


def test_the_switch_groups_the_daily_and_the_hourly_markets(client: FlaskClient) -> None:
    html = market_page(client, SSE50_HOURLY.name)
    groups = GROUP.findall(html)
    assert [bars for bars, _ in groups] == ["1d", "60min"]
    assert re.findall(r'data-market="([^"]+)"', groups[0][1]) == ["nasdaq100", "sse50", "crypto10"]
    assert re.findall(r'data-market="([^"]+)"', groups[1][1]) == HOURLY
    assert (
        'data-market="sse50_hourly" href="/dashboard?market=sse50_hourly" aria-current="page"'
        in html
    )


@pytest.mark.parametrize("market", HOURLY)
def test_the_empty_state_example_is_a_job_of_whole_days(client: FlaskClient, market: str) -> None:
    html = market_page(client, market)
    empty = markup.unescape(text(section(html, "empty-state")))
    body = re.search(r"-d '(\{.*?\})'", empty)
    assert body, empty
    example: dict[str, Any] = json.loads(body.group(1))
    assert example["market"] == market
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", example["start_date"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", example["end_date"])
    response = client.post("/simulate/trigger", json=example)
    assert response.status_code == 202, response.json
    after = market_page(client, market)
    assert model_rows(after) and '<tr class="benchmark-row">' in after
