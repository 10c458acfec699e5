"""The runs of a job: each chosen model once per window and per repeat, a timeline of its own.

A trigger may ask for `repeats` (N independent timelines of each model, `<signature>:r1` to
`:rN`) and for `windows` (date ranges, each a timeline `<signature>:w<first day>` registered on
its window's first trading day; a window's repeats are `<signature>:w<day>:r<k>`, see
service.run_names). Without either, a model's only run is the model itself under its own
signature, over the request's range.

A run is a copy of the model's spec under the run's signature, which is how the job's snapshot
and the consumer know it. Repeats differ by their seed:

- a built-in whose strategy takes a `seed` parameter draws with its seed (the strategy's default
  when the config sets none) plus k; every built-in's random draws also mix in the signature;
- an OpenAI-compatible model whose request_options set a `seed` (the config saying that its
  provider takes one) sends that seed plus k; without one nothing is added, as a provider may
  refuse the parameter, and the repeats differ by sampling;
- the mock LLM draws from its signature, so that each repeat's own signature seeds it.

A window runs the model as it is: over a range of its own, not with another seed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from service.agent.request_options import RequestOptionsSchema
from service.jobs.planning import (
    DayRange,
    JobRequest,
    JobRequestError,
    WindowRule,
    check_length,
)
from service.market.calendar import day_of, through
from service.market.directory import Markets
from service.market.prices import PriceData
from service.models_config import ModelsConfig, ModelSpec, is_valid_signature
from service.run_names import RunName
from service.strategies import build_strategy, check_strategy

MAX_WINDOWS = 100  # a rule's windows, as many as a list may name
WINDOWS = "windows"
REPEATS = "repeats"


@dataclass(frozen=True)
class Window:
    """A window on one market: its range and the first trading day, which names it."""

    day: str
    start_date: str
    end_date: str


@dataclass(frozen=True)
class Run:
    """One timeline of a job: a model's spec under the run's signature, over its range."""

    spec: ModelSpec
    base: str  # the config signature
    start_date: str | None  # None: resume the timeline, as a request without start_date does
    end_date: str

    @property
    def signature(self) -> str:
        """The timeline's signature."""
        return self.spec.signature

    def request(self, request: JobRequest) -> JobRequest:
        """request as this run plans it: over the run's own range."""
        return replace(request, start_date=self.start_date, end_date=self.end_date)


# Each timeline is a chain of tasks and a row of every answer about the job; 50 repeats of 20
# models, or 100 windows of 10, fit.
MAX_RUNS = 1000


def expand_runs(
    config: ModelsConfig, models: list[str], request: JobRequest, markets: Markets, max_days: int
) -> list[Run]:
    """The runs of the chosen models, model by model, each window's repeats together.

    Windows are found on each model's market (its trading days); a window outside the price
    data or the request's range, with no trading day, longer than MAX_SIMULATION_DAYS or
    beginning on the same day as another, and a signature grown too long, are JobRequestErrors
    naming the field.
    """
    specs = config.by_signature()
    names = sorted({specs[model].market for model in models})
    windows = {name: _market_windows(request, markets, name, max_days) for name in names}
    repeats: list[int | None] = (
        list(range(1, request.repeats + 1)) if request.repeats > 1 else [None]
    )
    count = sum(len(windows[specs[model].market]) for model in models) * len(repeats)
    if count > MAX_RUNS:
        raise JobRequestError(
            f"{len(models)} models with these repeats and windows make {count} timelines; "
            f"a job holds at most {MAX_RUNS}",
            "repeats" if request.windows is None else WINDOWS,
        )
    return [
        _run(specs[model], window, repeat, request)
        for model in models
        for window in windows[specs[model].market]
        for repeat in repeats
    ]


def _market_windows(
    request: JobRequest, markets: Markets, market: str, max_days: int
) -> list[Window | None]:
    """The request's windows on a market ([None]: none asked for, the request's range)."""
    if request.windows is None:
        return [None]
    prices = markets.prices(market)
    if isinstance(request.windows, WindowRule):
        found = _rule_windows(request, request.windows, prices, market)
    else:
        found = [_window(request, asked, prices, market) for asked in request.windows]
    first_of: dict[str, Window] = {}
    for window in found:
        check_length(window.start_date, window.end_date, max_days, "window", WINDOWS)
        other = first_of.setdefault(window.day, window)
        if other is not window:
            raise JobRequestError(
                f"windows {other.start_date}..{other.end_date} and {window.start_date}.."
                f"{window.end_date} both begin on {window.day} on {market}: one timeline, "
                f"{RunName('<signature>', window.day).signature}, cannot run both",
                WINDOWS,
            )
    return list(found)


