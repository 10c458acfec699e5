"""How the prompt and the tools name the model's moment: today on a daily market, this bar on an
intraday one, where a model-step is one bar and its orders fill at the bar's open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from service.market.calendar import bar_start
from service.market.rules import MarketRules


@dataclass(frozen=True, slots=True)
class Words:
    """The words of one kind of market for the moment the orders are placed in."""

    this: str  # what the orders are for: "for today", "for this bar"
    in_this: str  # when they are placed: "trade today", "trade in this bar"
    this_s: str  # whose open they fill at: "today's open", "this bar's open"
    periods: str  # what the earlier closes are of: "earlier days", "earlier bars"
    news_before: str  # what news is published before: "today", "this bar's start"


DAILY = Words("today", "today", "today's", "days", "today")
INTRADAY = Words("this bar", "in this bar", "this bar's", "bars", "this bar's start")


@dataclass(frozen=True, slots=True)
class BarTexts:
    """What get_price_local says of one bar of a daily or an intraday market."""

    field: str  # the answer's key of the bar: "date" or "bar"
    after: str  # refusing a later bar, with {key} and {today}
    note: str  # on this step's own bar, of which only the open is known


DAY_TEXTS = BarTexts(
    "date",
    "{key} is after today ({today}): only closes before today and today's open can be seen",
    "today's high, low, close and volume are unknown until the day ends",
)
BAR_TEXTS = BarTexts(
    "bar",
    "{key} is after this bar ({today}): only closes of earlier bars and this bar's open can be "
    "seen",
    "this bar's high, low, close and volume are unknown until the bar ends",
)


def words(rules: MarketRules) -> Words:
    """The words of the market's kind: a bar on an intraday market, else a day."""
    return INTRADAY if rules.intraday else DAILY


def labelling(rules: MarketRules) -> str:
    """How the market's bar keys are chosen: by the time a bar starts or ends."""
    return "labelled by its end" if rules.labelled_by_end else "labelled by its start"


def bar_span(key: str, rules: MarketRules) -> tuple[str, str]:
    """The times (HH:MM) the bar named key starts and ends."""
    start = datetime.fromisoformat(bar_start(key, rules.bar_minutes, rules.labelled_by_end))
    end = start + timedelta(minutes=rules.bar_minutes)
    return f"{start:%H:%M}", f"{end:%H:%M}"


def starts_at(key: str, rules: MarketRules) -> str:
    """The bar key's start as a moment (YYYY-MM-DD HH:MM:SS); a day's key where bars are days."""
    return bar_start(key, rules.bar_minutes, rules.labelled_by_end)
