"""The dashboard in headless Chromium, served by gunicorn with results from a real consumer.

The module's server starts empty with a page open on it, then runs two NASDAQ-100 jobs while
the page follows them, then one job on each other market (SSE-50, Crypto-10 and the two hourly
ones); the other tests look at what the jobs stored. One model calls a local LLM stub at a
price, so the leaderboard has a cost to show besides the dashes of the others. Screenshots are
kept in the module's temporary folder (dashboard-*.png).
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from service.market.catalog import CRYPTO10, MARKETS, NASDAQ100_HOURLY, SSE50, SSE50_HOURLY
from service.resources.dashboard.chart import COMPACT_WIDTH, SVG_NAMESPACE
from service.settings import DEFAULT_CONFIG_PATH
from tests.e2e.browser import DevTools, chromium, png_size, tab
from tests.e2e.processes import request, running_service, wait_for_job
from tests.performance.stub_llm import STEPS_PER_DAY, StubLLM

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed"),
]
DEFAULT_MODELS = ["qqq-buy-and-hold", "momentum-20", "equal-weight-10", "mock-llm"]
EXTRA: list[tuple[str, dict[str, Any]]] = [
    *[("momentum", {"lookback": lookback, "top_k": 3}) for lookback in (5, 10, 15, 30)],
    *[("equal_weight", {"top_n": top_n}) for top_n in (3, 5, 8, 15, 20, 30)],
    *[("buy_and_hold", {"symbols": [s]}) for s in ("AAPL", "MSFT", "NVDA", "AMZN", "META")],
]
START, END = "2025-09-15", "2025-09-30"
# The stub's calls: 100 prompt and 10 completion tokens each, priced in USD per million tokens.
PRICED = "stub-llm-priced"
PRICING = {"input": 2.0, "output": 8.0}
CALL_COST = (100 * PRICING["input"] + 10 * PRICING["output"]) / 1e6
TRADING_DAYS = 11  # from START to END after the registration day
# Six models join later and stop earlier: the newest leaderboard shows them "as of" LATE_END.
LATE_START, LATE_END = "2025-09-22", "2025-09-26"
BEFORE_LATE = "2025-09-19"
FIRST_JOB_WAIT = 90
# A job on each other market, with its bundled enabled models (CD5's file starts 2025-11-01).
MARKET_SPANS = {
    SSE50.name: ("2025-10-09", "2025-11-18"),
    CRYPTO10.name: ("2025-11-01", "2025-11-15"),
    NASDAQ100_HOURLY.name: ("2025-10-01", "2025-10-10"),
    SSE50_HOURLY.name: ("2025-10-13", "2025-10-24"),
}
HOURLY = [NASDAQ100_HOURLY.name, SSE50_HOURLY.name]
WIDTHS = [1280, 390]


@dataclass
class Live:
    """A running server with stored results, its models, and what the open page went through."""

    base: str
    folder: Path
    models: list[str]
    late: list[str]
    followed: dict[str, Any] = field(default_factory=dict)
    markets: dict[str, list[str]] = field(default_factory=dict)  # the other markets' models
    empty: dict[str, str] = field(default_factory=dict)  # their empty states before their job

    def shot(self, name: str) -> Path:
        """Where a screenshot goes."""
        return self.folder / f"dashboard-{name}.png"


def models_config(path: Path, llm_url: str) -> tuple[list[str], dict[str, list[str]]]:
    """The four default models, a priced LLM calling llm_url and fifteen built-in ones, twenty
    in all on NASDAQ-100, and the bundled enabled models of the other markets; the signatures
    of the twenty, and of the others by market."""
    defaults = json.loads(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))["models"]
    chosen = [model for model in defaults if model["signature"] in DEFAULT_MODELS]
    others = {
        market: [m for m in defaults if m.get("market") == market and m.get("enabled", True)]
        for market in MARKET_SPANS
    }
    chosen.append(
        {
            "signature": PRICED,
            "name": "A priced LLM (local stub)",
            "basemodel": "stub",
            "openai_base_url": llm_url,
            "api_key_env": "STUB_LLM_KEY",
            "pricing": PRICING,
        }
    )
    for strategy, params in EXTRA:
        value = next(iter(params.values()))
        label = value[0] if isinstance(value, list) else value
        chosen.append(
            {
                "signature": f"{strategy.replace('_', '-')}-{str(label).lower()}",
                "name": f"{strategy.replace('_', ' ').capitalize()} ({json.dumps(params)})",
                "provider": "builtin",
                "strategy": strategy,
                "params": params,
            }
        )
    signatures = [model["signature"] for model in chosen]
    chosen.extend(model for models in others.values() for model in models)
    path.write_text(json.dumps({"models": chosen}), encoding="utf-8")
    return signatures, {market: [m["signature"] for m in ms] for market, ms in others.items()}


def trigger(base: str, models: list[str], start: str, end: str, **more: str) -> str:
    """Start a job (with more fields of the body); its id."""
    body = {"start_date": start, "end_date": end, "models": models, **more}
    status, job = request(f"{base}/simulate/trigger", body)
    assert status == 202, job
    return str(job["job_id"])


def job_shown(browser: DevTools, session: str, job_id: str) -> bool:
    """Whether the page shows the job as completed, drawn after its end."""
    return bool(
        browser.until(
            session,
            f"(p => p && p.dataset.jobId === '{job_id}' && p.dataset.status === 'completed')"
            "(document.getElementById('job'))",
            FIRST_JOB_WAIT,
        )
    )


def follow_two_jobs(live: Live) -> None:
    """Open the empty dashboard, then run two jobs; note what the page showed meanwhile."""
    seen = live.followed
    early = [model for model in live.models if model not in live.late]
    with tab(live.folder / "profile-follow", live.base + "/", 1280) as (browser, session):
        seen["empty"] = browser.evaluate(
            session, "document.getElementById('empty-state').innerText"
        )
        browser.evaluate(session, "window.loadedOnce = true")
        first = trigger(live.base, early, START, END)
        job_shown(browser, session, first)
        seen["first_rows"] = browser.evaluate(
            session, "document.querySelectorAll('#leaderboard tr.model-row').length"
        )
        seen["first_date"] = browser.evaluate(
            session, "document.getElementById('leaderboard-date').textContent"
        )
        browser.screenshot(session, live.shot("followed-first-job"))
        second = trigger(live.base, live.late, LATE_START, LATE_END)
        job_shown(browser, session, second)
        seen["second_rows"] = browser.evaluate(
            session, "document.querySelectorAll('#leaderboard tr.model-row').length"
        )
        seen["not_reloaded"] = browser.evaluate(session, "window.loadedOnce === true")
        assert wait_for_job(live.base, second)["status"] == "completed"


def run_other_markets(live: Live) -> None:
    """Look at each other market's empty dashboard on a phone, then run its job."""
    for market, (start, end) in MARKET_SPANS.items():
        url = f"{live.base}/dashboard?market={market}"
        with tab(live.folder / "profile-empty", url, 390) as (browser, session):
            live.empty[market] = browser.evaluate(
                session, "document.getElementById('empty-state').innerText"
            )
            browser.screenshot(session, live.shot(f"{market}-empty-390"))
        job = trigger(live.base, [], start, end, market=market)
        assert wait_for_job(live.base, job)["status"] == "completed"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """gunicorn and a consumer on a temporary database, twenty models run while a page is open,
    then the bundled models of the other markets; the LLM stub answers the priced model."""
    folder = tmp_path_factory.mktemp("dashboard")
    with StubLLM(0) as stub:
        models, others = models_config(folder / "models.json", stub.base_url)
        late = models[-6:]
        env = {"CONFIG_PATH": str(folder / "models.json"), "STUB_LLM_KEY": "unused"}
        with running_service(folder, env) as service:
            found = Live(service.base, folder, models, late, markets=others)
            follow_two_jobs(found)
            run_other_markets(found)
            yield found


