"""The trading tools a model calls, bound to one model-step's order book and news.

A model-step is a day on a daily market and one bar on an intraday one; the tools' words and
answers say which (service/agent/wording.py). On bar B a model sees the whole of earlier bars,
B's open, and news published before B began; nothing else of B or later.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from service.agent.news import NewsIndex
from service.agent.wording import BAR_TEXTS, DAY_TEXTS, BarTexts, labelling, starts_at, words
from service.market.asof import LookAheadError
from service.market.calendar import bar_key, day_of, is_day
from service.market.rules import MarketRules
from service.portfolio.engine import Fill, OrderBook, OrderError

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NEWS_LIMIT = 10


def _function(
    name: str, description: str, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


def _amount(rules: MarketRules) -> dict[str, Any]:
    """The amount parameter of a buy as the market's quantity rule has it."""
    if rules.quantity_decimals:
        description = f"Number of {rules.unit}s, in steps of {rules.step:g}"
        return {
            "type": "number",
            "exclusiveMinimum": 0,
            "multipleOf": rules.step,
            "description": description,
        }
    if rules.lot_size > 1:
        description = f"Number of {rules.unit}s, in lots of {rules.lot_size}"
        return {
            "type": "integer",
            "minimum": rules.lot_size,
            "multipleOf": rules.lot_size,
            "description": description,
        }
    return {"type": "integer", "minimum": 1, "description": f"Number of whole {rules.unit}s"}


def _sale_amount(rules: MarketRules) -> dict[str, Any]:
    """The amount parameter of a sell: a buy's, or all of a holding (an odd lot is sold whole)."""
    if rules.step == 1 and not rules.quantity_decimals:
        return _amount(rules)
    buy = _amount(rules)
    description = f"{buy['description']}, or all the {rules.unit}s you hold of the symbol"
    kept = {key: value for key, value in buy.items() if key not in ("multipleOf", "minimum")}
    minimum = {"minimum": 1} if buy["type"] == "integer" else {}
    return {**kept, **minimum, "description": description}


def _units(rules: MarketRules) -> str:
    if rules.quantity_decimals:
        return f"{rules.unit}s"
    if rules.lot_size > 1:
        return f"{rules.unit}s in lots of {rules.lot_size}"
    return f"whole {rules.unit}s"


def settlement_rule(rules: MarketRules) -> str:
    """The T+1 rule in a sentence; empty when units bought can be sold at once. On an intraday
    market it holds across the day's bars: nothing bought today is sold before tomorrow."""
    if rules.settlement_days < 1:
        return ""
    bought = "today, in this bar or an earlier one," if rules.intraday else "today"
    return (
        f"{rules.unit.capitalize()}s bought {bought} settle T+1: they can be sold from the next "
        "trading day."
    )


def _price_tool(rules: MarketRules, symbol: dict[str, Any]) -> dict[str, Any]:
    """get_price_local: a day's bar on a daily market; a bar or a day's bars on an intraday one."""
    if not rules.intraday:
        return _function(
            "get_price_local",
            "Daily bar of a symbol: open, high, low, close and volume of an earlier trading day, "
            "or only the open of today. Today's close and later days are not available.",
            {
                "symbol": symbol,
                "date": {"type": "string", "description": "YYYY-MM-DD; default today"},
            },
            ["symbol"],
        )
    date = (
        f"A bar (YYYY-MM-DD HH:MM:SS, {labelling(rules)}) or a day (YYYY-MM-DD: its bars); "
        "default this bar"
    )
    return _function(
        "get_price_local",
        f"{rules.bar_minutes}-minute bars of a symbol: open, high, low, close and volume of an "
        "earlier bar, or only the open of this bar. A day gives each of its bars, today's up to "
        "this one. This bar's close and later bars are not available.",
        {"symbol": symbol, "date": {"type": "string", "description": date}},
        ["symbol"],
    )


@functools.cache
def tool_definitions(rules: MarketRules) -> list[dict[str, Any]]:
    """The tools in OpenAI's function format, worded for the market; shared, never mutated."""
    symbol = {"type": "string", "description": f"Ticker symbol, e.g. {rules.example_symbol}"}
    settlement = settlement_rule(rules)
    now = words(rules)
    portfolio = f"Current cash and {rules.unit}s held."
    if settlement:
        portfolio = (
            f"Current cash, {rules.unit}s held and how many of each can be sold {now.in_this} "
            f"(sellable_today). {settlement}"
        )
    sell = f"Sell {_units(rules)} you hold at {now.this_s} open."
    if rules.quantity_decimals:
        sell = (
            f"Sell {rules.unit}s you hold at {now.this_s} open, in steps of {rules.step:g} or all "
            "you hold of the symbol."
        )
    elif rules.lot_size > 1:
        sell = (
            f"Sell {rules.unit}s you hold at {now.this_s} open, in lots of {rules.lot_size} or all "
            "you hold of the symbol (an odd lot is sold whole)."
        )
    return [
        _price_tool(rules, symbol),
        _function("get_portfolio", portfolio, {}, []),
        _function(
            "buy",
            f"Buy {_units(rules)} at {now.this_s} open; needs enough cash.",
            {"symbol": symbol, "amount": _amount(rules)},
            ["symbol", "amount"],
        ),
        _function(
            "sell",
            f"{sell} {settlement}".strip(),
            {"symbol": symbol, "amount": _sale_amount(rules)},
            ["symbol", "amount"],
        ),
        _function(
            "search_news",
            f"Search news published before {now.news_before} by ticker or keywords; newest first.",
            {"query": {"type": "string", "description": "Ticker or keywords, e.g. NVDA earnings"}},
            ["query"],
        ),
    ]


