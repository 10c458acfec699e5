"""Equity curves of every model and the benchmark, drawn on the server as an SVG string."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from service.resources.dashboard.amounts import currency_sign, with_currency

Point = tuple[str, float]
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# Twenty colours chosen for contrast with white, the benchmark's near-black and each other (the
# closest pair is still about 28 apart in CIELAB). Beyond twenty models they repeat with dashes.
PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#17becf", "#e377c2", "#8c564b", "#bcbd22", "#000075",
    "#c000e0", "#206040", "#0000e0", "#a0a060", "#800040",
    "#a06000", "#0060e0", "#e00080", "#800080", "#404000",
)  # fmt: skip
DASHES = ("", "6 3", "2 3", "10 3 2 3")
WIDTH = 760
COMPACT_WIDTH = 400
LEFT, RIGHT, TOP = 76, 44, 16
PLOT_HEIGHT = 300
AXIS_SPACE = 40
LEGEND_COLUMN = 220
LEGEND_ROW = 22
DATE_LABEL_SPACE = 110
LABEL_CHARS = 26
Y_TICKS = 6
X_TICKS = 6
# Text widths are estimated for the 13-unit font (a digit is about 0.55 em wide, a separator
# 0.3 em, a letter up to 0.7 em): the value labels' margin grows to fit the widest.
NARROW_CHARS = ",. "
NARROW_WIDTH, DIGIT_WIDTH, LETTER_WIDTH = 4.0, 7.5, 9.0
LABEL_GAP = 8
MAX_TICK_DECIMALS = 6


@dataclass(frozen=True)
class Style:
    """How one series is drawn: a colour, a dash pattern ('' for a solid line), a line width."""

    colour: str
    dash: str = ""
    width: float = 2.0


BENCHMARK_STYLE = Style("#111827", "7 4", 2.75)


def series_style(index: int) -> Style:
    """The style of the index-th model: palette colours first, then the same with dashes."""
    cycle, position = divmod(index, len(PALETTE))
    return Style(PALETTE[position], DASHES[cycle % len(DASHES)])


def styles(names: Sequence[str]) -> dict[str, Style]:
    """Each model's style by its place in names: give every stored model, sorted, and a model
    keeps its colour whatever its rank, the day shown or the models ranked on that day."""
    return {name: series_style(index) for index, name in enumerate(names)}


def nice_ticks(low: float, high: float, count: int = Y_TICKS) -> list[float]:
    """Round values (1, 2, 2.5 or 5 times a power of ten apart) spanning low to high."""
    # A flat line (or one flat to rounding) gets a band around it, not ticks a rounding apart.
    if high - low < max(abs(low), abs(high), 1.0) * 1e-6:
        pad = max(abs(low) * 0.01, 1.0)
        low, high = low - pad, high + pad
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    steps = math.ceil(round((high - first) / step, 9))
    return [round(first + i * step, 10) for i in range(steps + 1)]


def tick_decimals(ticks: Sequence[float]) -> int:
    """The fewest decimals that write every tick exactly (0 for 9,800 and 10,000; 1 for 0.5)."""
    return next(
        (
            decimals
            for decimals in range(MAX_TICK_DECIMALS)
            if all(math.isclose(tick, round(tick, decimals), abs_tol=1e-9) for tick in ticks)
        ),
        MAX_TICK_DECIMALS,
    )


def _char_width(char: str) -> float:
    if char in NARROW_CHARS:
        return NARROW_WIDTH
    return LETTER_WIDTH if char.isalpha() else DIGIT_WIDTH


def text_width(text: str) -> float:
    """About how wide text is drawn in the chart's font, in SVG units."""
    return sum(map(_char_width, text))


