"""Twenty models on the dashboard: distinct colours kept per model, legend in rank order."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.integration.conftest import AppFactory
from tests.integration.pages import SVG, chart, charts, model_rows, page

pytestmark = pytest.mark.integration

START, END = "2025-09-22", "2025-09-26"
# The late models start after the others and stop a day before them.
LATE_START, LATE_END = "2025-09-24", "2025-09-25"
STRATEGIES: list[tuple[str, dict[str, Any]]] = [
    *[("momentum", {"lookback": lookback, "top_k": 3}) for lookback in (5, 10, 15, 20, 30, 40)],
    *[("equal_weight", {"top_n": top_n}) for top_n in (3, 5, 8, 10, 15, 20, 30)],
    *[("buy_and_hold", {"symbols": [s]}) for s in ("QQQ", "AAPL", "MSFT", "NVDA", "AMZN")],
    ("buy_and_hold", {"symbols": ["GOOGL", "META"]}),
    ("buy_and_hold", {"symbols": ["TSLA", "AVGO"]}),
]
SWATCH = re.compile(r'<svg class="swatch"[^>]*><line [^>]*stroke="([^"]+)"')


def twenty_models(path: Path) -> list[str]:
    """A models config of twenty built-in strategies, one with markup in its name; signatures."""
    models = [
        {
            "signature": f"{strategy.replace('_', '-')}-{index:02d}",
            "name": f"{strategy} {json.dumps(params)}",
            "provider": "builtin",
            "strategy": strategy,
            "params": params,
        }
        for index, (strategy, params) in enumerate(STRATEGIES)
    ]
    models[0]["name"] = "Momentum <script>alert(1)</script>"
    path.write_text(json.dumps({"models": models}), encoding="utf-8")
    return [model["signature"] for model in models]


@pytest.fixture
def twenty(make_app: AppFactory, tmp_path: Path) -> tuple[FlaskClient, list[str]]:
    """Fourteen models from START to END, the six others from LATE_START to LATE_END."""
    signatures = twenty_models(tmp_path / "models.json")
    client = make_app(config_path=str(tmp_path / "models.json")).test_client()
    early, late = signatures[::2] + signatures[1:8:2], signatures[9::2]
    for models, start, end in ((early, START, END), (late, LATE_START, LATE_END)):
        body = {"models": models, "start_date": start, "end_date": end}
        response = client.post("/simulate/trigger", json=body)
        assert response.status_code == 202, response.json
    return client, late


def line_colours(svg: ET.Element) -> dict[str, str]:
    """Each model's line colour in a chart (the benchmark left out)."""
    return {
        path.get("data-model") or "": path.get("stroke") or ""
        for path in svg.findall(f".//{SVG}path")
        if "benchmark" not in (path.get("class") or "")
    }


def legend(svg: ET.Element) -> list[str]:
    """The names in a chart's legend, in order."""
    entries = svg.findall(f".//{SVG}g[@class='legend-entry']")
    return [entry.findtext(f"{SVG}title") or "" for entry in entries]


def test_twenty_models(twenty: tuple[FlaskClient, list[str]]) -> None:
    html = page(twenty[0])
    assert len(model_rows(html)) == 20
    colours = line_colours(chart(html))
    assert len(colours) == 20 and len(set(colours.values())) == 20
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize("day", [LATE_START, END])
def test_the_legend_lists_models_in_rank_order(
    twenty: tuple[FlaskClient, list[str]], day: str
) -> None:
    html = page(twenty[0], f"/?date={day}")
    ranked = list(model_rows(html))
    for svg in charts(html):
        assert legend(svg) == [*ranked, "QQQ (benchmark)"]


def test_a_model_keeps_its_colour_whatever_the_day_and_rank(
    twenty: tuple[FlaskClient, list[str]],
) -> None:
    client, late = twenty
    seen: dict[str, set[str]] = {}
    ranks: dict[str, set[int]] = {}
    for day in ("2025-09-23", LATE_START, END):
        html = page(client, f"/?date={day}")
        rows = model_rows(html)
        in_chart = line_colours(chart(html))
        for rank, (model, cells) in enumerate(rows.items(), start=1):
            swatch = SWATCH.search(cells)
            assert swatch and swatch.group(1) == in_chart[model]  # table and chart agree
            seen.setdefault(model, set()).add(in_chart[model])
            ranks.setdefault(model, set()).add(rank)
    assert len(seen) == 20 and all(len(colours) == 1 for colours in seen.values())
    assert any(len(places) > 1 for places in ranks.values())  # ranks did move meanwhile
    assert not set(late) & set(model_rows(page(client, "/?date=2025-09-23")))


def test_the_as_of_note_is_whole(twenty: tuple[FlaskClient, list[str]]) -> None:
    client, late = twenty
    rows = model_rows(page(client))
    for model, cells in rows.items():
        note = f'<small class="as-of">as of {LATE_END}</small>'
        assert (note in cells) == (model in late)


def test_colours_stay_when_models_join_later(make_app: AppFactory, tmp_path: Path) -> None:
    signatures = twenty_models(tmp_path / "models.json")
    client = make_app(config_path=str(tmp_path / "models.json")).test_client()
    # The newcomers sort before the first models by name: the slots follow registration.
    first = [model for model in signatures if model.startswith("momentum")]
    later = [model for model in signatures if model.startswith("buy-and-hold")]
    colours = []
    for models, start in ((first, START), (later, LATE_START)):
        body = {"models": models, "start_date": start, "end_date": END}
        assert client.post("/simulate/trigger", json=body).status_code == 202
        colours.append(line_colours(chart(page(client))))
    assert {model: colours[1][model] for model in first} == colours[0]
    assert len(set(colours[1].values())) == len(first) + len(later)