class ToolInputError(ValueError):
    """Arguments a tool cannot use; the message tells the model what to fix."""


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a tool answers: JSON text for the model, and whether the call succeeded."""

    content: str
    ok: bool
    look_ahead: bool = False  # it failed asking for what the step may not see


def _success(payload: dict[str, Any]) -> ToolResult:
    return ToolResult(json.dumps(payload), True)


def _failure(message: str, look_ahead: bool = False) -> ToolResult:
    return ToolResult(json.dumps({"error": message}), False, look_ahead)


def check_arguments(name: str, arguments: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The arguments without nulls, after checking names and string types against the schema."""
    given = {key: value for key, value in arguments.items() if value is not None}
    extra = sorted(set(given) - set(schema["properties"]))
    if extra:
        raise ToolInputError(f"unexpected argument(s) {', '.join(extra)} for {name}")
    missing = [key for key in schema["required"] if key not in given]
    if missing:
        raise ToolInputError(f"missing required argument(s) {', '.join(missing)} for {name}")
    # Only strings are type-checked here: amounts go to the order book, which also accepts the
    # "5" and 5.0 that models often send and explains anything else.
    for key, value in given.items():
        if schema["properties"][key]["type"] == "string" and not isinstance(value, str):
            raise ToolInputError(f"{key} must be a string, got {json.dumps(value)}")
    return given


def _has_price(bar: dict[str, float | None]) -> bool:
    return any(value is not None for value in bar.values())


def _fill(fill: Fill) -> dict[str, Any]:
    return {
        "action": fill.action_type,
        "symbol": fill.symbol,
        "amount": fill.amount,
        "price": fill.price,
        "cash_after": fill.cash_after,
        "shares_after": fill.holdings_after,
    }


