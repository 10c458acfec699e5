"""The system prompt and user message of one model-day, built only from what the model may see."""

from __future__ import annotations

import functools
from importlib import resources
from string import Template

from service.agent.tools import settlement_rule, tool_definitions
from service.market.asof import AsOfView
from service.market.rules import MarketRules
from service.portfolio.engine import Holdings

FINISH_SIGNAL = "<FINISH_SIGNAL>"
MISSING = "n/a"
MARKET_HEADER = "symbol,previous_close,today_open"  # the market table's header in prompt.txt


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


def _order_rule(rules: MarketRules) -> str:
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
    return (
        f"\n- {rule} Everything held before today can be sold today; get_portfolio tells how "
        f"many {rules.unit}s of each holding can be sold today."
    )


def _tools(rules: MarketRules) -> str:
    lines = []
    for tool in tool_definitions(rules):
        function = tool["function"]
        parameters = ", ".join(function["parameters"]["properties"])
        lines.append(f"- {function['name']}({parameters}): {function['description']}")
    return "\n".join(lines)


def render_system_prompt(view: AsOfView, holdings: Holdings) -> str:
    """The system prompt of view.day: holdings, earlier closes, today's opens and the rules."""
    return _template().substitute(
        asset=view.rules.asset,
        universe=view.rules.label,
        currency=view.rules.currency,
        unit=view.rules.unit,
        order_rule=_order_rule(view.rules),
        settlement=_settlement(view.rules),
        date=view.day,
        cash=f"{holdings.cash:.2f}",
        holdings=_holdings(view, holdings),
        previous_day=view.previous_day() or MISSING,
        market=_market(view),
        tools=_tools(view.rules),
        finish_signal=FINISH_SIGNAL,
    )


def user_message(day: str) -> str:
    """The user turn that starts a model-day, worded like AI-Trader's."""
    return f"Please analyze and update today's ({day}) positions."
