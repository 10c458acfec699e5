"""Equity curves of every model and the benchmark, and drawdown curves, drawn on the server as
SVG strings. The repeats of a model may be drawn as one fan: its range and interquartile bands
around the median."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from service.market.calendar import day_of, is_day
from service.resources.dashboard.amounts import currency_sign, with_currency
from service.results.bands import Bands
from service.results.drawdown import deepest

Point = tuple[str, float]
Curve = Sequence[Point] | Bands
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
# A fan: its range band lighter than its interquartile band, both under every line.
RANGE_OPACITY, QUARTILE_OPACITY = 0.13, 0.3
# A drawdown chart's value axis reaches at least this far down (percent), so that a timeline
# that never fell is a line along the top rather than the middle of a band around zero.
SHALLOWEST_DRAWDOWN = -1.0
AREA_OPACITY = 0.12


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


def _y_axis(frame: Frame, labels: Sequence[str], unit: str) -> list[str]:
    parts = []
    for tick, label in zip(frame.ticks, labels, strict=True):
        y = frame.y(tick)
        parts.append(
            f'<line class="grid" x1="{frame.left:.1f}" x2="{frame.right}" y1="{y:.1f}"'
            f' y2="{y:.1f}" stroke="#e5e7eb" stroke-width="1"/>'
            f'<text x="{frame.left - LABEL_GAP:.1f}" y="{y + 4:.1f}" text-anchor="end"'
            f' fill="#4b5563">{_attr(label)}</text>'
        )
    if unit:
        # Above the plot's corner, clear of the top value label beside it.
        parts.append(
            f'<text class="unit" x="{frame.left + 4:.1f}" y="{TOP - 4}" fill="#4b5563"'
            f' font-size="12" font-weight="600">{_attr(unit)}</text>'
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


@dataclass(frozen=True)
class Units:
    """How a chart writes its values: the axis' labels, a value in a line's tooltip, and a
    unit named once above the axis (empty when the labels carry it)."""

    tick_labels: Callable[[Sequence[float]], list[str]]
    value: Callable[[float], str]
    unit: str = ""


def money_units(currency: str) -> Units:
    """Values in currency: '$10,000' on the axis, '$10,123.45' in a tooltip."""
    return Units(
        lambda ticks: tick_labels(ticks, currency),
        lambda value: with_currency(f"{value:,.2f}", currency),
        "" if currency_sign(currency) else currency,
    )


def percent_tick_labels(ticks: Sequence[float]) -> list[str]:
    """Percent ticks to the decimals they need: '0%', '-2.5%'."""
    decimals = tick_decimals(ticks)
    return [f"{tick + 0.0:,.{decimals}f}%" for tick in ticks]  # + 0.0: no '-0%'


PERCENT = Units(percent_tick_labels, lambda value: f"{value:.2f}%")


def _path(coordinates: Sequence[tuple[float, float]]) -> str:
    return " L".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)


def _line(
    frame: Frame,
    name: str,
    points: Sequence[Point],
    style: Style,
    kind: str,
    units: Units,
    step: bool = False,
    title: str | None = None,
) -> str:
    """A line through points; its tooltip (default: the last value) is title."""
    coordinates = [(frame.x(day), frame.y(value)) for day, value in points]
    corners = _steps(coordinates) if step else coordinates
    last_day, last_value = points[-1]
    title = title or f"{name}: {units.value(last_value)} on {last_day}"
    # A timeline of one day (just registered) is a dot: a path of one point would be invisible.
    marker = (
        f'<circle cx="{coordinates[0][0]:.1f}" cy="{coordinates[0][1]:.1f}" r="3.5"'
        f' fill="{style.colour}"/>'
        if len(points) == 1
        else ""
    )
    return (
        f'<g><title>{_attr(title)}</title><path class="{kind}" data-model="{_attr(name)}"'
        f' d="M{_path(corners)}" fill="none" stroke="{style.colour}" stroke-width="{style.width}"'
        f' stroke-linejoin="round" stroke-linecap="round"{_dash(style)}/>{marker}</g>'
    )


def _band(
    frame: Frame, name: str, bands: Bands, edges: tuple[Sequence[float], Sequence[float]]
) -> str:
    """The area between two of the bands' summaries, as a polygon: along the upper edge, back
    along the lower one."""
    upper, lower = edges
    top = [(frame.x(day), frame.y(value)) for day, value in bands.points(upper)]
    bottom = [(frame.x(day), frame.y(value)) for day, value in bands.points(lower)]
    corners = " ".join(f"{x:.1f},{y:.1f}" for x, y in [*top, *reversed(bottom)])
    return f'<polygon data-model="{_attr(name)}" points="{corners}"'


def _fan_bands(frame: Frame, name: str, bands: Bands, style: Style) -> str:
    """The fan's range band (lowest to highest run) and interquartile band, behind the lines."""
    whole = _band(frame, name, bands, (bands.high, bands.low))
    middle = _band(frame, name, bands, (bands.upper_quartile, bands.lower_quartile))
    return (
        f'{whole} class="fan-range" fill="{style.colour}" fill-opacity="{RANGE_OPACITY}"/>'
        f'{middle} class="fan-quartiles" fill="{style.colour}"'
        f' fill-opacity="{QUARTILE_OPACITY}"/>'
    )