def test_a_job_triggered_after_load_is_followed_without_reload(live: Live) -> None:
    seen = live.followed
    assert "No results yet" in seen["empty"]
    assert seen["first_rows"] == len(live.models) - len(live.late)
    assert seen["first_date"] == END
    assert seen["second_rows"] == len(live.models)
    # The page was loaded once and redrawn in place: the script's own fetches aside.
    assert seen["not_reloaded"] is True


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshot(live: Live, width: int) -> None:
    shot = live.shot(f"window-{width}")
    result = chromium(
        live.folder / "profile-shot",
        f"--window-size={width},900",
        f"--screenshot={shot}",
        live.base,
    )
    assert shot.is_file(), result.stderr
    assert png_size(shot) == (width, 900)
    # A blank or error page compresses to a few kilobytes; the dashboard has a chart and text.
    assert shot.stat().st_size > 25_000


def test_rendered_page_has_the_table_and_the_chart(live: Live) -> None:
    result = chromium(
        live.folder / "profile-dump",
        "--window-size=1280,900",
        "--dump-dom",
        live.base + "/dashboard",
    )
    dom = result.stdout
    assert 'id="leaderboard"' in dom, result.stderr
    rows = re.findall(r'<tr class="model-row" data-model="([^"]+)"', dom)
    assert sorted(rows) == sorted(live.models)
    assert '<tr class="benchmark-row">' in dom
    chart = re.search(r'<svg[^>]*class="equity-chart".*?</svg>', dom, re.S)
    assert chart
    assert len(re.findall(r"<path ", chart.group(0))) == len(live.models) + 1
    assert 'id="job-status">completed<' in dom


