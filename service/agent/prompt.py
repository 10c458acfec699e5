"""The system prompt and user message of one model-step, built only from what the model may see.

One template (prompt.txt) serves both kinds of market: a daily market's model trades today, an
intraday market's in this bar (service/agent/wording.py has the words of each).
"""

from __future__ import annotations

import functools
from importlib import resources
from string import Template

from service.agent.tools import settlement_rule, tool_definitions
from service.agent.wording import bar_span, labelling, starts_at, words
from service.market.asof import AsOfView
from service.market.calendar import day_of, is_day
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings

FINISH_SIGNAL = "<FINISH_SIGNAL>"
MISSING = "n/a"
# The market table's header on a daily market and on an intraday one; the mock reads both.
MARKET_HEADER = "symbol,previous_close,today_open"
BAR_MARKET_HEADER = "symbol,previous_close,bar_open"


@functools.cache
def _template() -> Template:
    return Template(resources.files("service.agent").joinpath("prompt.txt").read_text("utf-8"))


def _price(value: float | None) -> str:
    return MISSING if value is None else f"{value:.2f}"


def _holdings(view: AsOfView, holdings: Holdings) -> str:
    unit = view.rules.unit
    if not holdings.shares:
        return f"- No {unit}s held."
    lines = []
    for symbol, quantity in sorted(holdings.shares.items()):
        close = view.last_close(symbol)
        value = MISSING if close is None else f"{quantity * close:.2f}"
        lines.append(
            f"- {symbol}: {quantity:.12g} {unit}s, previous close {_price(close)} (value {value})"
        )
    return "\n".join(lines)


def _market(view: AsOfView) -> str:
    return "\n".join(
        f"{symbol},{_price(view.last_close(symbol))},{_price(view.open(symbol))}"
        for symbol in view.symbols
    )


def order_rule(rules: MarketRules) -> str:
    """The rule an order's amount follows on the market, in a sentence."""
    if rules.quantity_decimals:
        rule = (
            f"Orders are in {rules.unit}s, in steps of {rules.step:g}: amount is a multiple of it"
        )
    elif rules.lot_size > 1:
        rule = (
            f"Orders are in lots of {rules.lot_size} {rules.unit}s: amount is a multiple of "
            f"{rules.lot_size}"
        )
    else:
        return f"Orders are whole {rules.unit}s: amount is a positive integer."
    # A holding off the step (an odd lot) can only be sold whole, and so can any holding.
    return f"{rule}, except that a sell may also be all the {rules.unit}s you hold of a symbol."


def _settlement(rules: MarketRules) -> str:
    """The settlement rule as a line of its own; nothing when units bought can be sold at once."""
    rule = settlement_rule(rules)
    if not rule:
        return ""
    if rules.intraday:
        return (
            f"\n- {rule} Everything held when today began can be sold in any of today's bars; "
            f"get_portfolio tells how many {rules.unit}s of each holding can be sold in this bar."
        )
    return (
        f"\n- {rule} Everything held before today can be sold today; get_portfolio tells how "
        f"many {rules.unit}s of each holding can be sold today."
    )


def _moment(view: AsOfView) -> str:
    """The sentence saying when the model trades: the day, or the bar and its place in the day."""
    rules = view.rules
    if not rules.intraday:
        return f"Today is {view.day}."
    start, end = bar_span(view.day, rules)
    day = day_of(view.day)
    number = len(view.prices.trading_days_between(day, view.day))
    return (
        f"This is the {rules.bar_minutes}-minute bar {view.day} ({labelling(rules)}: {start} to "
        f"{end}), bar {number} of {rules.bars_per_day} today."
    )


def _news_before(view: AsOfView) -> str:
    """Up to when the news reaches: today, or the moment this bar began."""
    before = words(view.rules).news_before
    return f"{before} ({starts_at(view.day, view.rules)})" if view.rules.intraday else before


def _tools(rules: MarketRules) -> str:
    lines = []
    for tool in tool_definitions(rules):
        function = tool["function"]
        parameters = ", ".join(function["parameters"]["properties"])
        lines.append(f"- {function['name']}({parameters}): {function['description']}")
    return "\n".join(lines)


def render_system_prompt(view: AsOfView, holdings: Holdings) -> str:
    """The system prompt of view.day: holdings, earlier closes, the opens of the day (or bar) and
    the rules."""
    now = words(view.rules)
    return _template().substitute(
        moment=_moment(view),
        this=now.this,
        in_this=now.in_this,
        this_s=now.this_s,
        periods=now.periods,
        news_before=_news_before(view),
        market_header=BAR_MARKET_HEADER if view.rules.intraday else MARKET_HEADER,
        asset=view.rules.asset,
        universe=view.rules.label,
        currency=view.rules.currency,
        unit=view.rules.unit,
        order_rule=order_rule(view.rules),
        settlement=_settlement(view.rules),
        cash=f"{holdings.cash:.2f}",
        holdings=_holdings(view, holdings),
        previous_day=view.previous_day() or MISSING,
        market=_market(view),
        tools=_tools(view.rules),
        finish_signal=FINISH_SIGNAL,
    )


def user_message(key: str) -> str:
    """The user turn that starts a model-step, worded like AI-Trader's: of a day, or of the bar a
    bar key names."""
    if is_day(key):
        return f"Please analyze and update today's ({key}) positions."
    return f"Please analyze and update this bar's ({key}) positions."
