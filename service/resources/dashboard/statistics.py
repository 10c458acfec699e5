"""How sure the dashboard's figures are, for people: 95 % intervals as error bars, verdicts
against the benchmark and probabilities in words (figures from service.results.uncertainty
and service.results.aggregate)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from service.results.leaderboard import LeaderboardOptions
from service.results.uncertainty import UNDETERMINED, BootstrapOptions

# The pages' bootstrap: enough resamples for steady interval ends at two decimals' reading,
# few enough that twenty timelines cost a few tens of milliseconds. Seed 0, as the JSON's
# default: /leaderboard?with=uncertainty&resamples=1000 gives the same intervals.
PAGE_RESAMPLES = 1000
BAR_WIDTH, BAR_HEIGHT = 112, 14
BAR_MARGIN = 5.0
CAP = 4.0
Interval = Mapping[str, float]


def page_options(risk_free_rate: float) -> LeaderboardOptions:
    """What the dashboard asks of a leaderboard: every timeline's uncertainty and the runs of
    each model aggregated."""
    return LeaderboardOptions(
        uncertainty=BootstrapOptions(resamples=PAGE_RESAMPLES),
        aggregate=True,
        risk_free_rate=risk_free_rate,
    )


@dataclass(frozen=True)
class BarScale:
    """Where the values of a column of error bars land: one scale for every row, so that
    the bars compare at a glance; zero always inside."""

    low: float
    high: float

    def x(self, value: float) -> float:
        """The horizontal position of value in a bar."""
        inner = BAR_WIDTH - 2 * BAR_MARGIN
        return BAR_MARGIN + (value - self.low) / (self.high - self.low) * inner


def bar_scale(values: Iterable[float | None]) -> BarScale:
    """The scale holding zero and every known value (a flat one gets a band of one unit)."""
    known = [value for value in values if value is not None and math.isfinite(value)]
    low, high = min([0.0, *known]), max([0.0, *known])
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    return BarScale(low, high)


def interval_of(row: Mapping[str, Any], figure: str) -> Interval | None:
    """The interval of a figure in a ranking's uncertainty; None without one."""
    found: Interval | None = (row.get("uncertainty") or {}).get(figure)
    return found


def reason_of(row: Mapping[str, Any], figure: str) -> str:
    """Why a ranking's uncertainty has no value for figure (empty when it has one)."""
    reasons: Mapping[str, str] = (row.get("uncertainty") or {}).get("reasons") or {}
    return reasons.get(figure, "")


def interval_ends(rows: Iterable[Mapping[str, Any] | None]) -> list[float]:
    """The low and high ends of the intervals among rows (None: no interval)."""
    return [row[end] for row in rows if row for end in ("low", "high")]


def signed(value: float, decimals: int = 2) -> str:
    """A figure with its sign, as the pages write returns: '+3.10', '-2.04' ('+0.00' for a
    value that rounds to zero from below)."""
    return f"{round(value, decimals) + 0.0:+.{decimals}f}"


def interval_text(interval: Interval | None, decimals: int = 2) -> str:
    """An interval as '[-2.03, +8.41]'; an em dash without one."""
    if not interval:
        return "—"
    return f"[{signed(interval['low'], decimals)}, {signed(interval['high'], decimals)}]"