def test_nothing_is_fetched_from_outside_the_server(live: Live) -> None:
    with urllib.request.urlopen(live.base + "/") as response:  # noqa: S310 - loopback only
        html = response.read().decode()
        policy = response.headers["Content-Security-Policy"]
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) - {SVG_NAMESPACE} == set()
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    with tab(live.folder / "profile-offline", live.base + "/", 1280) as (browser, session):
        browser.navigate(session, live.base + "/dashboard/models/mock-llm")
        requested = browser.requests()
    assert requested[0] == live.base + "/"
    assert live.base + "/dashboard/models/mock-llm" in requested
    # data: is the date input's calendar icon, drawn by Chromium itself.
    assert [url for url in requested if not url.startswith((live.base, "data:"))] == []


PHONE_FACTS = """(() => {
  const box = document.querySelector('#leaderboard').closest('.table-scroll');
  const wrap = box.querySelector('.table-wrap'), hint = box.querySelector('.scroll-hint');
  const notes = [...document.querySelectorAll('#leaderboard small.as-of')].map(note => {
    const cell = note.closest('td').getBoundingClientRect(), own = note.getBoundingClientRect();
    return {text: note.textContent, clipped: note.scrollWidth > note.clientWidth + 1,
            inside: own.left >= cell.left - 1 && own.right <= cell.right + 1};
  });
  return {page: document.documentElement.scrollWidth,
          overflows: wrap.scrollWidth > wrap.clientWidth,
          classes: box.className, hint: hint.offsetParent !== null && hint.innerText,
          hintRight: hint.getBoundingClientRect().right, notes: notes,
          wide: !!document.querySelector('.chart.wide').offsetParent,
          compact: document.querySelector('.chart.compact svg').getBoundingClientRect().width};
})()"""


def test_phone_width(live: Live) -> None:
    with tab(live.folder / "profile-phone", live.base + "/", 390) as (browser, session):
        facts = browser.evaluate(session, PHONE_FACTS)
        browser.screenshot(session, live.shot("phone-390"))
        browser.evaluate(
            session, "(w => w.scrollLeft = w.scrollWidth)(document.querySelector('.table-wrap'))"
        )
        scrolled = browser.until(
            session,
            "(b => !b.classList.contains('more-right') && b.className)"
            "(document.querySelector('.table-scroll'))",
        )
        browser.screenshot(session, live.shot("phone-390-scrolled"))
    assert facts["page"] <= 390  # nothing sticks out of the screen: the table scrolls in its box
    assert facts["overflows"] is True
    assert "overflowing" in facts["classes"] and "more-right" in facts["classes"]
    assert facts["hint"] and "→" in facts["hint"] and facts["hintRight"] <= 390
    assert "more-left" in scrolled
    assert len(facts["notes"]) == len(live.late)
    for note in facts["notes"]:
        assert note == {"text": f"as of {LATE_END}", "clipped": False, "inside": True}
    assert facts["wide"] is False
    # The compact chart's 13-unit text is drawn at least 10 px high on the phone's screen.
    assert facts["compact"] * 13 / COMPACT_WIDTH >= 10


CHART_FACTS = """(() => {
  const svg = [...document.querySelectorAll('.chart')].find(c => c.offsetParent)
    .querySelector('svg');
  return {
    ranks: [...document.querySelectorAll('#leaderboard tr.model-row')].map(r => r.dataset.model),
    legend: [...svg.querySelectorAll('g.legend-entry title')].map(t => t.textContent),
    colours: Object.fromEntries([...svg.querySelectorAll('path.series:not(.benchmark)')]
      .map(p => [p.dataset.model, getComputedStyle(p).stroke])),
  };
})()"""


