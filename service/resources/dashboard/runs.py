"""The runs of a model on the dashboard: repeats and windows (service.run_names) drawn and
named together, and the page of one base model's runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from markupsafe import Markup

from service.resources.dashboard.chart import LABEL_CHARS, Curve, Point, Style, styles
from service.results.bands import Bands, run_bands
from service.results.drawdown import drawdown_curve
from service.run_names import RunName, parse_run

# A window's line is thinner than a model's own: a model's windows overlap one another.
WINDOW_LINE_WIDTH = 1.25


def run_styles(signatures: Sequence[str]) -> dict[str, Style]:
    """The style of each timeline and of each base model: the runs of a model take its colour
    (a window's line thinner), the colours going to the bases in the order of their first
    timeline in signatures (give palette_order: a plain model keeps its colour)."""
    bases = styles(list(dict.fromkeys(parse_run(signature).base for signature in signatures)))
    found = dict(bases)
    for signature in signatures:
        name = parse_run(signature)
        style = bases[name.base]
        found[signature] = replace(style, width=WINDOW_LINE_WIDTH) if name.window else style
    return found


def run_description(signature: str) -> Markup:
    """What a run is, for a label under its signature: 'repeat 3', 'window from 2025-09-09',
    'window from 2025-09-09, repeat 2' (the day kept on one line); empty for a model's own
    timeline."""
    name = parse_run(signature)
    parts = []
    if name.window:
        parts.append(Markup('window from <span class="day">{}</span>').format(name.window))
    if name.repeat is not None:
        parts.append(Markup("repeat {}").format(name.repeat))
    return Markup(", ").join(parts)


def runs_kind(signatures: Sequence[str]) -> str:
    """What the runs of a group are called: 'windows' when each is a window, 'repeats' when
    none is, 'runs' for a mix (or a single run)."""
    windows = [parse_run(signature).window is not None for signature in signatures]
    if len(signatures) < 2:
        return "run"
    return "windows" if all(windows) else "runs" if any(windows) else "repeats"


@dataclass(frozen=True)
class Chartable:
    """Curves for a chart in legend order (a line's points, or a fan's bands) and the legend
    label of those curves that share one or stand for several runs."""

    curves: dict[str, Curve]
    labels: dict[str, str]

    def _labels(self, fans: bool) -> list[str]:
        chosen = [
            label
            for name, label in self.labels.items()
            if isinstance(self.curves[name], Bands) is fans
        ]
        return list(dict.fromkeys(chosen))

    def note(self, period: str) -> str:
        """What the chart's fans and windows' lines are, in words (empty when it has none)."""
        parts = []
        fans, windows = self._labels(True), self._labels(False)
        if fans:
            parts.append(
                "A model's repeats are one fan: the median of its repeats as a line, the middle"
                " half of them in the darker band and all of them in the lighter one"
                f" ({', '.join(fans)})."
            )
        if windows:
            parts.append(
                f"A model's windows span different {period}s: a thinner line each in the"
                f" model's colour, not banded ({', '.join(windows)})."
            )
        return " ".join(parts)


def _by_base(series: Mapping[str, Sequence[Point]]) -> dict[str, list[RunName]]:
    members: dict[str, list[RunName]] = defaultdict(list)
    for signature in series:
        name = parse_run(signature)
        members[name.base].append(name)
    return members


def chartable(series: Mapping[str, Sequence[Point]]) -> Chartable:
    """The timelines' curves (in their order) grouped by base model: two or more timelines of
    one model outside windows are its repeats, one fan at the place of the first of them; a
    model's windows span different days, so they stay a line each, under one legend entry."""
    members = _by_base(series)
    curves: dict[str, Curve] = {}
    labels: dict[str, str] = {}
    for signature, points in series.items():
        name = parse_run(signature)
        repeats = [run.signature for run in members[name.base] if run.window is None]
        windows = [run for run in members[name.base] if run.window is not None]
        if name.window is None and len(repeats) > 1:
            if name.base not in curves:
                curves[name.base] = fan(series[repeat] for repeat in repeats)
                labels[name.base] = runs_label(name.base, len(repeats), "repeats")
            continue
        curves[signature] = points
        if name.window is not None and len(windows) > 1:
            labels[signature] = runs_label(name.base, len(windows), "windows")
    return Chartable(curves, labels)


def runs_label(base: str, count: int, kind: str) -> str:
    """The legend label of a model's runs, 'mock-llm · 10 repeats': a long model name is
    shortened rather than the count, to fit the legend's LABEL_CHARS."""
    suffix = f" · {count} {kind}"
    room = LABEL_CHARS - len(suffix)
    return (base if len(base) <= room else base[: room - 1] + "…") + suffix


def fan(curves: Iterable[Sequence[Point]]) -> Bands:
    """The bands of a model's repeats, each with at least one point."""
    bands = run_bands(curves)
    assert bands is not None  # nosec B101 - every ranked timeline has its first day
    return bands


def drawdowns(series: Mapping[str, Sequence[Point]]) -> dict[str, list[Point]]:
    """Each timeline's drawdown curve."""
    return {signature: drawdown_curve(points) for signature, points in series.items()}
