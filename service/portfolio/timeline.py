"""A model's stored timeline: its end-of-day states and the rows of a new day (SPEC §2 rule 6)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from service.db import now
from service.market.prices import PriceData
from service.portfolio.engine import ActionType, Fill, Holdings


@dataclass(frozen=True)
class EndOfDay:
    """The state after a model's last action of a stored day."""

    date: str
    action_id: int
    holdings: Holdings
    portfolio_value: float


@dataclass(frozen=True)
class PositionRow:
    """One positions row with the holdings after its action."""

    action_id: int
    action_type: ActionType
    symbol: str | None
    amount: float | None
    price: float | None
    cash: float
    shares: dict[str, float]
    portfolio_value: float
    daily_profit: float
    daily_return_pct: float
    cumulative_profit: float
    cumulative_return_pct: float


END_OF_DAY_SQL = """
SELECT id, date, action_id, cash, portfolio_value FROM positions
WHERE model = ? AND date < ? ORDER BY date DESC, action_id DESC LIMIT 1
"""
BOUNDS_SQL = "SELECT MIN(date), MAX(date) FROM positions WHERE model = ?"
HOLDINGS_SQL = "SELECT symbol, quantity FROM holdings WHERE position_id = ?"


def end_of_day_before(conn: sqlite3.Connection, model: str, day: str) -> EndOfDay | None:
    """The model's last stored end-of-day state strictly before day, or None."""
    row = conn.execute(END_OF_DAY_SQL, (model, day)).fetchone()
    if row is None:
        return None
    shares = {symbol: quantity for symbol, quantity in conn.execute(HOLDINGS_SQL, (row["id"],))}
    holdings = Holdings(row["cash"], shares)
    return EndOfDay(row["date"], row["action_id"], holdings, row["portfolio_value"])


def timeline_bounds(conn: sqlite3.Connection, model: str) -> tuple[str, str] | None:
    """The first and last stored dates of a model's timeline, or None when it has none."""
    row = conn.execute(BOUNDS_SQL, (model,)).fetchone()
    return (row[0], row[1]) if row[0] else None


@dataclass(frozen=True)
class Action:
    """One action of a day with the state right after it, before it is valued."""

    action_id: int
    action_type: ActionType
    symbol: str | None
    amount: float | None
    price: float | None
    cash: float
    shares: dict[str, float]


def day_rows(
    prices: PriceData, day: str, actions: list[Action], previous_value: float, initial_cash: float
) -> list[PositionRow]:
    """The positions rows of a day: each action valued at day's close, with its P&L.

    The one place rows are made, for simulated and imported days alike: daily P&L against the
    previous day's end-of-day value, cumulative P&L against the initial cash (SPEC §2 rule 6).
    """
    return [
        _row(
            action,
            Holdings(action.cash, action.shares).value(prices, day),
            previous_value,
            initial_cash,
        )
        for action in actions
    ]


def registration_rows(initial_cash: float) -> list[PositionRow]:
    """The single `init` row of a registration day: cash only, no P&L."""
    action = Action(0, "init", None, None, None, initial_cash, {})
    return [_row(action, initial_cash, initial_cash, initial_cash)]


def _row(action: Action, value: float, previous_value: float, initial_cash: float) -> PositionRow:
    profit, cumulative = value - previous_value, value - initial_cash
    return PositionRow(
        action.action_id,
        action.action_type,
        action.symbol,
        action.amount,
        action.price,
        action.cash,
        action.shares,
        value,
        profit,
        _pct(profit, previous_value),
        cumulative,
        _pct(cumulative, initial_cash),
    )


def trading_rows(
    prices: PriceData, day: str, previous: EndOfDay, initial_cash: float, fills: list[Fill]
) -> list[PositionRow]:
    """One row per fill (or one `hold` row) of a simulated day."""
    state = previous.holdings
    steps = [
        (f.action_type, f.symbol, f.amount, f.price, f.cash_after, f.holdings_after) for f in fills
    ]
    actions = [
        Action(previous.action_id + offset, *step) for offset, step in enumerate(steps, start=1)
    ] or [Action(previous.action_id + 1, "hold", None, None, None, state.cash, dict(state.shares))]
    return day_rows(prices, day, actions, previous.portfolio_value, initial_cash)


def _pct(part: float, whole: float) -> float:
    return part / whole * 100 if whole else 0.0


INSERT_POSITION_SQL = """
INSERT INTO positions (job_id, date, model, action_id, action_type, symbol, amount, price, cash,
    portfolio_value, daily_profit, daily_return_pct, cumulative_profit, cumulative_return_pct,
    created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
INSERT_HOLDING_SQL = "INSERT INTO holdings (position_id, symbol, quantity) VALUES (?, ?, ?)"


def insert_rows(
    conn: sqlite3.Connection, job_id: str, model: str, day: str, rows: list[PositionRow]
) -> None:
    """Insert positions and holdings rows (the caller holds the transaction)."""
    stamp = now()
    for row in rows:
        cursor = conn.execute(
            INSERT_POSITION_SQL,
            (
                job_id,
                day,
                model,
                row.action_id,
                row.action_type,
                row.symbol,
                row.amount,
                row.price,
                row.cash,
                row.portfolio_value,
                row.daily_profit,
                row.daily_return_pct,
                row.cumulative_profit,
                row.cumulative_return_pct,
                stamp,
            ),
        )
        conn.executemany(
            INSERT_HOLDING_SQL,
            [(cursor.lastrowid, symbol, qty) for symbol, qty in sorted(row.shares.items())],
        )
