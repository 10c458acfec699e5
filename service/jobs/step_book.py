"""The order book of one model-step, as the job that runs it sets it up.

The worker trades on it; a pull agent's session (service/agent/sessions.py) builds the same
book again in the web process for each of the agent's calls, so that what the agent is told
and what the worker stores cannot differ.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from service.market.asof import AsOfView
from service.market.directory import Markets
from service.market.prices import PriceData
from service.market.rules import MarketRules
from service.models_config import AgentConfig, ModelSpec, snapshot_run
from service.portfolio.engine import OrderBook
from service.portfolio.positions import (
    bought_earlier_that_day,
    end_of_day_before,
    timeline_bounds,
)
from service.portfolio.timeline import EndOfDay


class StepError(RuntimeError):
    """A model-step that cannot run; the message is stored as its error."""


def job_snapshot(
    conn: sqlite3.Connection, job_id: str, model: str
) -> tuple[ModelSpec, AgentConfig, MarketRules]:
    """The model, agent config and market rules the job was triggered with."""
    row = conn.execute("SELECT config FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
    return snapshot_run(json.loads(row[0]), model)


@dataclass(frozen=True)
class StepBook:
    """A model-step's setting: its model and rules, where it starts, and its order book (None
    on the step that registers the model, which trades nothing)."""

    spec: ModelSpec
    agent: AgentConfig
    rules: MarketRules
    prices: PriceData
    initial_cash: float
    previous: EndOfDay | None
    day_number: int
    book: OrderBook | None


def step_book(
    conn: sqlite3.Connection, markets: Markets, job_id: str, model: str, day: str
) -> StepBook:
    """The model-step's book on the state the model's timeline ended with before day."""
    spec, agent, rules = job_snapshot(conn, job_id, model)
    prices = markets.prices(spec.market)
    initial_cash = rules.initial_cash if agent.initial_cash is None else agent.initial_cash
    previous = end_of_day_before(conn, model, day)
    if previous is None:
        return StepBook(spec, agent, rules, prices, initial_cash, None, 0, None)
    expected = prices.previous_trading_day(day)
    if previous.date != expected:
        raise StepError(f"timeline hole: last stored day is {previous.date}, not {expected}")
    bounds = timeline_bounds(conn, model)
    first = bounds[0] if bounds else previous.date
    day_number = len(prices.trading_days_between(first, day)) - 1
    unsettled = rules.intraday and rules.settlement_days > 0
    book = OrderBook(
        AsOfView(prices, day, rules),
        previous.holdings,
        fee_bps=agent.fee_bps,
        slippage_bps=agent.slippage_bps,
        sell_tax_bps=agent.sell_tax_bps,
        bought_earlier=bought_earlier_that_day(conn, model, day) if unsettled else None,
    )
    return StepBook(spec, agent, rules, prices, initial_cash, previous, day_number, book)
