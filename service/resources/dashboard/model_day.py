"""One model's day for people: its trades, end-of-day holdings with values, its conversation."""

from __future__ import annotations

import bisect
import sqlite3
from dataclasses import dataclass, field, fields
from typing import Any

from service.jobs.spending import Spending, timeline_spending
from service.market.calendar import day_of, is_day, through
from service.market.prices import PriceData
from service.portfolio.positions import ResultFilter, end_of_day_results, timeline_bounds
from service.resources.dashboard.conversation import MONEY_DECIMALS, Message, conversation
from service.results.detail import add_full_detail
from service.results.performance import end_of_day_series


@dataclass(frozen=True)
class Trade:
    """A filled order: buy or sell, how many units (shares, coins) at which price."""

    action: str
    symbol: str
    amount: float
    price: float

    @property
    def value(self) -> float:
        """Cash paid (buy) or received (sell)."""
        return self.amount * self.price


@dataclass(frozen=True)
class Holding:
    """Units held at the end of the day, valued at that day's close (None when unknown)."""

    symbol: str
    quantity: float
    close: float | None

    @property
    def value(self) -> float | None:
        """The position's value at the close."""
        return None if self.close is None else self.quantity * self.close


@dataclass(frozen=True)
class ModelDay:
    """Everything the model-day page shows."""

    model: str
    day: str
    result: dict[str, Any]
    trades: list[Trade]
    holdings: list[Holding]
    messages: list[Message]
    tool_usage: list[dict[str, Any]]
    days: list[str]
    spent_to_date: Spending = field(default_factory=Spending)

    @property
    def spent(self) -> Spending:
        """The day's own tokens and cost (None where the day reported none)."""
        return Spending(**{part.name: self.result.get(part.name) for part in fields(Spending)})

    @property
    def return_per_usd(self) -> float | None:
        """The return since the model's start per USD spent up to this day."""
        return self.spent_to_date.return_per_usd(self.result.get("cumulative_return_pct"))

    @property
    def previous_day(self) -> str | None:
        """The model's stored day before this one."""
        index = bisect.bisect_left(self.days, self.day)
        return self.days[index - 1] if index else None

    @property
    def next_day(self) -> str | None:
        """The model's stored day after this one."""
        index = bisect.bisect_right(self.days, self.day)
        return self.days[index] if index < len(self.days) else None


def stored_days(conn: sqlite3.Connection, model: str) -> list[str]:
    """Every day of the model's stored timeline, oldest first."""
    bounds = timeline_bounds(conn, model)
    return [point.date for point in end_of_day_series(conn, model, *bounds)] if bounds else []


def stored_key(days: list[str], key: str) -> str | None:
    """key if it is one of the stored days (or bars); a day of an intraday timeline is its
    last stored bar; None when there is none."""
    index = bisect.bisect_right(days, through(key))
    found = days[index - 1] if index else None
    if found == key or (found and is_day(key) and day_of(found) == key):
        return found
    return None


def valued_holdings(prices: PriceData, holdings: dict[str, float], day: str) -> list[Holding]:
    """Holdings valued at day's close, largest position first."""
    found = [Holding(s, q, prices.close_on_or_before(s, day)) for s, q in holdings.items()]
    return sorted(found, key=lambda holding: (-(holding.value or 0.0), holding.symbol))


def model_day(
    conn: sqlite3.Connection,
    prices: PriceData,
    model: str,
    day: str | None = None,
    decimals: int = MONEY_DECIMALS,
) -> ModelDay | None:
    """The model on day (default: its newest stored day; on an intraday timeline day may be a
    bar, and a day is its last stored bar); None when it has no such day.
    The conversation's numbers are rounded to decimals."""
    days = stored_days(conn, model)
    day = stored_key(days, day) if day else (days[-1] if days else None)
    if day is None:
        return None
    rows = end_of_day_results(conn, ResultFilter(model=model, date=day), 1, 0)
    add_full_detail(conn, rows)
    row = rows[0]
    trades = [Trade(t["action_type"], t["symbol"], t["amount"], t["price"]) for t in row["trades"]]
    return ModelDay(
        model=model,
        day=day,
        result=row,
        trades=trades,
        holdings=valued_holdings(prices, row["holdings"], day),
        messages=conversation(row["reasoning"], decimals),
        tool_usage=row["tool_usage"],
        days=days,
        spent_to_date=timeline_spending(conn, "", day, model).get(model, Spending()),
    )