class TradingTools:
    """Runs the tools of tool_definitions; every problem becomes an error result, not a raise."""

    def __init__(self, book: OrderBook, news: NewsIndex) -> None:
        self.book = book
        self.news = news
        self.definitions = tool_definitions(book.rules)
        self._parameters = {
            tool["function"]["name"]: tool["function"]["parameters"] for tool in self.definitions
        }
        self._handlers: dict[str, Callable[..., dict[str, Any]]] = {
            "get_price_local": self.get_price_local,
            "get_portfolio": self.get_portfolio,
            "buy": self.buy,
            "sell": self.sell,
            "search_news": self.search_news,
        }

    @property
    def today(self) -> str:
        """The key of the book's step: its trading day, or its bar on an intraday market."""
        return self.book.view.day

    @property
    def _step_name(self) -> str:
        """What the answers call the step's key: its date, or its bar."""
        return "bar" if self.book.rules.intraday else "date"

    def call(
        self, name: str, arguments: dict[str, Any] | None, argument_error: str | None = None
    ) -> ToolResult:
        """Run one tool call and describe the outcome for the model."""
        handler = self._handlers.get(name)
        if handler is None:
            return _failure(f"unknown tool {name!r}; available: {', '.join(self._handlers)}")
        if argument_error is not None:
            return _failure(f"invalid arguments for {name}: {argument_error}")
        try:
            return _success(
                handler(**check_arguments(name, arguments or {}, self._parameters[name]))
            )
        except LookAheadError as error:
            return _failure(str(error), look_ahead=True)
        except (ToolInputError, OrderError) as error:
            return _failure(str(error))

    def get_price_local(self, symbol: str, date: str | None = None) -> dict[str, Any]:
        """The visible part of a symbol's bar: the open of this step's bar, the whole bar before.

        On an intraday market date names a bar (default this one) or a day, which answers each
        of the day's bars: an earlier day's all whole, today's earlier bars whole and then this
        bar's open only.
        """
        ticker = symbol.strip().upper()
        if ticker not in self.book.view.symbols:
            raise ToolInputError(f"unknown symbol {ticker}: it is not in the universe")
        if self.book.rules.intraday:
            key = self._key(date)
            return self._day_bars(ticker, key) if is_day(key) else self._bar(ticker, key)
        day = self._day(date)
        return self._visible_bar(
            ticker, day, DAY_TEXTS, functools.partial(_no_price_on, ticker, day)
        )

    def _visible_bar(
        self, ticker: str, key: str, texts: BarTexts, missing: Callable[[], str]
    ) -> dict[str, Any]:
        """The bar key of ticker as far as it can be seen: whole before this step, the open of
        this step's, nothing later."""
        if key > self.today:
            raise LookAheadError(texts.after.format(key=key, today=self.today))
        bar = self.book.view.bar(ticker, key)
        if not _has_price(bar):
            raise ToolInputError(missing())
        answer: dict[str, Any] = {"symbol": ticker, texts.field: key, **bar}
        if key == self.today:
            answer["note"] = texts.note
        return answer

    def _key(self, text: str | None) -> str:
        """An intraday market's date argument as a bar key or a day; this bar by default."""
        if text is None or not text.strip():
            return self.today
        try:
            # "2025-10-01T10:00" is how ISO writes a moment; bar keys have a space.
            return bar_key(text.strip().replace("T", " ", 1))
        except ValueError:
            raise ToolInputError(
                f"date must be a bar, YYYY-MM-DD HH:MM:SS, or a day, YYYY-MM-DD, got {text!r}"
            ) from None

    def _visible_bars(self, day: str) -> list[str]:
        """The market's bars of day up to this one."""
        bars = self.book.view.prices.trading_days_between(day, day)
        return [key for key in bars if key <= self.today]

    def _bar(self, ticker: str, key: str) -> dict[str, Any]:
        missing = functools.partial(self._no_price_in_bar, ticker, key)
        return self._visible_bar(ticker, key, BAR_TEXTS, missing)

    def _no_price_in_bar(self, ticker: str, key: str) -> str:
        return f"no price of {ticker} in the bar {key}{self._bars_of(key)}"

    def _bars_of(self, key: str) -> str:
        """Which bars key's day has (up to this one), to name a bar the model can ask for."""
        day = day_of(key)
        times = ", ".join(bar[len(day) + 1 :] for bar in self._visible_bars(day))
        if not times:
            return " (not a trading day?)"
        if day == day_of(self.today):
            return f"; today's bars so far are {times}"
        return f"; the bars of {day} are {times}"

    def _day_bars(self, ticker: str, day: str) -> dict[str, Any]:
        today = day_of(self.today)
        if day > today:
            raise LookAheadError(
                f"{day} is after today ({today}): only closes of earlier bars and this bar's "
                "open can be seen"
            )
        seen = [(key, self.book.view.bar(ticker, key)) for key in self._visible_bars(day)]
        bars = [{"bar": key, **bar} for key, bar in seen if _has_price(bar)]
        if not bars:
            raise ToolInputError(f"no price of {ticker} on {day} (not a trading day?)")
        answer: dict[str, Any] = {"symbol": ticker, "date": day, "bars": bars}
        if day == today:
            answer["note"] = f"of this bar ({self.today}) only the open is known until the bar ends"
        return answer

    def _day(self, text: str | None) -> str:
        if text is None or not text.strip():
            return self.today
        try:
            if not ISO_DAY.match(text.strip()):
                raise ValueError
            return datetime.date.fromisoformat(text.strip()).isoformat()
        except ValueError:
            raise ToolInputError(f"date must be YYYY-MM-DD, got {text!r}") from None

    def get_portfolio(self) -> dict[str, Any]:
        """Cash and holdings after the step's orders so far; under T+1 also how much of each
        holding can be sold now (on an intraday market: what the day began with, less what its
        bars sold)."""
        state = self.book.state
        answer = {self._step_name: self.today, "cash": state.cash, "shares": dict(state.shares)}
        if self.book.rules.settlement_days >= 1:
            answer["sellable_today"] = {
                symbol: self.book.sellable(symbol) for symbol in sorted(state.shares)
            }
        return answer

    def buy(self, symbol: Any, amount: Any) -> dict[str, Any]:
        """Buy through the order book."""
        return _fill(self.book.buy(symbol, amount))

    def sell(self, symbol: Any, amount: Any) -> dict[str, Any]:
        """Sell through the order book."""
        return _fill(self.book.sell(symbol, amount))

    def search_news(self, query: str) -> dict[str, Any]:
        """News matching the query published before today, or before this bar began."""
        before = starts_at(self.today, self.book.rules)
        items = self.news.search(query, before=before, limit=NEWS_LIMIT)
        if not self.book.rules.intraday:
            return {"query": query, "count": len(items), "items": items}
        return {"query": query, "published_before": before, "count": len(items), "items": items}


def _no_price_on(ticker: str, day: str) -> str:
    return f"no price of {ticker} on {day} (not a trading day?)"
