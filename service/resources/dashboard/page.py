"""What the dashboard shows: the leaderboard with its benchmark row, value series, current job."""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from service.jobs.lifecycle import ACTIVE_JOB_STATUSES
from service.jobs.status import job_row, latest_job_id, progress
from service.market.calendar import bar_key, bar_start, day_of, is_day
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.portfolio.positions import latest_date, registration_day, stored_models
from service.resources.dashboard.chart import Point
from service.resources.dashboard.runs import Chartable, chartable
from service.resources.dashboard.statistics import BarScale, bar_scale, interval_ends, interval_of
from service.results.benchmark import benchmark_series
from service.results.leaderboard import LeaderboardOptions, leaderboard
from service.results.performance import end_of_day_series

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
BAR_TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?")
UNKNOWN = "—"
# Below a dollar, cents would round most model-days to $0.00: four decimals keep them apart.
SMALL_COST_DECIMALS = 4
TOKEN_UNITS = ((1e9, "B"), (1e6, "M"), (1e3, "k"))
# The example job in the empty state covers the days of the last 21 bars: about a month of a
# daily market, four or five days of an hourly one; quick to run.
EXAMPLE_TRADING_DAYS = 21


@dataclass(frozen=True)
class Dashboard:
    """Everything the page needs, read in one go."""

    day: str | None
    latest_day: str | None
    rankings: list[dict[str, Any]]
    benchmark: dict[str, Any] | None
    series: dict[str, list[Point]]
    benchmark_series: list[Point]
    job: dict[str, Any] | None
    example_start: str
    example_end: str
    palette_order: list[str]
    benchmark_steps: bool = False
    groups: list[dict[str, Any]] = field(default_factory=list)
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    deflated_sharpe: dict[str, Any] | None = None

    @property
    def ranked_series(self) -> dict[str, list[Point]]:
        """The models' value series in rank order (the chart's legend follows the table)."""
        return {row["model"]: self.series[row["model"]] for row in self.rankings}

    @property
    def chart_curves(self) -> Chartable:
        """The ranked series as the chart draws them: a model's repeats as one fan."""
        return chartable(self.ranked_series)

    @property
    def has_runs(self) -> bool:
        """Whether a model has several timelines (repeats or windows) ranked."""
        return any(group["runs"] > 1 for group in self.groups)

    @property
    def return_scale(self) -> BarScale:
        """One scale for the error bars of the rankings' returns."""
        intervals = [interval_of(row, "total_return_pct") for row in self.rankings]
        points = [row["cumulative_return_pct"] for row in self.rankings]
        return bar_scale([*points, *interval_ends(intervals)])

    @property
    def group_scale(self) -> BarScale:
        """One scale for the error bars of the groups' mean returns."""
        summaries = [group["total_return_pct"] for group in self.groups]
        means = [summary["mean"] for summary in summaries]
        return bar_scale([*means, *interval_ends(summary["interval"] for summary in summaries)])

    @property
    def shown_comparisons(self) -> list[dict[str, Any]]:
        """The pairs of models compared over more than one pair of runs (a single pair of
        single runs says no more than their rows)."""
        return [pair for pair in self.comparisons if pair["pairs"] > 1]


def parse_day(text: str) -> str:
    """text as an ISO date (YYYY-MM-DD), or ValueError saying what is expected."""
    try:
        if ISO_DAY.fullmatch(text):
            return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD, for example 2025-10-29")


def parse_date(text: str, intraday: bool, bar: str | None = None) -> str:
    """?date of a market's page as a key: a day, or on an intraday market also a bar
    (YYYY-MM-DD HH:MM[:SS]); bar (HH:MM[:SS], the form's bar picker) names a bar of the day.
    ValueError saying what is expected."""
    if not intraday:
        return parse_day(text)
    expected = "use YYYY-MM-DD (the day's last bar) or YYYY-MM-DD HH:MM (a bar), for example"
    if bar and not BAR_TIME.fullmatch(bar):
        raise ValueError(f"{bar!r} is not a time of a bar: use HH:MM, for example 12:00")
    try:
        key = bar_key(text)
        return bar_key(f"{key} {bar}") if bar and is_day(key) else key
    except ValueError:
        raise ValueError(f"{text!r} is not a date: {expected} 2025-10-03 12:00") from None


def bar_times(keys: Iterable[str]) -> list[str]:
    """The times of day of the bars among keys (HH:MM:SS), in order: the bar picker's."""
    return sorted({key[11:] for key in keys if not is_day(key)})