def _fan_median(frame: Frame, name: str, bands: Bands, style: Style, units: Units) -> str:
    """The fan's median line; its tooltip gives the last day's median, quartiles and range."""
    value = units.value
    title = (
        f"{name}, {bands.runs} repeats on {bands.dates[-1]}: median {value(bands.median[-1])},"
        f" interquartile {value(bands.lower_quartile[-1])} to {value(bands.upper_quartile[-1])},"
        f" range {value(bands.low[-1])} to {value(bands.high[-1])}"
    )
    median = bands.points(bands.median)
    return _line(frame, name, median, style, "series fan-median", units, title=title)


def _area(frame: Frame, name: str, points: Sequence[Point], style: Style, base: float) -> str:
    """The area between a line and the value base, lightly filled (a drawdown's depth)."""
    line = [(frame.x(day), frame.y(value)) for day, value in points]
    floor = [(x, frame.y(base)) for x, _ in reversed(line)]
    corners = " ".join(f"{x:.1f},{y:.1f}" for x, y in [*line, *floor])
    return (
        f'<polygon class="area" data-model="{_attr(name)}" points="{corners}"'
        f' fill="{style.colour}" fill-opacity="{AREA_OPACITY}"/>'
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


@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: its label, its style, and whether it stands for a fan."""

    label: str
    style: Style
    fan: bool = False


def _swatch(entry: LegendEntry, x: float, y: float) -> str:
    """A legend entry's sample: its line, over a band for a fan."""
    style = entry.style
    band = (
        f'<rect x="{x:.1f}" y="{y - 6:.1f}" width="26" height="12" fill="{style.colour}"'
        f' fill-opacity="{QUARTILE_OPACITY}"/>'
        if entry.fan
        else ""
    )
    return (
        f'{band}<line x1="{x:.1f}" x2="{x + 26:.1f}" y1="{y:.1f}" y2="{y:.1f}"'
        f' stroke="{style.colour}" stroke-width="3"{_dash(style)}/>'
    )


def _legend(entries: Sequence[LegendEntry], top: float, width: int) -> list[str]:
    columns = legend_columns(width, [entry.label for entry in entries])
    column_width = (width - LEFT) / columns
    parts = []
    for index, entry in enumerate(entries):
        row, column = divmod(index, columns)
        x = LEFT + column * column_width
        y = top + row * LEGEND_ROW
        parts.append(
            f'<g class="legend-entry"><title>{_attr(entry.label)}</title>{_swatch(entry, x, y)}'
            f'<text x="{x + LEGEND_SWATCH:.1f}" y="{y + 4:.1f}" fill="#111827">'
            f"{_attr(legend_label(entry.label))}</text></g>"
        )
    return parts


def _finite(points: Sequence[Point]) -> list[Point]:
    return [(day, value) for day, value in points if math.isfinite(value)]


def _values(curve: Curve) -> list[float]:
    if isinstance(curve, Bands):
        return [*curve.low, *curve.high]
    return [value for _, value in curve]


def _dates(curve: Curve) -> Sequence[str]:
    return curve.dates if isinstance(curve, Bands) else [day for day, _ in curve]


@dataclass(frozen=True)
class Plot:
    """What one chart draws: curves by name in legend order (a line's points, or a fan's
    bands), each name's style, how values are written, and the chart's CSS class and title.
    labels gives a curve another legend label; curves of one label share an entry. reference
    is the benchmark's line (steps: a value holding until the next); span are values the axis
    must reach; area fills between each line and this value when set."""

    curves: Mapping[str, Curve]
    palette: Mapping[str, Style]
    units: Units
    kind: str
    title: str
    labels: Mapping[str, str]
    reference: Sequence[Point] = ()
    reference_label: str = "benchmark"
    reference_steps: bool = False
    span: Sequence[float] = ()
    area: float | None = None


def _entries(plot: Plot, curves: Mapping[str, Curve]) -> list[LegendEntry]:
    entries: dict[str, LegendEntry] = {}
    for name, curve in curves.items():
        label = plot.labels.get(name, name)
        entries.setdefault(label, LegendEntry(label, plot.palette[name], isinstance(curve, Bands)))
    return list(entries.values())


def _drawn(plot: Plot, frame: Frame, curves: Mapping[str, Curve]) -> list[str]:
    """Every fan's bands first, then the lines, the first curve drawn last (on top)."""
    behind, lines = [], []
    for name, curve in reversed(list(curves.items())):
        style = plot.palette[name]
        if isinstance(curve, Bands):
            behind.append(_fan_bands(frame, name, curve, style))
            lines.append(_fan_median(frame, name, curve, style, plot.units))
            continue
        if plot.area is not None:
            behind.append(_area(frame, name, curve, style, plot.area))
        lines.append(_line(frame, name, curve, style, "series", plot.units))
    return [*behind, *lines]


def _deepest_marks(plot: Plot, frame: Frame, curves: Mapping[str, Curve]) -> list[str]:
    """A drawdown chart of one line marks its lowest point."""
    if plot.area is None or len(curves) != 1:
        return []
    ((name, curve),) = curves.items()
    low = None if isinstance(curve, Bands) else deepest(curve)
    if low is None or low[1] >= 0:
        return []
    title = f"{name}: deepest {plot.units.value(low[1])} on {low[0]}"
    return [
        f'<g><title>{_attr(title)}</title><circle class="deepest" cx="{frame.x(low[0]):.1f}"'
        f' cy="{frame.y(low[1]):.1f}" r="4" fill="{plot.palette[name].colour}"/></g>'
    ]


def draw(plot: Plot, width: int = WIDTH) -> str | None:
    """The plot as an SVG width units wide; None when no curve has a finite value."""
    curves = {
        name: curve if isinstance(curve, Bands) else _finite(curve)
        for name, curve in plot.curves.items()
    }
    curves = {name: curve for name, curve in curves.items() if _dates(curve)}
    if not curves:
        return None
    reference = _finite(plot.reference)
    values = [value for curve in curves.values() for value in _values(curve)]
    values += [value for _, value in reference] + list(plot.span)
    ticks = nice_ticks(min(values), max(values))
    labels = plot.units.tick_labels(ticks)
    left = max(LEFT, math.ceil(max(map(text_width, labels)) + 2 * LABEL_GAP))
    dates = {day for curve in curves.values() for day in _dates(curve)}
    frame = Frame(sorted(dates | {day for day, _ in reference}), ticks, width, left)
    entries = _entries(plot, curves)
    drawn = _drawn(plot, frame, curves)
    if reference:
        entries.append(LegendEntry(plot.reference_label, BENCHMARK_STYLE))
        kind = "series benchmark"
        drawn.append(
            _line(
                frame,
                plot.reference_label,
                reference,
                BENCHMARK_STYLE,
                kind,
                plot.units,
                plot.reference_steps,
            )
        )
    intraday = not all(map(is_day, frame.dates))
    legend_top = TOP + PLOT_HEIGHT + AXIS_SPACE + (MONTH_ROW if intraday else 0) + 6
    columns = legend_columns(width, [entry.label for entry in entries])
    height = legend_top + math.ceil(len(entries) / columns) * LEGEND_ROW
    title = f"{plot.title}, {frame.dates[0]} to {frame.dates[-1]}"
    spans = day_spans(frame) if intraday else []
    x_axis = _day_axis(frame, spans) if intraday else _x_axis(frame)
    axes = [*_day_bands(spans), *_y_axis(frame, labels, plot.units.unit), *x_axis]
    marks = _deepest_marks(plot, frame, curves)
    body = [*axes, *drawn, *marks, *_legend(entries, legend_top, width)]
    return (
        f'<svg xmlns="{SVG_NAMESPACE}" class="{plot.kind}" viewBox="0 0 {width} {height}"'
        f' role="img" font-family="{_attr(FONT)}" font-size="13">'
        f"<title>{_attr(title)}</title>{''.join(body)}</svg>"
    )


def equity_chart(
    series: Mapping[str, Curve],
    benchmark: Sequence[Point] = (),
    benchmark_label: str = "benchmark",
    width: int = WIDTH,
    palette: Mapping[str, Style] | None = None,
    currency: str = "USD",
    benchmark_steps: bool = False,
    labels: Mapping[str, str] | None = None,
) -> str | None:
    """An SVG of each model's value over time and the benchmark; None when no model has data.

    The legend lists the models in the order of series (give them in rank order); the first is
    drawn last, on top. A model given as Bands (its repeats) is drawn as a fan: its range and
    interquartile bands, under every line, and its median line. palette is each model's style
    (default: by its place in series); labels renames legend entries (those of one label
    share an entry: the windows of a model). width is in SVG units: the picture scales to its
    box, so a narrow width (COMPACT_WIDTH) gives a phone bigger text and a one-column legend
    rather than a shrunken wide chart. Values are in currency: the value axis' margin grows
    to fit its widest label. Bars of a day (keys with a time) are grouped: every other day
    shaded, labelled by day. benchmark_steps draws the benchmark as a step line (a value known
    at some bars only, such as a daily close, holds until the next).
    """
    plot = Plot(
        curves=series,
        palette=palette or styles(list(series)),
        units=money_units(currency),
        kind="equity-chart",
        title=f"Portfolio value per model and {benchmark_label}",
        labels=labels or {},
        reference=benchmark,
        reference_label=benchmark_label,
        reference_steps=benchmark_steps,
    )
    return draw(plot, width)


def drawdown_chart(
    curves: Mapping[str, Curve],
    width: int = WIDTH,
    palette: Mapping[str, Style] | None = None,
    labels: Mapping[str, str] | None = None,
) -> str | None:
    """An SVG of drawdown curves (percent below the running peak, service.results.drawdown):
    a line each, or a fan for Bands; a single line is filled down from zero and its deepest
    point marked. None when no curve has data."""
    plot = Plot(
        curves=curves,
        palette=palette or styles(list(curves)),
        units=PERCENT,
        kind="drawdown-chart",
        title="Drawdown from the running peak",
        labels=labels or {},
        span=(SHALLOWEST_DRAWDOWN, 0.0),
        area=0.0 if len(curves) == 1 else None,
    )
    return draw(plot, width)
