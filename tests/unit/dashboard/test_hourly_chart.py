"""The equity chart of an hourly market: bars grouped by day (shaded bands, day labels that
never touch), a benchmark known once a day drawn as steps, legends of long signatures."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from itertools import pairwise

import pytest

from service.resources.dashboard.chart import (
    COMPACT_WIDTH,
    LEGEND_COLUMN,
    SVG_NAMESPACE,
    WIDTH,
    Point,
    day_label,
    equity_chart,
    month_label,
    text_width,
)

pytestmark = pytest.mark.unit

SVG = f"{{{SVG_NAMESPACE}}}"
TIMES = ("10:00:00", "11:00:00", "12:00:00", "13:00:00", "14:00:00", "15:00:00")


def trading_days(first: str, count: int) -> list[str]:
    """count weekdays from first."""
    days, day = [], date.fromisoformat(first)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day.isoformat())
        day += timedelta(days=1)
    return days


def bars(days: list[str], times: tuple[str, ...] = TIMES) -> list[str]:
    """Every bar key of those days."""
    return [f"{day} {time}" for day in days for time in times]


def rising(keys: list[str], start: float = 10000.0) -> list[Point]:
    """A series going up by one a bar."""
    return [(key, start + index) for index, key in enumerate(keys)]


def drawn(svg: str | None) -> ET.Element:
    """The chart as XML."""
    assert svg is not None
    return ET.fromstring(svg)


def day_labels_of(root: ET.Element) -> list[ET.Element]:
    """The date axis' labels of an intraday chart."""
    return root.findall(f".//{SVG}text[@class='day-label']")


def bands(root: ET.Element) -> list[ET.Element]:
    """The shaded days."""
    return root.findall(f".//{SVG}rect[@class='day-band']")


def test_every_other_day_is_shaded_behind_the_curves() -> None:
    days = trading_days("2025-10-01", 5)
    root = drawn(equity_chart({"a": rising(bars(days))}))
    shaded = bands(root)
    assert [band.get("data-day") for band in shaded] == days[1::2]
    children = list(root)
    first_path = next(i for i, node in enumerate(children) if node.tag == f"{SVG}g")
    assert all(children.index(band) < first_path for band in shaded)


def test_a_days_band_holds_its_bars_and_its_label_is_centred_under_it() -> None:
    days = trading_days("2025-10-01", 4)
    keys = bars(days)
    root = drawn(equity_chart({"a": rising(keys)}))
    labels = day_labels_of(root)
    assert [label.get("data-day") for label in labels] == days
    assert [label.text for label in labels] == ["1", "2", "3", "6"]
    months = root.findall(f".//{SVG}text[@class='month-label']")
    assert [month.text for month in months] == ["Oct 2025"]
    path = root.find(f".//{SVG}path")
    assert path is not None
    xs = [float(x) for x in re.findall(r"([\d.]+),[\d.]+", path.get("d") or "")]
    assert len(xs) == len(keys)
    for band in bands(root):
        left = float(band.get("x") or 0)
        right = left + float(band.get("width") or 0)
        inside = [key for key, x in zip(keys, xs, strict=True) if left <= x <= right]
        assert inside == [key for key in keys if key.startswith(band.get("data-day") or "")]
        label = next(label for label in labels if label.get("data-day") == band.get("data-day"))
        assert float(label.get("x") or 0) == pytest.approx((left + right) / 2, abs=0.1)


def test_no_bar_is_labelled_only_days() -> None:
    keys = bars(trading_days("2025-10-01", 29))
    root = drawn(equity_chart({"a": rising(keys)}))
    texts = [node.text or "" for node in root.iter(f"{SVG}text")]
    assert not any(":" in text for text in texts)
    assert len(day_labels_of(root)) <= 29


def months_of(root: ET.Element) -> list[ET.Element]:
    """The month row under the day numbers."""
    return root.findall(f".//{SVG}text[@class='month-label']")


