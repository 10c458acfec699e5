"""Equity curves of every model and the benchmark, drawn on the server as an SVG string."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from service.market.calendar import day_of, is_day
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
LABEL_CHARS = 32
# A legend entry: its line, then its label from this far in, then a gap before the next entry.
LEGEND_SWATCH, LEGEND_GAP = 32, 12
Y_TICKS = 6
X_TICKS = 6
# Text widths are estimated for the 13-unit font (a digit is about 0.55 em wide, a separator
# 0.3 em, a letter up to 0.7 em): the value labels' margin grows to fit the widest.
NARROW_CHARS = ",. "
NARROW_WIDTH, DIGIT_WIDTH, LETTER_WIDTH = 4.0, 7.5, 9.0
LABEL_GAP = 8
MAX_TICK_DECIMALS = 6
# Bars of a day: every other day is shaded, each labelled by its day ("Oct 3") under its band.
DAY_SHADE = "#eef2f7"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAY_LABEL_GAP = 10
# The row of months under the day numbers: how much lower, and the room it adds to the chart.
MONTH_ROW = 17


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

    @property
    def step(self) -> float:
        """The distance between two neighbouring dates (the whole plot for a single one)."""
        return self.plot_width / (len(self.dates) - 1) if len(self.dates) > 1 else self.plot_width

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
    """The date axis of a daily chart: a few dates evenly picked, ticked and labelled."""
    room = max(2, int(frame.plot_width // DATE_LABEL_SPACE) + 1)
    count = min(X_TICKS, room, len(frame.dates))
    last = len(frame.dates) - 1
    indexes = sorted({round(i * last / (count - 1)) for i in range(count)} if count > 1 else {0})
    parts = [_baseline(frame)]
    for index in indexes:
        x = frame.x(frame.dates[index])
        parts.append(_tick(x) + _date_label(x, frame.dates[index]))
    return parts


def _baseline(frame: Frame) -> str:
    bottom = TOP + PLOT_HEIGHT
    return (
        f'<line x1="{frame.left:.1f}" x2="{frame.right}" y1="{bottom}" y2="{bottom}"'
        ' stroke="#9ca3af"/>'
    )


def _tick(x: float) -> str:
    bottom = TOP + PLOT_HEIGHT
    return f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 5}" stroke="#9ca3af"/>'


def _date_label(x: float, text: str, extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{TOP + PLOT_HEIGHT + 20}" text-anchor="middle" fill="#4b5563"'
        f"{extra}>{_attr(text)}</text>"
    )


def day_label(day: str) -> str:
    """A day as the hourly axis writes it: its number in the month ('6'); the month is named
    on the row below."""
    return str(int(day_of(day)[8:10]))


def month_label(day: str) -> str:
    """The month of a day as the row under the day numbers names it: 'Oct 2025'."""
    year, month = day_of(day)[:7].split("-")
    return f"{MONTHS[int(month) - 1]} {year}"


def _week(day: str) -> tuple[int, int]:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return year, week


# The days an axis labels when not all of them fit: the first of each week, then of each month.
TIERS: tuple[Callable[[str], object], ...] = (_week, lambda day: day[:7])


@dataclass(frozen=True)
class DaySpan:
    """The bars of one day on the chart: where its band begins and ends."""

    day: str
    start: float
    end: float

    @property
    def middle(self) -> float:
        """Where the day's label goes."""
        return (self.start + self.end) / 2


def day_spans(frame: Frame) -> list[DaySpan]:
    """Each day of the frame's bars, from half a bar before its first to half after its last
    (the plot's edges bound the first and the last day)."""
    firsts: dict[str, str] = {}
    lasts: dict[str, str] = {}
    for key in frame.dates:
        firsts.setdefault(day_of(key), key)
        lasts[day_of(key)] = key
    half = frame.step / 2
    return [
        DaySpan(
            day,
            max(frame.left, frame.x(firsts[day]) - half),
            min(frame.right, frame.x(lasts[day]) + half),
        )
        for day in firsts
    ]


def _day_bands(spans: Sequence[DaySpan]) -> list[str]:
    """Every other day shaded behind the curves, so that a day's bars read as one group."""
    height = PLOT_HEIGHT
    return [
        f'<rect class="day-band" data-day="{span.day}" x="{span.start:.1f}" y="{TOP}"'
        f' width="{span.end - span.start:.1f}" height="{height}" fill="{DAY_SHADE}"/>'
        for span in spans[1::2]
    ]


def _fits(spans: Sequence[DaySpan]) -> bool:
    """Whether the labels of these days stand apart, each centred under its day."""
    widths = [text_width(day_label(span.day)) for span in spans]
    return all(
        after.middle - before.middle >= (left + right) / 2 + DAY_LABEL_GAP
        for before, after, left, right in zip(spans, spans[1:], widths, widths[1:], strict=False)
    )


def labelled_days(spans: Sequence[DaySpan]) -> list[DaySpan]:
    """The days the axis labels: every day when they fit, else the first of each week, else
    of each month, with the chart's first day when it does not run into the next label
    (and at last only the labels that do not run into the one before)."""
    if _fits(spans):
        return list(spans)
    starts: list[DaySpan] = []
    for first_of in TIERS:
        starts = [
            span
            for before, span in zip(spans, spans[1:], strict=False)
            if first_of(span.day) != first_of(before.day)
        ]
        if _fits(starts):
            return [spans[0], *starts] if _fits([spans[0], *starts[:1]]) else starts
    kept: list[DaySpan] = []
    for span in [spans[0], *starts]:
        if _fits([*kept[-1:], span]):
            kept.append(span)
    return kept


