"""The SVG equity chart: well-formed, one line per series, escaped text, readable styles."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.resources.dashboard.chart import (
    BENCHMARK_STYLE,
    COMPACT_WIDTH,
    PALETTE,
    SVG_NAMESPACE,
    Point,
    equity_chart,
    nice_ticks,
    series_style,
    styles,
)

pytestmark = pytest.mark.unit

SVG = f"{{{SVG_NAMESPACE}}}"
DAYS = ["2025-09-02", "2025-09-03", "2025-09-04", "2025-09-05"]


def rising(start: float = 10000.0, step: float = 100.0) -> list[Point]:
    """A series going up by step every day."""
    return [(day, start + index * step) for index, day in enumerate(DAYS)]


def parse(svg: str | None) -> ET.Element:
    """The chart as XML; fails when it is not well-formed."""
    assert svg is not None
    return ET.fromstring(svg)


def lines(root: ET.Element) -> list[ET.Element]:
    """The series paths of a chart."""
    return root.findall(f".//{SVG}path")


def texts(root: ET.Element) -> list[str]:
    """Every text node of the chart, titles included."""
    return [node.text or "" for node in root.iter() if node.tag in (f"{SVG}text", f"{SVG}title")]


@pytest.mark.parametrize("count", [1, 3, 20, 23])
def test_one_path_per_model_plus_the_benchmark(count: int) -> None:
    series = {f"model-{index}": rising(step=index) for index in range(count)}
    root = parse(equity_chart(series, rising(step=50), "QQQ (benchmark)"))
    paths = lines(root)
    assert len(paths) == count + 1
    assert [path.get("data-model") for path in paths][-1] == "QQQ (benchmark)"
    assert paths[-1].get("stroke-dasharray") == BENCHMARK_STYLE.dash
    legend = root.findall(f".//{SVG}g[@class='legend-entry']")
    assert len(legend) == count + 1


def test_without_benchmark_only_models_are_drawn() -> None:
    paths = lines(parse(equity_chart({"a": rising()})))
    assert [path.get("data-model") for path in paths] == ["a"]


def test_twenty_models_have_twenty_colours_then_dashes() -> None:
    styles = [series_style(index) for index in range(25)]
    assert len({style.colour for style in styles[:20]}) == 20
    assert all(style.dash == "" for style in styles[:20])
    assert all(style.dash for style in styles[20:])
    assert BENCHMARK_STYLE.colour not in PALETTE
    # No two series look the same until far beyond any real competition.
    assert len({(style.colour, style.dash) for style in map(series_style, range(80))}) == 80


def test_text_is_escaped() -> None:
    name = 'evil<script>alert("x")</script>&co'
    svg = equity_chart({name: rising()}, benchmark_label="Q<Q>Q")
    assert svg is not None and "<script>" not in svg
    root = parse(svg)
    assert lines(root)[0].get("data-model") == name
    assert any(name in text for text in texts(root))
    assert any("Q<Q>Q" in text for text in texts(root))


def test_long_names_are_shortened_in_the_legend_with_the_full_name_as_title() -> None:
    name = "a-very-long-model-signature-that-goes-on-and-on"
    root = parse(equity_chart({name: rising()}))
    entry = root.find(f".//{SVG}g[@class='legend-entry']")
    assert entry is not None
    label = entry.find(f"{SVG}text")
    assert label is not None and label.text and label.text.endswith("…")
    assert len(label.text) < len(name)
    assert entry.findtext(f"{SVG}title") == name


def test_higher_values_are_drawn_higher_and_later_days_further_right() -> None:
    path = lines(parse(equity_chart({"a": rising()})))[0].get("d") or ""
    points = [tuple(map(float, pair.split(","))) for pair in re.findall(r"[\d.]+,[\d.]+", path)]
    assert len(points) == len(DAYS)
    assert [x for x, _ in points] == sorted(x for x, _ in points)
    assert [y for _, y in points] == sorted((y for _, y in points), reverse=True)


def test_axes_show_nice_values_and_dates() -> None:
    root = parse(equity_chart({"a": rising()}, rising(step=-100)))
    labels = texts(root)
    assert "$10,000" in labels
    assert DAYS[0] in labels and DAYS[-1] in labels


def test_compact_chart_stacks_the_legend_and_thins_the_dates() -> None:
    series = {f"model-{index}": rising(step=index) for index in range(4)}
    wide, compact = (parse(equity_chart(series, width=width)) for width in (760, COMPACT_WIDTH))
    assert compact.get("viewBox", "").split()[2] == str(COMPACT_WIDTH)
    columns = {
        entry.get("x1") for entry in compact.findall(f".//{SVG}g[@class='legend-entry']/{SVG}line")
    }
    assert len(columns) == 1
    dates = [text for text in texts(compact) if text in DAYS]
    assert len(dates) < len([text for text in texts(wide) if text in DAYS])


def test_one_day_is_a_dot() -> None:
    root = parse(equity_chart({"new": [("2025-09-02", 10000.0)]}))
    assert len(root.findall(f".//{SVG}circle")) == 1
    assert "$10,000.00 on 2025-09-02" in " ".join(texts(root))


@pytest.mark.parametrize(
    "series", [{}, {"a": []}, {"a": [("2025-09-02", math.nan)]}], ids=["none", "empty", "nan"]
)
def test_no_data_is_none(series: dict[str, list[Point]]) -> None:
    assert equity_chart(series, rising()) is None


def test_models_without_data_keep_their_colour_slot() -> None:
    paths = lines(parse(equity_chart({"a": [], "b": rising()})))
    assert [path.get("stroke") for path in paths] == [series_style(1).colour]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (9870.0, 10520.0, [9800.0, 10000.0, 10200.0, 10400.0, 10600.0]),
        (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (10000.0, 10000.0, [9900.0, 9950.0, 10000.0, 10050.0, 10100.0]),
    ],
)
def test_nice_ticks_examples(low: float, high: float, expected: list[float]) -> None:
    assert nice_ticks(low, high) == pytest.approx(expected)


@given(
    st.floats(min_value=1, max_value=1e7),
    st.floats(min_value=0, max_value=1e6),
)
def test_nice_ticks_cover_the_range_with_round_steps(low: float, spread: float) -> None:
    ticks = nice_ticks(low, low + spread)
    noise = (low + spread) * 1e-12  # float rounding, far below a pixel
    assert ticks[0] <= low + noise and ticks[-1] >= low + spread - noise
    assert 2 <= len(ticks) <= 12
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, nice, rel_tol=1e-6) for nice in (1, 2, 2.5, 5, 10))


def test_the_legend_follows_the_given_order_and_the_first_is_drawn_on_top() -> None:
    series = {"zeta": rising(step=300), "alpha": rising(step=10), "mid": rising(step=100)}
    root = parse(equity_chart(series, rising(step=50), "QQQ (benchmark)"))
    entries = root.findall(f".//{SVG}g[@class='legend-entry']")
    assert [entry.findtext(f"{SVG}title") for entry in entries] == [
        "zeta",
        "alpha",
        "mid",
        "QQQ (benchmark)",
    ]
    drawn = [path.get("data-model") for path in lines(root)]
    assert drawn == ["mid", "alpha", "zeta", "QQQ (benchmark)"]


def test_a_given_palette_keeps_each_models_colour_whatever_the_order() -> None:
    palette = styles(["alpha", "mid", "zeta"])
    for order in (["zeta", "mid"], ["mid", "alpha", "zeta"]):
        root = parse(equity_chart({name: rising() for name in order}, palette=palette))
        colours = {path.get("data-model"): path.get("stroke") for path in lines(root)}
        assert colours == {name: palette[name].colour for name in order}