@pytest.mark.parametrize("width", [WIDTH, COMPACT_WIDTH])
@pytest.mark.parametrize("count", [1, 2, 5, 8, 12, 29, 60])
def test_day_and_month_labels_never_touch(width: int, count: int) -> None:
    days = trading_days("2025-10-01", count)
    root = drawn(equity_chart({"a": rising(bars(days))}, width=width))
    labels = day_labels_of(root)
    assert labels and all((label.text or "").isdigit() for label in labels)
    boxes = [
        (float(label.get("x") or 0), text_width(label.text or ""))
        for label in labels  # centred: each spans x ± width / 2
    ]
    for (x, size), (after, next_size) in pairwise(boxes):
        assert after - x >= (size + next_size) / 2
    shown = [label.get("data-day") or "" for label in labels]
    assert shown == sorted(shown)
    months = months_of(root)
    assert months[0].text == "Oct 2025" and float(months[0].get("x") or 0) < 100
    for month, following in pairwise(months):
        start = float(month.get("x") or 0)
        assert start + text_width(month.text or "") < float(following.get("x") or 0)
    assert all(float(m.get("x") or 0) + text_width(m.text or "") <= width for m in months)
    spanned = sorted({day[:7] for day in days})
    assert [month.get("data-month") for month in months] == spanned[: len(months)]
    assert len(months) >= min(len(spanned), 2 if count > 30 else 1)


def test_when_days_do_not_fit_the_weeks_are_labelled_from_their_first_day() -> None:
    days = trading_days("2025-10-01", 29)
    labels = day_labels_of(drawn(equity_chart({"a": rising(bars(days))}, width=COMPACT_WIDTH)))
    shown = [label.get("data-day") or "" for label in labels]
    assert len(shown) >= 4
    mondays = [day for day in shown if date.fromisoformat(day).weekday() == 0]
    assert mondays == shown or mondays == shown[1:]


def test_day_and_month_labels() -> None:
    assert [day_label(day) for day in ["2025-10-03", "2025-10-31 10:00:00"]] == ["3", "31"]
    assert month_label("2026-01-02 15:00:00") == "Jan 2026"


def test_a_daily_chart_keeps_its_dates_and_has_no_bands() -> None:
    days = trading_days("2025-09-01", 10)
    root = drawn(equity_chart({"a": rising(days)}))
    assert not bands(root) and not day_labels_of(root)
    texts = [node.text for node in root.iter(f"{SVG}text")]
    assert days[0] in texts and days[-1] in texts


def benchmark_path(root: ET.Element) -> list[tuple[float, float]]:
    """The benchmark line's corners."""
    path = root.find(f".//{SVG}path[@data-model='B']")
    assert path is not None
    pairs = re.findall(r"([\d.]+),([\d.]+)", path.get("d") or "")
    return [(float(x), float(y)) for x, y in pairs]


def daily_close(keys: list[str]) -> list[Point]:
    """A benchmark whose value changes at each day's last bar only."""
    return [(key, 10000.0 + 50 * int(key[8:10])) for key in keys]


def test_a_benchmark_known_once_a_day_is_a_step_line() -> None:
    keys = bars(trading_days("2025-10-01", 3))
    root = drawn(equity_chart({"a": rising(keys)}, daily_close(keys), "B", benchmark_steps=True))
    corners = benchmark_path(root)
    assert len(corners) == 2 * len(keys) - 1
    # Each move is flat or straight up and down: the value holds until the next is known.
    for (x, y), (next_x, next_y) in zip(corners, corners[1:], strict=False):
        assert x == next_x or y == next_y
    straight = benchmark_path(drawn(equity_chart({"a": rising(keys)}, daily_close(keys), "B")))
    assert len(straight) == len(keys)


def test_long_signatures_get_wider_legend_columns_not_cut_names() -> None:
    names = ["nasdaq100_hourly-momentum-12", "nasdaq100_hourly-mock-llm"]
    keys = bars(trading_days("2025-10-01", 2))
    series = {name: rising(keys) for name in names}
    for width in (WIDTH, COMPACT_WIDTH):
        root = drawn(equity_chart(series, rising(keys), "QQQ (benchmark)", width=width))
        entries = root.findall(f".//{SVG}g[@class='legend-entry']")
        texts = [entry.find(f"{SVG}text") for entry in entries]
        assert [node.text for node in texts if node is not None] == [*names, "QQQ (benchmark)"]
        starts = sorted({float(node.get("x") or 0) for node in texts if node is not None})
        widest = max(text_width(name) for name in names)
        assert all(after - x >= widest for x, after in zip(starts, starts[1:], strict=False))
    short = drawn(equity_chart({"a": rising(keys), "b": rising(keys)}, rising(keys), "B"))
    columns = {
        line.get("x1") for line in short.findall(f".//{SVG}g[@class='legend-entry']/{SVG}line")
    }
    assert len(columns) == (WIDTH - 76) // LEGEND_COLUMN