class Frame:
    """Where dates and values land: trading days evenly spaced, values on the tick range."""

    def __init__(
        self, dates: Sequence[str], ticks: Sequence[float], width: int, left: float = LEFT
    ) -> None:
        self.dates = tuple(dates)
        self.ticks = tuple(ticks)
        self.width = width
        self.left = left
        self.right = width - RIGHT
        self.plot_width = self.right - left
        self._positions = {day: index for index, day in enumerate(self.dates)}

    def x(self, day: str) -> float:
        """Horizontal position of a date."""
        if len(self.dates) == 1:
            return self.left + self.plot_width / 2
        return self.left + self._positions[day] / (len(self.dates) - 1) * self.plot_width

    def y(self, value: float) -> float:
        """Vertical position of a value (higher values are drawn higher)."""
        low, high = self.ticks[0], self.ticks[-1]
        return TOP + (high - value) / (high - low) * PLOT_HEIGHT


def _attr(value: str) -> str:
    return escape(value, quote=True)


def tick_labels(ticks: Sequence[float], currency: str) -> list[str]:
    """The value axis' labels: each tick to the decimals it needs, with the currency's sign
    where it has one ('$10,000', '¥98,000'); a currency written by its code ('USDT') is named
    once above the axis instead, as '50,000 USDT' on every tick would not fit beside it."""
    decimals = tick_decimals(ticks)
    numbers = [f"{tick:,.{decimals}f}" for tick in ticks]
    return [with_currency(n, currency) for n in numbers] if currency_sign(currency) else numbers


def _y_axis(frame: Frame, labels: Sequence[str], currency: str) -> list[str]:
    parts = []
    for tick, label in zip(frame.ticks, labels, strict=True):
        y = frame.y(tick)
        parts.append(
            f'<line class="grid" x1="{frame.left:.1f}" x2="{frame.right}" y1="{y:.1f}"'
            f' y2="{y:.1f}" stroke="#e5e7eb" stroke-width="1"/>'
            f'<text x="{frame.left - LABEL_GAP:.1f}" y="{y + 4:.1f}" text-anchor="end"'
            f' fill="#4b5563">{_attr(label)}</text>'
        )
    if not currency_sign(currency):
        # Above the plot's corner, clear of the top value label beside it.
        parts.append(
            f'<text class="unit" x="{frame.left + 4:.1f}" y="{TOP - 4}" fill="#4b5563"'
            f' font-size="12" font-weight="600">{_attr(currency)}</text>'
        )
    return parts


def _x_axis(frame: Frame) -> list[str]:
    room = max(2, int(frame.plot_width // DATE_LABEL_SPACE) + 1)
    count = min(X_TICKS, room, len(frame.dates))
    last = len(frame.dates) - 1
    indexes = sorted({round(i * last / (count - 1)) for i in range(count)} if count > 1 else {0})
    bottom = TOP + PLOT_HEIGHT
    parts = [
        f'<line x1="{frame.left:.1f}" x2="{frame.right}" y1="{bottom}" y2="{bottom}"'
        ' stroke="#9ca3af"/>'
    ]
    for index in indexes:
        x = frame.x(frame.dates[index])
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 5}" stroke="#9ca3af"/>'
            f'<text x="{x:.1f}" y="{bottom + 20}" text-anchor="middle" fill="#4b5563">'
            f"{_attr(frame.dates[index])}</text>"
        )
    return parts


def _dash(style: Style) -> str:
    return f' stroke-dasharray="{style.dash}"' if style.dash else ""


def _line(
    frame: Frame, name: str, points: Sequence[Point], style: Style, kind: str, currency: str
) -> str:
    coordinates = [(frame.x(day), frame.y(value)) for day, value in points]
    path = " L".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    last_day, last_value = points[-1]
    title = f"{name}: {with_currency(f'{last_value:,.2f}', currency)} on {last_day}"
    # A timeline of one day (just registered) is a dot: a path of one point would be invisible.
    marker = (
        f'<circle cx="{coordinates[0][0]:.1f}" cy="{coordinates[0][1]:.1f}" r="3.5"'
        f' fill="{style.colour}"/>'
        if len(points) == 1
        else ""
    )
    return (
        f'<g><title>{_attr(title)}</title><path class="{kind}" data-model="{_attr(name)}"'
        f' d="M{path}" fill="none" stroke="{style.colour}" stroke-width="{style.width}"'
        f' stroke-linejoin="round" stroke-linecap="round"{_dash(style)}/>{marker}</g>'
    )