@pytest.mark.parametrize("width", [1280, 390])
def test_legend_is_in_rank_order(live: Live, width: int) -> None:
    with tab(live.folder / "profile-legend", live.base + "/", width) as (browser, session):
        facts = browser.evaluate(session, CHART_FACTS)
    assert facts["legend"] == [*facts["ranks"], "QQQ (benchmark)"]
    assert sorted(facts["ranks"]) == sorted(live.models)


def test_twenty_distinct_colours_kept_per_model_across_days(live: Live) -> None:
    with tab(live.folder / "profile-colours", live.base + "/", 1280) as (browser, session):
        newest = browser.evaluate(session, CHART_FACTS)
        browser.navigate(session, f"{live.base}/?date={BEFORE_LATE}")
        earlier = browser.evaluate(session, CHART_FACTS)
        browser.screenshot(session, live.shot(f"colours-{BEFORE_LATE}"))
    assert len(newest["colours"]) == 20 and len(set(newest["colours"].values())) == 20
    assert set(earlier["colours"]) == set(live.models) - set(live.late)
    assert all(newest["colours"][model] == colour for model, colour in earlier["colours"].items())
    assert earlier["ranks"] != [model for model in newest["ranks"] if model not in live.late]


MODEL_DAY_FACTS = """(() => {
  const rows = id => [...document.querySelectorAll(`#${id} tbody tr`)]
    .map(row => [...row.cells].map(cell => cell.innerText.trim()));
  const system = document.querySelector('details.msg.system');
  return {
    type: document.contentType, where: location.pathname + location.search,
    trades: rows('trades'), holdings: rows('holdings'),
    system: system && {open: system.open, summary: system.querySelector('summary').innerText,
                       shown: system.querySelector('pre').checkVisibility()},
    assistant: document.querySelectorAll('.msg.assistant').length,
    calls: [...document.querySelectorAll('.call')].map(call => ({
      name: call.querySelector('code.name').innerText, args: call.querySelector('.args').innerText,
      result: call.querySelector('pre.result').innerText})),
    long: /\\d\\.\\d{3,}/.test(document.getElementById('conversation').innerText),
    page: document.documentElement.scrollWidth,
  };
})()"""


def trading_day(live: Live, model: str) -> dict[str, Any]:
    """The model's first stored day with trades, as /results?detail=full has it."""
    status, rows = request(f"{live.base}/results?model={model}&detail=full")
    assert status == 200
    return next(row for row in rows if row["trades"])


@pytest.mark.parametrize("width", [1280, 390])
def test_open_shows_the_model_day_as_a_page(live: Live, width: int) -> None:
    day = trading_day(live, "mock-llm")
    with tab(live.folder / "profile-model", live.base + "/", width) as (browser, session):
        browser.click_to_load(
            session, "document.querySelector('tr[data-model=\"mock-llm\"] a.open').click()"
        )
        opened = browser.evaluate(
            session, "[document.contentType, location.pathname + location.search]"
        )
        browser.navigate(session, f"{live.base}/dashboard/models/mock-llm?date={day['date']}")
        facts = browser.evaluate(session, MODEL_DAY_FACTS)
        browser.screenshot(session, live.shot(f"model-day-{width}"))
    assert opened == ["text/html", f"/dashboard/models/mock-llm?date={END}"]
    assert facts["type"] == "text/html" and facts["page"] <= width
    assert [row[:3] for row in facts["trades"]] == [
        [trade["action_type"], trade["symbol"], str(trade["amount"])] for trade in day["trades"]
    ]
    assert all(re.fullmatch(r"\$[\d,]+\.\d\d", cell) for row in facts["trades"] for cell in row[3:])
    held = {row[0]: row for row in facts["holdings"]}
    assert set(held) == {*day["holdings"], "Cash", "Total"}
    assert held["Total"][-1] == f"${day['portfolio_value']:,.2f}"
    assert facts["system"] == {"open": False, "summary": "System prompt", "shown": False}
    assert facts["assistant"] == sum(row["role"] == "assistant" for row in day["reasoning"])
    tools = [row for row in day["reasoning"] if row["role"] == "tool"]
    assert [call["name"] for call in facts["calls"]] == [row["tool_name"] for row in tools]
    assert all(call["args"] and call["result"] for call in facts["calls"])
    assert facts["long"] is False


