"""Which model-days a trigger request means, checked against the price data and timelines."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from service.market.calendar import calendar_days, through
from service.market.catalog import DEFAULT_MARKET
from service.market.directory import MarketSource
from service.market.prices import PriceData
from service.models_config import ModelsConfig
from service.portfolio.positions import timeline_bounds, timeline_market


class JobRequestError(ValueError):
    """A request that cannot be run (HTTP 400); the message names the field and the problem."""

    def __init__(self, message: str, field_name: str | None = None) -> None:
        super().__init__(message)
        self.field_name = field_name


@dataclass(frozen=True)
class DayRange:
    """A window asked for by its dates (days, or bars of an intraday market)."""

    start_date: str
    end_date: str


@dataclass(frozen=True)
class WindowRule:
    """Windows of length_days trading days, one starting every step_days trading days."""

    length_days: int
    step_days: int


@dataclass(frozen=True)
class JobRequest:
    """What a user asked for."""

    end_date: str
    start_date: str | None = None
    models: list[str] = field(default_factory=list)
    replace_existing: bool = False
    max_cost_usd: float | None = None
    replay_of: str | None = None  # a job whose recorded answers the models replay
    market: str | None = None  # its enabled models join the requested ones
    repeats: int = 1  # above 1: that many timelines of each model (service.jobs.runs)
    windows: tuple[DayRange, ...] | WindowRule | None = None  # each a timeline of its own


@dataclass
class ModelPlan:
    """The days of one model: to run (the first may be its registration) and already stored."""

    model: str
    run: list[str] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)
    replace_from: str | None = None


def choose_models(
    config: ModelsConfig, requested: list[str], market: str | None = None
) -> list[str]:
    """The requested signatures and every enabled model of market; with neither, the enabled
    models of the default market. Unknown or disabled requested models are refused."""
    known = config.by_signature()
    for signature in requested:
        if signature not in known:
            raise JobRequestError(f"unknown model {signature!r}; see GET /models", "models")
        if not known[signature].enabled:
            raise JobRequestError(f"model {signature!r} is disabled in the config", "models")
    if requested and market is None:
        return list(dict.fromkeys(requested))
    wanted = market or DEFAULT_MARKET
    enabled = [m.signature for m in config.models if m.enabled and m.market == wanted]
    if not enabled:
        raise JobRequestError(f"no model of market {wanted} is enabled", "market")
    return list(dict.fromkeys(requested + enabled))


def check_budget(config: ModelsConfig, request: JobRequest, models: list[str]) -> None:
    """A job budget can only be kept when every LLM model of the job has a pricing."""
    if request.max_cost_usd is None:
        return
    specs = config.by_signature()
    unpriced = [m for m in models if specs[m].provider == "openai" and specs[m].pricing is None]
    if unpriced:
        raise JobRequestError(
            f"max_cost_usd needs a pricing for every LLM model; {unpriced[0]!r} has none",
            "max_cost_usd",
        )


def check_range(request: JobRequest, market: MarketSource, max_days: int) -> None:
    """Dates in order, not too long, and inside the price data of a market of the job.

    With windows, the range is where they lie and each window is held to MAX_SIMULATION_DAYS
    instead (service.jobs.runs).
    """
    start, end = request.start_date, request.end_date
    if start and start > through(end):
        raise JobRequestError(f"start_date {start} is after end_date {end}", "start_date")
    if start and request.windows is None:
        check_length(start, end, max_days, "the range", "end_date")
    prices = market.prices()
    available = f"the {market.rules.name} price data covers {prices.first_day}..{prices.last_day}"
    for name, value in (("start_date", start), ("end_date", end)):
        if value and not prices.covers(value):
            raise JobRequestError(f"{name} {value} is outside the price data: {available}", name)
    if start and not prices.trading_days_between(start, end):
        raise JobRequestError(f"no trading day in {start}..{end}; {available}", "start_date")


def check_length(start: str, end: str, max_days: int, what: str, field_name: str) -> None:
    """A range of days to run must fit in MAX_SIMULATION_DAYS; what names it in the error."""
    if calendar_days(start, end) > max_days:
        raise JobRequestError(
            f"{what} {start}..{end} is longer than MAX_SIMULATION_DAYS ({max_days} days)",
            field_name,
        )


def plan_model(
    conn: sqlite3.Connection, prices: PriceData, model_market: tuple[str, str], request: JobRequest
) -> ModelPlan:
    """The plan of one model on its market (SPEC §4): resume, skip stored days, or replace
    them."""
    model, market = model_market
    bounds = timeline_bounds(conn, model)
    plan = ModelPlan(model)
    if _moves_market(conn, model, market, request, bounds):
        plan.replace_from, bounds = request.start_date, None
    if request.start_date is None:
        last_trading = prices.trading_days_between(prices.first_day, request.end_date)[-1]
        plan.run = _after(prices, bounds[1], request.end_date) if bounds else [last_trading]
        return plan
    days = prices.trading_days_between(request.start_date, request.end_date)
    if bounds and request.replace_existing and bounds[1] >= days[0]:
        plan.replace_from = days[0]
        bounds = None if bounds[0] >= days[0] else (bounds[0], _before(prices, days[0]))
    if bounds is None:
        plan.run = days
        return plan
    first, last = bounds
    if days[0] < first:
        raise JobRequestError(
            f"model {model!r} was registered on {first}; days before it cannot be added "
            "(use replace_existing or another signature)",
            "start_date",
        )
    plan.stored = [day for day in days if day <= last]
    plan.run = [day for day in days if day > last]
    if plan.run and prices.previous_trading_day(plan.run[0]) != last:
        raise JobRequestError(
            f"model {model!r} has a gap: its timeline ends on {last}, before {plan.run[0]}; "
            "use start_date null to resume it",
            "start_date",
        )
    return plan


def _moves_market(
    conn: sqlite3.Connection,
    model: str,
    market: str,
    request: JobRequest,
    bounds: tuple[str, str] | None,
) -> bool:
    """Whether the model's timeline is on another market and is replaced as a whole (a
    timeline stays on one market); refused unless the request replaces all of it."""
    stored = timeline_market(conn, model)
    if bounds is None or stored in (None, market):
        return False
    start = request.start_date
    if not (request.replace_existing and start is not None and start <= bounds[0]):
        raise JobRequestError(
            f"model {model!r} has a timeline on market {stored!r}, and its config now says "
            f"{market!r}: replace it from its registration day {bounds[0]} "
            "(replace_existing) or use another signature",
            "models",
        )
    return True


def check_span(plan: ModelPlan, max_days: int) -> None:
    """A resumed model's days must fit in MAX_SIMULATION_DAYS too."""
    if not plan.run:
        return
    if calendar_days(plan.run[0], plan.run[-1]) > max_days:
        raise JobRequestError(
            f"model {plan.model!r} would run {plan.run[0]}..{plan.run[-1]}, longer than "
            f"MAX_SIMULATION_DAYS ({max_days} days)",
            "end_date",
        )


def _after(prices: PriceData, last: str, end: str) -> list[str]:
    following = prices.next_trading_day(last)
    return prices.trading_days_between(following, end) if following else []


def _before(prices: PriceData, day: str) -> str:
    return prices.previous_trading_day(day) or day