def legend_columns(width: int) -> int:
    """How many legend entries fit side by side."""
    return max(1, (width - LEFT) // LEGEND_COLUMN)


def _legend(entries: Sequence[tuple[str, Style]], top: float, width: int) -> list[str]:
    columns = legend_columns(width)
    column_width = (width - LEFT) / columns
    parts = []
    for index, (name, style) in enumerate(entries):
        row, column = divmod(index, columns)
        x = LEFT + column * column_width
        y = top + row * LEGEND_ROW
        label = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"
        parts.append(
            f'<g class="legend-entry"><title>{_attr(name)}</title>'
            f'<line x1="{x:.1f}" x2="{x + 26:.1f}" y1="{y:.1f}" y2="{y:.1f}"'
            f' stroke="{style.colour}" stroke-width="3"{_dash(style)}/>'
            f'<text x="{x + 32:.1f}" y="{y + 4:.1f}" fill="#111827">{_attr(label)}</text></g>'
        )
    return parts


def _finite(points: Sequence[Point]) -> list[Point]:
    return [(day, value) for day, value in points if math.isfinite(value)]


def equity_chart(
    series: Mapping[str, Sequence[Point]],
    benchmark: Sequence[Point] = (),
    benchmark_label: str = "benchmark",
    width: int = WIDTH,
    palette: Mapping[str, Style] | None = None,
    currency: str = "USD",
) -> str | None:
    """An SVG of each model's value over time and the benchmark; None when no model has data.

    The legend lists the models in the order of series (give them in rank order); the first is
    drawn last, on top. palette is each model's style (default: by its place in series).
    width is in SVG units: the picture scales to its box, so a narrow width (COMPACT_WIDTH)
    gives a phone bigger text and a one-column legend rather than a shrunken wide chart.
    Values are in currency: the value axis' margin grows to fit its widest label.
    """
    lines = {name: _finite(points) for name, points in series.items()}
    lines = {name: points for name, points in lines.items() if points}
    if not lines:
        return None
    reference = _finite(benchmark)
    every = [point for points in [*lines.values(), reference] for point in points]
    values = [value for _, value in every]
    ticks = nice_ticks(min(values), max(values))
    labels = tick_labels(ticks, currency)
    left = max(LEFT, math.ceil(max(map(text_width, labels)) + 2 * LABEL_GAP))
    frame = Frame(sorted({day for day, _ in every}), ticks, width, left)
    palette = palette or styles(list(series))
    entries = [(name, palette[name]) for name in lines]
    drawn = [
        _line(frame, name, points, palette[name], "series", currency)
        for name, points in reversed(lines.items())
    ]
    if reference:
        entries.append((benchmark_label, BENCHMARK_STYLE))
        kind = "series benchmark"
        drawn.append(_line(frame, benchmark_label, reference, BENCHMARK_STYLE, kind, currency))
    legend_top = TOP + PLOT_HEIGHT + AXIS_SPACE + 6
    height = legend_top + math.ceil(len(entries) / legend_columns(width)) * LEGEND_ROW
    title = (
        f"Portfolio value per model and {benchmark_label}, {frame.dates[0]} to {frame.dates[-1]}"
    )
    axes = [*_y_axis(frame, labels, currency), *_x_axis(frame)]
    body = [*axes, *drawn, *_legend(entries, legend_top, width)]
    return (
        f'<svg xmlns="{SVG_NAMESPACE}" class="equity-chart" viewBox="0 0 {width} {height}"'
        f' role="img" font-family="{_attr(FONT)}" font-size="13">'
        f"<title>{_attr(title)}</title>{''.join(body)}</svg>"
    )