COST_FACTS = """(() => {
  const table = document.getElementById('leaderboard'), wrap = table.closest('.table-wrap');
  const sticky = table.querySelector('tbody td:nth-child(2)').getBoundingClientRect().right;
  const box = wrap.getBoundingClientRect();
  const columns = {};
  for (const name of ['tokens', 'cost', 'per-usd']) {
    const cells = [...table.querySelectorAll(`td.${name}`)];
    const texts = cells.map(td => {
      const range = document.createRange();
      range.selectNodeContents(td);
      return {cell: td.getBoundingClientRect(), text: range.getBoundingClientRect()};
    });
    columns[name] = {
      rights: [...new Set(texts.map(t => Math.round(t.text.right)))],
      inside: texts.every(t => t.text.left >= t.cell.left && t.text.right <= t.cell.right),
      oneLine: texts.every(t => t.text.height < 1.5 * parseFloat(getComputedStyle(table).fontSize)),
      fits: texts.every(t => t.cell.width <= box.right - sticky),
    };
  }
  const cell = (row, name) => row.querySelector(`td.${name}`).textContent.trim();
  return {
    heads: [...table.tHead.rows[0].cells].map(th => th.textContent),
    rows: Object.fromEntries([...table.querySelectorAll('tr.model-row')].map(row => [
      row.dataset.model,
      [cell(row, 'tokens'), cell(row, 'cost'), cell(row, 'per-usd'),
       row.querySelector('td.tokens span')?.title ?? null]])),
    columns: columns,
    overflows: wrap.scrollWidth > wrap.clientWidth,
    page: document.documentElement.scrollWidth,
  };
})()"""


# Scrolls the priced model's cell of a column into view at the table's right edge (a phone's
# table scrolls under its sticky rank and model); whether both ends of its text are seen.
REVEAL = """(name => {
  const cell = document.querySelector(`tr[data-model="%s"] td.${name}`);
  const wrap = cell.closest('.table-wrap');
  cell.scrollIntoView({block: 'center', inline: 'nearest'});
  wrap.scrollLeft += cell.getBoundingClientRect().right - wrap.getBoundingClientRect().right;
  const range = document.createRange();
  range.selectNodeContents(cell);
  const text = range.getBoundingClientRect(), middle = (text.top + text.bottom) / 2;
  return [text.left + 1, text.right - 1]
    .every(x => cell.contains(document.elementFromPoint(x, middle)));
})"""


def leaderboard_row(live: Live, model: str) -> dict[str, Any]:
    """The model's row of /leaderboard (the newest day)."""
    status, board = request(f"{live.base}/leaderboard")
    assert status == 200
    return next(row for row in board["rankings"] if row["model"] == model)


@pytest.mark.parametrize("width", [1280, 390])
def test_costs_are_readable_columns(live: Live, width: int) -> None:
    with tab(live.folder / "profile-costs", live.base + "/", width) as (browser, session):
        facts = browser.evaluate(session, COST_FACTS)
        browser.screenshot(session, live.shot(f"costs-{width}"))
        seen = {
            name: browser.evaluate(session, f"{REVEAL % PRICED}('{name}')")
            for name in ("tokens", "per-usd", "cost")
        }
        browser.screenshot(session, live.shot(f"costs-{width}-cost-column"))
    assert seen == {"tokens": True, "per-usd": True, "cost": True}
    assert ["Tokens", "Cost", "Return / $"] == facts["heads"][6:9]
    priced = leaderboard_row(live, PRICED)
    calls = TRADING_DAYS * STEPS_PER_DAY
    assert priced["cost_usd"] == pytest.approx(calls * CALL_COST)
    per_usd = f"{priced['cumulative_return_pct'] / (calls * CALL_COST):+.2f}%"
    title = f"{calls * 110:,} tokens: {calls * 100:,} prompt, {calls * 10:,} completion"
    assert facts["rows"][PRICED] == ["2.4k", "$0.0062", per_usd, title]
    assert facts["rows"]["mock-llm"][0][0].isdigit()
    assert facts["rows"]["mock-llm"][1:3] == ["—", "—"]
    builtin = [model for model in live.models if model not in (PRICED, "mock-llm")]
    assert all(facts["rows"][model] == ["—", "—", "—", None] for model in builtin)
    for name, column in facts["columns"].items():
        # Right-aligned to one edge, on one line inside the cell, with room beside the model.
        assert len(column["rights"]) == 1, (name, column)
        assert column["inside"] and column["oneLine"] and column["fits"], (name, column)
    assert facts["page"] <= width
    assert facts["overflows"] is (width < 600), "a desktop's table fits; a phone's scrolls"