def bar_period(key: str, rules: MarketRules) -> str:
    """When the bar named key trades, '12:00–13:00' (a bar may be named by its start or by its
    end); empty for a day."""
    if is_day(key):
        return ""
    start = datetime.fromisoformat(bar_start(key, rules.bar_minutes, rules.labelled_by_end))
    end = start + timedelta(minutes=rules.bar_minutes)
    return f"{start:%H:%M}–{end:%H:%M}"


def return_heading(rules: MarketRules) -> str:
    """The heading of the leaderboard's column of the return over the latest step: 'Daily',
    or 'Hourly' for 60-minute bars (another length by its minutes)."""
    if not rules.intraday:
        return "Daily"
    return "Hourly" if rules.bar_minutes == 60 else f"{rules.bar_minutes}-min"


def bar_place(key: str, keys: Sequence[str]) -> str:
    """Which bar of its day key is among keys (a calendar, a model's stored bars): "the
    day's last bar" or "bar 2 of 6 of the day"; empty for a day or a key not among them."""
    day = [other for other in keys if day_of(other) == day_of(key)]
    if is_day(key) or key not in day:
        return ""
    if key == day[-1]:
        return "the day's last bar"
    return f"bar {day.index(key) + 1} of {len(day)} of the day"


@dataclass(frozen=True)
class MarketTab:
    """One market in the dashboard's switch: its name, label, currency, stored timelines,
    and its bars' length ('1d', '60min')."""

    name: str
    label: str
    currency: str
    timelines: int
    current: bool
    bars: str = "1d"


def market_tabs(
    conn: sqlite3.Connection, markets: Iterable[MarketRules], current: str
) -> list[list[MarketTab]]:
    """Each market (in the given order) with how many timelines it holds, current marked;
    neighbours with bars of one length in a group (the daily markets, the hourly ones)."""
    tabs = [
        MarketTab(
            rules.name,
            rules.label,
            rules.currency,
            len(stored_models(conn, rules.name)),
            rules.name == current,
            rules.bar_interval,
        )
        for rules in markets
    ]
    return [list(group) for _, group in itertools.groupby(tabs, key=lambda tab: tab.bars)]


def palette_order(conn: sqlite3.Connection, market: str) -> list[str]:
    """Every stored model of market, earliest registration first, then by name: the order of
    the colour slots, so a model keeps its colour on every day of its market whatever its rank,
    as others join later (and whatever is stored on other markets)."""
    return sorted(
        stored_models(conn, market), key=lambda model: (registration_day(conn, model) or "", model)
    )


def example_span(prices: PriceData, benchmark: str) -> tuple[str, str]:
    """The days of the empty state's example job: about a month up to the data's end, from
    the first of them with a close of the benchmark (CD5's file starts later than the coins')."""
    window = prices.trading_days[-EXAMPLE_TRADING_DAYS:]
    start = next((day for day in window if prices.close(benchmark, day)), window[0])
    return day_of(start), day_of(prices.last_day)


def model_series(conn: sqlite3.Connection, models: list[str], end: str) -> dict[str, list[Point]]:
    """Each model's end-of-day value from its registration day to end, models in name order."""
    series = {}
    for model in sorted(models):
        start = registration_day(conn, model) or end
        points = end_of_day_series(conn, model, start, end)
        series[model] = [(point.date, point.portfolio_value) for point in points]
    return series


def _initial_value(series: dict[str, list[Point]], start: str) -> float | None:
    """The value on the day the benchmark starts: what a model registered then held."""
    return next((points[0][1] for points in series.values() if points[0][0] == start), None)


def benchmark_row(board: dict[str, Any], points: list[Point]) -> dict[str, Any] | None:
    """The benchmark as a leaderboard row: its value as if it had the same initial cash."""
    if not points:
        return None
    value = points[-1][1]
    daily = (value / points[-2][1] - 1) * 100 if len(points) > 1 else 0.0
    return {
        **board["benchmark"],
        "date": points[-1][0],
        "portfolio_value": value,
        "daily_return_pct": daily,
    }


def current_job(conn: sqlite3.Connection) -> dict[str, Any] | None:
    """The latest job with its progress, and whether it is still going."""
    job_id = latest_job_id(conn)
    job = job_row(conn, job_id) if job_id else None
    if job is None:
        return None
    job["progress"] = progress(conn, job)
    job["active"] = job["status"] in ACTIVE_JOB_STATUSES
    return job


def _reference(
    prices: PriceData,
    rules: MarketRules,
    board: dict[str, Any] | None,
    series: dict[str, list[Point]],
) -> list[Point]:
    """The benchmark series from the earliest registration among the ranked models."""
    start = board["benchmark"]["start_date"] if board else None
    if board is None or start is None:
        return []
    initial = _initial_value(series, start)
    if not initial:
        return []
    return benchmark_series(prices, rules.benchmark, start, board["date"], initial)