def _window(request: JobRequest, asked: DayRange, prices: PriceData, market: str) -> Window:
    """A window of the list on a market, checked against the request's range and the data."""
    start, end = asked.start_date, asked.end_date
    outside = (request.start_date is not None and start < request.start_date) or (
        end > through(request.end_date)
    )
    if outside:
        limits = f"{request.start_date or 'the first day of the data'}..{request.end_date}"
        raise JobRequestError(
            f"window {start}..{end} is outside the request's start_date..end_date {limits}",
            WINDOWS,
        )
    available = f"the {market} price data covers {prices.first_day}..{prices.last_day}"
    if not (prices.covers(start) and prices.covers(end)):
        raise JobRequestError(
            f"window {start}..{end} is outside the price data: {available}", WINDOWS
        )
    days = prices.trading_days_between(start, end)
    if not days:
        raise JobRequestError(f"window {start}..{end} has no trading day; {available}", WINDOWS)
    return Window(day_of(days[0]), start, end)


def _rule_windows(
    request: JobRequest, rule: WindowRule, prices: PriceData, market: str
) -> list[Window]:
    """The whole windows of the rule over the request's range, by trading days of the market
    (days, not bars, on an intraday market: a day's window holds each of its bars)."""
    start = request.start_date
    if start is None:
        raise JobRequestError(
            "a window rule needs a start_date: its windows begin there", "start_date"
        )
    keys = prices.trading_days_between(start, request.end_date)
    days = list(dict.fromkeys(day_of(key) for key in keys))
    starts = range(0, len(days) - rule.length_days + 1, rule.step_days)
    if not starts:
        raise JobRequestError(
            f"{start}..{request.end_date} has {len(days)} trading days on {market}: no whole "
            f"window of {rule.length_days}",
            WINDOWS,
        )
    if len(starts) > MAX_WINDOWS:
        raise JobRequestError(
            f"the rule makes {len(starts)} windows on {market}, more than {MAX_WINDOWS}; "
            "take a larger step_days or a shorter range",
            WINDOWS,
        )
    return [Window(days[i], days[i], days[i + rule.length_days - 1]) for i in starts]


def _run(spec: ModelSpec, window: Window | None, repeat: int | None, request: JobRequest) -> Run:
    """The run of spec in window (None: the request's range) as repeat k (None: no repeats)."""
    name = RunName(spec.signature, window.day if window else None, repeat)
    if not is_valid_signature(name.signature):
        raise JobRequestError(
            f"{name.signature!r} would be longer than 64 characters: give {spec.signature!r} a"
            " shorter signature",
            REPEATS if window is None else WINDOWS,
        )
    derived = _seeded(spec, repeat) if repeat is not None else spec
    if name.signature != spec.signature:
        derived = replace(derived, signature=name.signature, name=f"{spec.name} ({_label(name)})")
    if window is None:
        return Run(derived, spec.signature, request.start_date, request.end_date)
    return Run(derived, spec.signature, window.start_date, window.end_date)


def _label(name: RunName) -> str:
    """How a run's name tells it from its model's: "window 2025-10-09, repeat 2"."""
    words = [f"window {name.window}"] if name.window else []
    words += [f"repeat {name.repeat}"] if name.repeat is not None else []
    return ", ".join(words)


def _seeded(spec: ModelSpec, repeat: int) -> ModelSpec:
    """spec with the seed of its repeat k, where it has one (see the module's docstring)."""
    if spec.provider == "builtin":
        base = _strategy_seed(spec)
        if base is None:
            return spec
        params = {**spec.params, "seed": base + repeat}
        _refuse(spec, repeat, check_strategy(spec.strategy or "", params))
        return replace(spec, params=params)
    if spec.provider == "openai" and "seed" in spec.request_options:
        seed = spec.request_options["seed"] + repeat
        problems = RequestOptionsSchema().validate({"seed": seed}).get("seed")
        _refuse(spec, repeat, " ".join(problems) if problems else None)
        return replace(spec, request_options={**spec.request_options, "seed": seed})
    return spec


def _strategy_seed(spec: ModelSpec) -> int | None:
    """The seed a built-in's strategy draws with, or None for a strategy without one."""
    params = getattr(build_strategy(spec.strategy or "", spec.params), "params", None)
    seed = getattr(params, "seed", None)
    return seed if isinstance(seed, int) else None


def _refuse(spec: ModelSpec, repeat: int, problem: str | None) -> None:
    """A repeat whose seed the model cannot take is a request error, not a failed job."""
    if problem:
        raise JobRequestError(
            f"repeat {repeat} of {spec.signature!r} cannot take its seed: {problem}", REPEATS
        )