SPENDING_FACTS = """(() => ({
  spent: [...document.querySelectorAll('#spending dd')].map(dd => dd.innerText.trim()),
  labels: [...document.querySelectorAll('#spending dt')].map(dt => dt.textContent),
  page: document.documentElement.scrollWidth,
}))()"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_priced_models_day_shows_its_tokens_and_cost(live: Live, width: int) -> None:
    url = f"{live.base}/dashboard/models/{PRICED}"
    with tab(live.folder / "profile-spending", url, width) as (browser, session):
        facts = browser.evaluate(session, SPENDING_FACTS)
        browser.screenshot(session, live.shot(f"model-day-costs-{width}"))
    per_usd = leaderboard_row(live, PRICED)["return_pct_per_usd"]
    assert facts["labels"][1::2] == ["Cost this day", "Cost to date"]
    assert facts["spent"] == ["220", "$0.0006", "2.4k", "$0.0062", f"{per_usd:+.2f}%"]
    assert facts["page"] <= width


MARKET_FACTS = """(() => {
  const svg = [...document.querySelectorAll('.chart')].find(c => c.offsetParent)
    .querySelector('svg');
  const box = svg.getBoundingClientRect();
  const axis = [...svg.querySelectorAll('text')]
    .filter(t => t.getAttribute('text-anchor') === 'end' || t.classList.contains('unit'));
  const boxes = axis.map(t => t.getBoundingClientRect());
  const apart = (a, b) => a.right <= b.left || b.right <= a.left || a.bottom <= b.top ||
    b.bottom <= a.top;
  const row = selector => [...document.querySelectorAll(selector)]
    .map(td => td.innerText.trim());
  const wrap = document.querySelector('#leaderboard').closest('.table-wrap')
    .getBoundingClientRect();
  const seen = [...document.querySelectorAll('#leaderboard tbody td:nth-child(3)')].every(td => {
    const range = document.createRange();
    range.selectNodeContents(td);
    return range.getBoundingClientRect().right <= wrap.right;
  });
  const days = [...svg.querySelectorAll('text.day-label')].map(t => t.getBoundingClientRect());
  return {
    seen: seen,
    days: days.length,
    daysApart: days.every((a, i) => i === 0 || days[i - 1].right <= a.left),
    daysInside: days.every(r => r.left >= box.left && r.right <= box.right),
    dayHeight: Math.min(...days.map(r => r.height)),
    bands: svg.querySelectorAll('rect.day-band').length,
    rows: [...document.querySelectorAll('#leaderboard tr.model-row')].map(r => r.dataset.model),
    values: row('#leaderboard tr.model-row td:nth-child(3)'),
    benchmark: row('#leaderboard tr.benchmark-row td'),
    legend: [...svg.querySelectorAll('g.legend-entry title')].map(t => t.textContent),
    axis: axis.map(t => t.textContent),
    inside: boxes.every(r => r.left >= box.left - 0.5 && r.top >= box.top - 0.5),
    apart: boxes.every((a, i) => boxes.every((b, j) => i === j || apart(a, b))),
    smallest: Math.min(...boxes.map(r => r.height)),
    tabs: [...document.querySelectorAll('#markets a')].map(a => ({
      market: a.dataset.market, current: a.getAttribute('aria-current') === 'page',
      text: a.innerText.replace(/\\s+/g, ' ').trim(), right: a.getBoundingClientRect().right,
      top: a.getBoundingClientRect().top, group: a.parentElement.dataset.bars})),
    currency: document.getElementById('currency').textContent,
    page: document.documentElement.scrollWidth,
  };
})()"""


BARS = ["1d", "60min"]


def rows_of(live: Live, model: str) -> list[dict[str, Any]]:
    """Every stored day or bar of the model, as /results has it."""
    status, rows = request(f"{live.base}/results?model={model}&page_size=500")
    assert status == 200
    return list(rows)


def shown(value: float, currency: str) -> str:
    """An amount as the pages write it: '$1,234.56', '¥1,234.56', '1,234.56 USDT'."""
    signs = {"USD": "$", "CNY": "¥"}
    number = f"{value:,.2f}"
    return f"{signs[currency]}{number}" if currency in signs else f"{number} {currency}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("market", list(MARKETS))
def test_each_markets_dashboard(live: Live, market: str, width: int) -> None:
    rules = MARKETS[market]
    url = f"{live.base}/dashboard?market={market}"
    with tab(live.folder / "profile-markets", url, width) as (browser, session):
        facts = browser.evaluate(session, MARKET_FACTS)
        browser.screenshot(session, live.shot(f"{market}-{width}"))
    status, board = request(f"{live.base}/leaderboard?market={market}")
    assert status == 200 and board["currency"] == rules.currency
    ranked = [row["model"] for row in board["rankings"]]
    assert facts["rows"] == ranked
    assert sorted(ranked) == sorted(live.markets.get(market, live.models))
    assert facts["values"] == [
        shown(row["portfolio_value"], rules.currency) for row in board["rankings"]
    ]
    assert facts["benchmark"][1].startswith(f"{rules.benchmark} benchmark")
    assert facts["legend"] == [*ranked, f"{rules.benchmark} (benchmark)"]
    assert facts["currency"] == rules.currency
    # The value axis: in the market's currency, inside the chart, no label over another,
    # at least 10 px high on a phone as on a desktop.
    assert facts["inside"] and facts["apart"] and facts["smallest"] >= 10, facts["axis"]
    assert not any("$" in label for label in facts["axis"]) or rules.currency == "USD"
    assert [(t["market"], t["current"]) for t in facts["tabs"]] == [
        (name, name == market) for name in MARKETS
    ]
    counts = {name: len(live.markets.get(name, live.models)) for name in MARKETS}
    assert [t["text"] for t in facts["tabs"]] == [
        f"{MARKETS[name].label} {counts[name]}" for name in MARKETS
    ]
    assert all(t["right"] <= width for t in facts["tabs"])
    # The daily markets and the hourly ones each on one line, on a phone too (one under the
    # other); side by side on a desktop.
    lines = {group: {t["top"] for t in facts["tabs"] if t["group"] == group} for group in BARS}
    assert all(len(tops) == 1 for tops in lines.values()), lines
    assert (lines["1d"] == lines["60min"]) is (width >= 600)
    # The values, the first column that scrolls, are seen whole (with their USDT) unscrolled.
    assert facts["seen"] is True
    assert facts["page"] <= width
    if rules.intraday:
        # Bars grouped by day: every other day shaded, the days labelled apart, inside the
        # chart and at least 10 px high; no bar's time under the axis.
        days = len({row["date"][:10] for row in rows_of(live, ranked[0])})
        assert facts["bands"] == days // 2
        assert 2 <= facts["days"] <= days and facts["daysApart"] and facts["daysInside"]
        assert facts["dayHeight"] >= 10
    else:
        assert facts["bands"] == 0 and facts["days"] == 0


@pytest.mark.parametrize("market", list(MARKET_SPANS))
def test_each_market_was_empty_with_its_own_instructions(live: Live, market: str) -> None:
    empty = live.empty[market]
    assert f"No results yet on {MARKETS[market].label}" in empty
    assert f'"market": "{market}"' in empty


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("model", ["crypto10-buy-and-hold", "sse50-momentum-5"])
def test_model_days_of_other_markets(live: Live, model: str, width: int) -> None:
    day = trading_day(live, model)
    market = model.split("-")[0]
    rules = MARKETS[market]
    url = f"{live.base}/dashboard/models/{model}?date={day['date']}"
    with tab(live.folder / "profile-market-model", url, width) as (browser, session):
        facts = browser.evaluate(session, MODEL_DAY_FACTS)
        back = browser.evaluate(session, "document.getElementById('back').href")
        browser.screenshot(session, live.shot(f"model-day-{market}-{width}"))
    assert facts["page"] <= width
    assert back == f"{live.base}/dashboard?date={day['date']}&market={market}"
    decimals = rules.quantity_decimals
    for row, trade in zip(facts["trades"], day["trades"], strict=True):
        assert row[:2] == [trade["action_type"], trade["symbol"]]
        assert row[2].split("\n")[0] == f"{trade['amount']:,.{decimals}f}"
        assert row[4] == shown(trade["amount"] * trade["price"], rules.currency)
    held = {row[0]: row for row in facts["holdings"]}
    for symbol, quantity in day["holdings"].items():
        assert held[symbol][1].split("\n")[0] == f"{quantity:,.{decimals}f}"
    if rules.lot_size > 1:
        assert all(row[2].split("\n")[1].endswith(("lot", "lots")) for row in facts["trades"])
    assert held["Total"][-1] == shown(day["portfolio_value"], rules.currency)


BAR_FACTS = """(() => {
  const box = e => e && (r => ({top: Math.round(r.top), left: r.left, right: r.right}))(
    e.getBoundingClientRect());
  const nav = document.querySelector('.day-nav');
  return {
    where: location.pathname + location.search,
    day: document.getElementById('model-day').textContent,
    named: document.getElementById('bar-named').textContent,
    prev: box(document.getElementById('prev-day')), next: box(document.getElementById('next-day')),
    form: box(nav.querySelector('form')), chosen: nav.querySelector('select').value,
    picked: nav.querySelector('input[type=date]').value,
    page: document.documentElement.scrollWidth,
  };
})()"""


def bar_url(live: Live, model: str, key: str) -> str:
    """The model page of one bar."""
    return f"{live.base}/dashboard/models/{model}?date={urllib.parse.quote(key)}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("market", HOURLY)
def test_hourly_model_pages_step_through_bars(live: Live, market: str, width: int) -> None:
    model = f"{market}-mock-llm"
    keys = [row["date"] for row in rows_of(live, model)]
    bars = len({key[11:] for key in keys})
    first_of_day = bars * 2  # the third day's first bar: previous is the day before's last
    url = bar_url(live, model, keys[first_of_day])
    with tab(live.folder / "profile-bars", url, width) as (browser, session):
        here = browser.evaluate(session, BAR_FACTS)
        browser.screenshot(session, live.shot(f"model-bar-{market}-{width}"))
        browser.click_to_load(session, "document.getElementById('prev-day').click()")
        before = browser.evaluate(session, BAR_FACTS)
        browser.click_to_load(session, "document.getElementById('next-day').click()")
        browser.click_to_load(session, "document.getElementById('next-day').click()")
        after = browser.evaluate(session, BAR_FACTS)
    assert here["day"] == keys[first_of_day] and "bar 1 of" in here["named"]
    assert here["picked"] == keys[first_of_day][:10] and here["chosen"] == keys[first_of_day][11:]
    assert before["day"] == keys[first_of_day - 1] and "the day's last bar" in before["named"]
    assert after["day"] == keys[first_of_day + 1] and "bar 2 of" in after["named"]
    assert here["page"] <= width
    assert all(part["right"] <= width for part in (here["prev"], here["next"], here["form"]))
    # Previous and next side by side; on a phone the day and bar picker on the line below.
    assert here["prev"]["top"] == here["next"]["top"]
    assert (here["form"]["top"] > here["prev"]["top"]) is (width < 600)


PICK = """((day, bar) => {
  const form = document.querySelector('form.inline');
  form.querySelector('input[type=date]').value = day;
  form.querySelector('select[name=bar]').value = bar;
  form.querySelector('button[type=submit]').click();
})"""


@pytest.mark.parametrize("market", HOURLY)
def test_the_leaderboard_form_picks_a_day_and_a_bar(live: Live, market: str) -> None:
    model = f"{market}-mock-llm"
    keys = [row["date"] for row in rows_of(live, model)]
    key = keys[len(keys) // 2]
    url = f"{live.base}/dashboard?market={market}"
    with tab(live.folder / "profile-pick", url, 390) as (browser, session):
        browser.click_to_load(session, f"{PICK}('{key[:10]}', '{key[11:]}')")
        shown_bar = browser.evaluate(
            session, "document.getElementById('leaderboard-date').textContent"
        )
        browser.screenshot(session, live.shot(f"{market}-picked-390"))
        browser.click_to_load(session, f"{PICK}('{key[:10]}', '')")
        last = browser.evaluate(session, "document.getElementById('leaderboard-date').textContent")
    assert shown_bar == key
    assert last[:10] == key[:10] and last == max(k for k in keys if k[:10] == key[:10])
