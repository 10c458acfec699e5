"""What a webhook agent sees of a model-step: the LLM prompt's information as JSON.

It is built from the same sources, through the same fences, as the prompt and the tools
(service/agent/prompt.py, service/agent/tools.py): earlier closes and this step's opens, never
this step's close; the portfolio as get_portfolio answers it; the newest news published before
the step began, as search_news answers it. observation.schema.json is its published schema.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from service.agent.prompt import order_rule
from service.agent.tools import TradingTools, settlement_rule
from service.agent.wording import starts_at
from service.market.asof import AsOfView
from service.market.rules import MarketRules

SCHEMA_VERSION = 1


@functools.cache
def observation_schema() -> dict[str, Any]:
    """The observation's JSON Schema, as published in the package."""
    text = resources.files("service.agent").joinpath("observation.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _rules(rules: MarketRules) -> dict[str, Any]:
    """The market and the order rules the prompt states, in words and in numbers."""
    return {
        "name": rules.name,
        "label": rules.label,
        "asset": rules.asset,
        "currency": rules.currency,
        "unit": rules.unit,
        "intraday": rules.intraday,
        "bar_minutes": rules.bar_minutes,
        "bars_per_day": rules.bars_per_day,
        "quantity_step": rules.step,
        "lot_size": rules.lot_size,
        "settlement_days": rules.settlement_days,
        "order_rule": order_rule(rules),
        "settlement_rule": settlement_rule(rules),
    }


def _market(view: AsOfView) -> list[dict[str, Any]]:
    """Every symbol's latest close before this step and this step's open (None when missing)."""
    return [
        {"symbol": symbol, "previous_close": view.last_close(symbol), "open": view.open(symbol)}
        for symbol in view.symbols
    ]


def build_observation(model: str, tools: TradingTools) -> dict[str, Any]:
    """The observation of the model-step tools are bound to, before any of its orders."""
    view = tools.book.view
    return {
        "schema_version": SCHEMA_VERSION,
        "model": model,
        "step": view.day,
        "previous_step": view.previous_day(),
        "news_before": starts_at(view.day, view.rules),
        "rules": _rules(view.rules),
        "portfolio": tools.get_portfolio(),
        "market": _market(view),
        "news": tools.search_news("")["items"],
    }
