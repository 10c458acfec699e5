"""The dashboard's runs and statistics for people: how runs are grouped, named and coloured,
and how intervals, probabilities and verdicts are written and drawn."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from service.resources.dashboard.chart import LABEL_CHARS, PALETTE, SVG_NAMESPACE
from service.resources.dashboard.runs import (
    WINDOW_LINE_WIDTH,
    chartable,
    run_description,
    run_styles,
    runs_kind,
    runs_label,
)
from service.resources.dashboard.statistics import (
    BAR_WIDTH,
    bar_scale,
    error_bar,
    interval_text,
    p_text,
    percent,
    signed,
    verdict_sentence,
    verdict_short,
    verdict_words,
)
from service.results.bands import Bands

pytestmark = pytest.mark.unit

SVG = f"{{{SVG_NAMESPACE}}}"
DAYS = ["2025-10-01", "2025-10-02", "2025-10-03"]


def curve(*values: float) -> list[tuple[str, float]]:
    return list(zip(DAYS, values, strict=False))


def test_repeats_are_one_fan_in_the_place_of_the_first_and_windows_lines_under_one_label() -> None:
    series = {
        "momentum-20:w2025-10-01": curve(1, 2, 3),
        "mock-llm:r2": curve(5, 6, 7),
        "qqq-buy-and-hold": curve(1, 1, 1),
        "mock-llm:r1": curve(3, 4, 5),
        "momentum-20:w2025-10-02": curve(2, 3),
    }

    found = chartable(series)

    assert list(found.curves) == [
        "momentum-20:w2025-10-01",
        "mock-llm",
        "qqq-buy-and-hold",
        "momentum-20:w2025-10-02",
    ]
    fan = found.curves["mock-llm"]
    assert isinstance(fan, Bands) and fan.runs == 2 and fan.median == (4, 5, 6)
    assert found.labels == {
        "mock-llm": "mock-llm · 2 repeats",
        "momentum-20:w2025-10-01": "momentum-20 · 2 windows",
        "momentum-20:w2025-10-02": "momentum-20 · 2 windows",
    }
    assert "(mock-llm · 2 repeats)" in found.note("day")
    assert "different days" in found.note("day") and "(momentum-20 · 2 windows)" in found.note(
        "day"
    )


def test_a_single_run_stays_a_line_of_its_own() -> None:
    found = chartable({"mock-llm:r1": curve(1, 2), "momentum-20:w2025-10-01": curve(1, 2)})

    assert found.labels == {} and found.note("day") == ""
    assert not any(isinstance(points, Bands) for points in found.curves.values())


def test_the_runs_of_a_model_take_its_colour_a_windows_line_thinner() -> None:
    found = run_styles(["qqq", "mock:r1", "mom:w2025-10-01", "mock:r2", "mom:w2025-10-02"])

    assert found["qqq"].colour == PALETTE[0]
    assert found["mock:r1"] == found["mock:r2"] == found["mock"]
    assert found["mock"].colour == PALETTE[1]
    assert found["mom:w2025-10-01"].colour == found["mom"].colour == PALETTE[2]
    assert found["mom:w2025-10-02"].width == WINDOW_LINE_WIDTH < found["mom"].width


def test_runs_are_described_and_counted() -> None:
    assert run_description("mock-llm:r3") == "repeat 3"
    assert run_description("m:w2025-09-09:r2") == (
        'window from <span class="day">2025-09-09</span>, repeat 2'
    )
    assert run_description("mock-llm") == ""
    assert runs_kind(["a:r1", "a:r2"]) == "repeats"
    assert runs_kind(["a:w2025-10-01", "a:w2025-10-02"]) == "windows"
    assert runs_kind(["a:w2025-10-01", "a:r2"]) == "runs"
    assert runs_kind(["a"]) == "run"


def test_a_long_models_label_keeps_its_count() -> None:
    label = runs_label("nasdaq100_hourly-mock-llm", 5, "repeats")

    assert label.endswith("… · 5 repeats") and len(label) == LABEL_CHARS
    assert runs_label("mock-llm", 10, "repeats") == "mock-llm · 10 repeats"


@pytest.mark.parametrize(
    ("value", "shown"), [(3.104, "+3.10"), (-2.036, "-2.04"), (-0.001, "+0.00"), (0, "+0.00")]
)
def test_signed(value: float, shown: str) -> None:
    assert signed(value) == shown


def test_interval_text() -> None:
    assert interval_text({"low": -2.034, "high": 8.406}) == "[-2.03, +8.41]"
    assert interval_text(None) == "—"


@pytest.mark.parametrize(
    ("probability", "shown"),
    [(0.97, "97 %"), (0.995, "99.5 %"), (0.99996, "> 99.9 %"), (1.0, "100 %"), (0.0004, "< 0.1 %"),
     (0.004, "0.4 %"), (0.0, "0 %"), (None, "—")],
)  # fmt: skip
def test_percent(probability: float | None, shown: str) -> None:
    assert percent(probability) == shown


def test_p_values() -> None:
    assert p_text(0.0312) == "p = 0.031"
    assert p_text(0.0004) == "p < 0.001"
    assert p_text(None) == ""


def test_verdicts_in_words() -> None:
    assert verdict_words(True, "QQQ") == "beats QQQ at 95 %"
    assert verdict_words(False, "QQQ") == "trails QQQ at 95 %"
    assert verdict_words("undetermined", "QQQ") == "no significant difference from QQQ at 95 %"
    assert [verdict_short(v) for v in (True, False, "undetermined", None)] == [
        "beats",
        "trails",
        "not significant",
        "—",
    ]
    tested = {"beats_benchmark": "undetermined", "excess_p_value": 0.4, "reasons": {}}
    assert verdict_sentence("m", tested, "QQQ", "day").startswith(
        "m neither beats nor trails QQQ at 95 %"
    )
    untested = {"beats_benchmark": None, "reasons": {"beats_benchmark": "too short"}}
    assert verdict_sentence("m", untested, "QQQ", "day") == (
        "m is not tested against QQQ: too short."
    )


def test_the_bar_scale_holds_zero_and_every_value() -> None:
    scale = bar_scale([2.0, 8.0, None])

    assert (scale.low, scale.high) == (0.0, 8.0)
    assert scale.x(0.0) < scale.x(2.0) < scale.x(8.0) <= BAR_WIDTH
    assert bar_scale([]).high - bar_scale([]).low == 1.0


def test_an_error_bar_draws_the_interval_the_point_and_zero() -> None:
    scale = bar_scale([-4.0, 6.0])
    svg = ET.fromstring(
        str(error_bar(1.0, {"low": -4.0, "high": 6.0}, scale, "x")).replace(
            "<svg ", f'<svg xmlns="{SVG_NAMESPACE}" ', 1
        )
    )

    whisker = svg.find(f"{SVG}line[@class='whisker']")
    zero = svg.find(f"{SVG}line[@class='zero']")
    point = svg.find(f"{SVG}circle[@class='point']")
    assert whisker is not None and zero is not None and point is not None
    assert float(whisker.get("x1", "")) == pytest.approx(scale.x(-4.0), abs=0.05)
    assert float(whisker.get("x2", "")) == pytest.approx(scale.x(6.0), abs=0.05)
    assert float(zero.get("x1", "")) == pytest.approx(scale.x(0.0), abs=0.05)
    assert float(point.get("cx", "")) == pytest.approx(scale.x(1.0), abs=0.05)
    assert svg.findtext(f"{SVG}title") == "95 % interval of x: [-4.00, +6.00]"
    assert error_bar(1.0, None, scale, "x") == ""