def shown_key(
    prices: PriceData, rules: MarketRules, key: str | None, latest: str | None
) -> str | None:
    """The day or bar the leaderboard shows for ?date=key (default: the newest stored one).
    On an intraday market that is a bar: a day's last one, the bar a time falls in, or the last
    bar before a day without any."""
    if key is None:
        return latest
    return (prices.last_bar_through(key) or key) if rules.intraday else key


def carried_benchmark(prices: PriceData, rules: MarketRules, points: Sequence[Point]) -> bool:
    """Whether the benchmark of an intraday market is only known at some bars (a daily close,
    from the day's closing bar on): its other bars carry the last value, drawn as steps."""
    return rules.intraday and any(prices.close(rules.benchmark, key) is None for key, _ in points)


def gather(
    conn: sqlite3.Connection,
    prices: PriceData,
    rules: MarketRules,
    day: str | None = None,
    options: LeaderboardOptions | None = None,
) -> Dashboard:
    """The leaderboard on day (default: the newest stored day; on an intraday market a day
    is its last bar, or day names a bar) with what options add, and everything around it."""
    latest = latest_date(conn, rules.name)
    day = shown_key(prices, rules, day, latest)
    options = options or LeaderboardOptions()
    board = leaderboard(conn, prices, rules, day, options) if day else None
    rankings = board["rankings"] if board else []
    series = model_series(conn, [row["model"] for row in rankings], day) if day else {}
    reference = _reference(prices, rules, board, series)
    example_start, example_end = example_span(prices, rules.benchmark)
    return Dashboard(
        day=day,
        latest_day=latest,
        rankings=rankings,
        benchmark=benchmark_row(board, reference) if board else None,
        series=series,
        benchmark_series=reference,
        job=current_job(conn),
        example_start=example_start,
        example_end=example_end,
        palette_order=palette_order(conn, rules.name),
        benchmark_steps=carried_benchmark(prices, rules, reference),
        groups=board.get("groups", []) if board else [],
        comparisons=board.get("comparisons", []) if board else [],
        deflated_sharpe=board.get("deflated_sharpe") if board else None,
    )


def format_duration(seconds: float | None) -> str:
    """A duration for people: '45s', '3m 05s', '2h 01m'; an em dash when unknown."""
    if seconds is None:
        return UNKNOWN
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def format_usd(value: float | None) -> str:
    """A cost for people: cents from a dollar up ('$12.34'), four decimals below ('$0.0123'),
    '<$0.0001' for less; an em dash when unknown (a model without pricing)."""
    if value is None:
        return UNKNOWN
    smallest = 10**-SMALL_COST_DECIMALS
    if 0 < value < smallest:
        return f"<${smallest:.{SMALL_COST_DECIMALS}f}"
    if value == 0 or round(value, SMALL_COST_DECIMALS) >= 1:
        return f"${value:,.2f}"
    return f"${value:.{SMALL_COST_DECIMALS}f}"


def format_tokens(count: int | None) -> str:
    """A token count for people: exact below a thousand, else '4.4k', '12.3M'; a dash when
    unknown (a model that calls no LLM)."""
    if count is None:
        return UNKNOWN
    if count < 1000:
        return str(count)
    size, unit = next((size, unit) for size, unit in TOKEN_UNITS if round(count / size, 1) >= 1)
    return f"{count / size:.1f}{unit}"


def total_tokens(spent: Mapping[str, Any]) -> int | None:
    """Prompt and completion tokens together (cached and reasoning ones are counted in them);
    None when neither is known."""
    parts = [spent.get("prompt_tokens"), spent.get("completion_tokens")]
    known = [part for part in parts if part is not None]
    return sum(known) if known else None


def token_detail(spent: Mapping[str, Any]) -> str:
    """The exact counts behind a total, for a tooltip: '4,400 tokens: 4,000 prompt (1,600
    cached), 400 completion (100 reasoning)', a detail left out when the provider gave none;
    empty when no token is known."""
    count = total_tokens(spent)
    if count is None:
        return ""

    def part(kind: str, detail: str) -> str:
        value, inner = spent.get(f"{kind}_tokens"), spent.get(f"{detail}_tokens")
        shown = f"{UNKNOWN if value is None else f'{value:,}'} {kind}"
        return shown if inner is None else f"{shown} ({inner:,} {detail})"

    return f"{count:,} tokens: {part('prompt', 'cached')}, {part('completion', 'reasoning')}"