def _month_row(frame: Frame, spans: Sequence[DaySpan]) -> list[str]:
    """Under the day numbers, each month and year from its first day on ('Oct 2025'), as many
    as fit: the chart's first month at its left edge, a later one from its first day."""
    parts: list[str] = []
    end = -math.inf
    for before, span in zip([None, *spans], spans, strict=False):
        if before is not None and before.day[:7] == span.day[:7]:
            continue
        label = month_label(span.day)
        x = min(span.start, frame.width - text_width(label))
        if x < end + DAY_LABEL_GAP:
            continue
        end = x + text_width(label)
        parts.append(
            f'<text class="month-label" data-month="{span.day[:7]}" x="{x:.1f}"'
            f' y="{TOP + PLOT_HEIGHT + 20 + MONTH_ROW}" fill="#4b5563">{_attr(label)}</text>'
        )
    return parts


def _day_axis(frame: Frame, spans: Sequence[DaySpan]) -> list[str]:
    """The date axis of an intraday chart: a tick at each day's boundary, the days' numbers
    under their bands (as many as fit without touching) and their months below."""
    parts = [_baseline(frame), *(_tick(span.start) for span in spans[1:])]
    for span in labelled_days(spans):
        extra = f' class="day-label" data-day="{span.day}"'
        parts.append(_date_label(span.middle, day_label(span.day), extra))
    return [*parts, *_month_row(frame, spans)]


def _dash(style: Style) -> str:
    return f' stroke-dasharray="{style.dash}"' if style.dash else ""


def _steps(coordinates: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The corners of a step line through coordinates: each value holds until the next."""
    corners = list(coordinates[:1])
    for (_, previous), (x, y) in zip(coordinates, coordinates[1:], strict=False):
        corners.extend([(x, previous), (x, y)])
    return corners


def _line(
    frame: Frame,
    name: str,
    points: Sequence[Point],
    style: Style,
    kind: str,
    currency: str,
    step: bool = False,
) -> str:
    coordinates = [(frame.x(day), frame.y(value)) for day, value in points]
    corners = _steps(coordinates) if step else coordinates
    path = " L".join(f"{x:.1f},{y:.1f}" for x, y in corners)
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


def legend_label(name: str) -> str:
    """A name as the legend writes it: shortened with an ellipsis beyond LABEL_CHARS."""
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


def legend_columns(width: int, names: Sequence[str] = ()) -> int:
    """How many legend entries fit side by side: columns of LEGEND_COLUMN, wider when a label
    would run into the next column's line (long signatures, as of the hourly markets)."""
    widest = max((text_width(legend_label(name)) for name in names), default=0.0)
    column = max(LEGEND_COLUMN, math.ceil(widest) + LEGEND_SWATCH + LEGEND_GAP)
    return max(1, (width - LEFT) // column)


def _legend(entries: Sequence[tuple[str, Style]], top: float, width: int) -> list[str]:
    columns = legend_columns(width, [name for name, _ in entries])
    column_width = (width - LEFT) / columns
    parts = []
    for index, (name, style) in enumerate(entries):
        row, column = divmod(index, columns)
        x = LEFT + column * column_width
        y = top + row * LEGEND_ROW
        parts.append(
            f'<g class="legend-entry"><title>{_attr(name)}</title>'
            f'<line x1="{x:.1f}" x2="{x + 26:.1f}" y1="{y:.1f}" y2="{y:.1f}"'
            f' stroke="{style.colour}" stroke-width="3"{_dash(style)}/>'
            f'<text x="{x + LEGEND_SWATCH:.1f}" y="{y + 4:.1f}" fill="#111827">'
            f"{_attr(legend_label(name))}</text></g>"
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
    benchmark_steps: bool = False,
) -> str | None:
    """An SVG of each model's value over time and the benchmark; None when no model has data.

    The legend lists the models in the order of series (give them in rank order); the first is
    drawn last, on top. palette is each model's style (default: by its place in series).
    width is in SVG units: the picture scales to its box, so a narrow width (COMPACT_WIDTH)
    gives a phone bigger text and a one-column legend rather than a shrunken wide chart.
    Values are in currency: the value axis' margin grows to fit its widest label.
    Bars of a day (keys with a time) are grouped: every other day shaded, labelled by day.
    benchmark_steps draws the benchmark as a step line (a value known at some bars only, such
    as a daily close, holds until the next).
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
        drawn.append(
            _line(
                frame, benchmark_label, reference, BENCHMARK_STYLE, kind, currency, benchmark_steps
            )
        )
    intraday = not all(map(is_day, frame.dates))
    legend_top = TOP + PLOT_HEIGHT + AXIS_SPACE + (MONTH_ROW if intraday else 0) + 6
    columns = legend_columns(width, [name for name, _ in entries])
    height = legend_top + math.ceil(len(entries) / columns) * LEGEND_ROW
    title = (
        f"Portfolio value per model and {benchmark_label}, {frame.dates[0]} to {frame.dates[-1]}"
    )
    spans = day_spans(frame) if intraday else []
    x_axis = _day_axis(frame, spans) if intraday else _x_axis(frame)
    axes = [*_day_bands(spans), *_y_axis(frame, labels, currency), *x_axis]
    body = [*axes, *drawn, *_legend(entries, legend_top, width)]
    return (
        f'<svg xmlns="{SVG_NAMESPACE}" class="equity-chart" viewBox="0 0 {width} {height}"'
        f' role="img" font-family="{_attr(FONT)}" font-size="13">'
        f"<title>{_attr(title)}</title>{''.join(body)}</svg>"
    )