def error_bar(point: float | None, interval: Interval | None, scale: BarScale, what: str) -> Markup:
    """An inline SVG of an interval on scale: a whisker with caps from its low to its high
    end, the point as a dot, zero as a thin line; its tooltip says what it is the interval of.
    Empty without an interval."""
    if not interval:
        return Markup("")
    low, high = scale.x(interval["low"]), scale.x(interval["high"])
    middle = BAR_HEIGHT / 2
    zero = scale.x(0.0)
    parts = [
        f'<line class="zero" x1="{zero:.1f}" x2="{zero:.1f}" y1="0" y2="{BAR_HEIGHT}"'
        ' stroke="#9ca3af" stroke-width="1"/>',
        f'<line class="whisker" x1="{low:.1f}" x2="{high:.1f}" y1="{middle}" y2="{middle}"'
        ' stroke="#374151" stroke-width="1.5"/>',
        *(
            f'<line class="cap" x1="{x:.1f}" x2="{x:.1f}" y1="{middle - CAP}"'
            f' y2="{middle + CAP}" stroke="#374151" stroke-width="1.5"/>'
            for x in (low, high)
        ),
    ]
    if point is not None:
        colour = "#047857" if point > 0 else "#b91c1c" if point < 0 else "#374151"
        parts.append(
            f'<circle class="point" cx="{scale.x(point):.1f}" cy="{middle}" r="3" fill="{colour}"/>'
        )
    title = f"95 % interval of {what}: {interval_text(interval)}"
    # Every value drawn is a number formatted here and the title is escaped.
    return Markup(  # nosec B704
        f'<svg class="error-bar" width="{BAR_WIDTH}" height="{BAR_HEIGHT}"'
        f' viewBox="0 0 {BAR_WIDTH} {BAR_HEIGHT}" role="img"'
        f' data-low="{interval["low"]:.4f}" data-high="{interval["high"]:.4f}">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


def percent(probability: float | None) -> str:
    """A probability as a percentage for people: '97 %', '99.5 %' near certainty, '> 99.9 %'
    nearer still; a dash when unknown."""
    if probability is None:
        return "—"
    shown = probability * 100
    if 99.95 <= shown < 100:
        return "> 99.9 %"
    if 0 < shown < 0.05:
        return "< 0.1 %"
    decimals = 1 if 99 < shown < 100 or 0 < shown < 1 else 0
    return f"{shown:.{decimals}f} %"


def p_text(p_value: float | None) -> str:
    """A p-value as the pages write it: 'p = 0.031', 'p < 0.001'."""
    if p_value is None:
        return ""
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}"


def verdict_words(verdict: bool | str | None, benchmark: str) -> str:
    """beats_benchmark in words: whether the timeline's returns beat the benchmark's over
    the same periods at 95 %."""
    if verdict is None:
        return f"not tested against {benchmark}"
    if verdict == UNDETERMINED:
        return f"no significant difference from {benchmark} at 95 %"
    return f"{'beats' if verdict else 'trails'} {benchmark} at 95 %"


def verdict_short(verdict: bool | str | None) -> str:
    """beats_benchmark in a word for a table: beats, trails, not significant."""
    if verdict is None:
        return "—"
    return "not significant" if verdict == UNDETERMINED else "beats" if verdict else "trails"


def verdict_sentence(
    model: str, uncertainty: Mapping[str, Any], benchmark: str, period: str
) -> str:
    """The paired test of a timeline against the benchmark, in a sentence for its page."""
    verdict = uncertainty.get("beats_benchmark")
    if verdict is None:
        reason = uncertainty["reasons"].get("beats_benchmark", "")
        return f"{model} is not tested against {benchmark}: {reason}."
    test = (
        f"{p_text(uncertainty['excess_p_value'])}, a paired bootstrap test of its returns"
        f" minus {benchmark}'s, {period} by {period}"
    )
    if verdict == UNDETERMINED:
        return (
            f"{model} neither beats nor trails {benchmark} at 95 %: the difference of their"
            f" returns is not significant ({test})."
        )
    side = "beats" if verdict else "trails"
    return f"{model} {side} {benchmark}: the difference is significant at 95 % ({test})."


def verdict_class(verdict: bool | str | None) -> str:
    """A CSS class for the verdict: up, down, or none for no established difference."""
    if verdict is True:
        return "up"
    return "down" if verdict is False else ""


def deflated_sentence(found: Mapping[str, Any] | None) -> str:
    """The Deflated Sharpe Ratio of the best timeline in words; empty when none was found."""
    if not found or found.get("probability") is None:
        return ""
    return (
        f"The best Sharpe ratio among the {found['trials']} timelines, {found['model']}'s "
        f"{found['sharpe']:.2f}, beats what luck alone would give the best of "
        f"{found['trials']} ({found['expected_max_sharpe']:.2f}) with probability "
        f"{percent(found['probability'])} (Deflated Sharpe Ratio)."
    )


def comparison_sentence(comparison: Mapping[str, Any]) -> str:
    """P(A > B) of service.results.aggregate.pairwise in words."""
    return (
        f"A run of {comparison['model']} returned more than a run of {comparison['other']} "
        f"on the same days in {percent(comparison['probability'])} of "
        f"{comparison['pairs']} pairs."
    )
