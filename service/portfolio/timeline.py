"""The rows of a timeline: each action of a day valued, with its P&L (SPEC §2 rule 6)."""

from __future__ import annotations

from dataclasses import dataclass

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
class Action:
    """One action of a day with the state right after it, before it is valued."""

    action_id: int
    action_type: ActionType
    symbol: str | None
    amount: float | None
    price: float | None
    cash: float
    shares: dict[str, float]


@dataclass(frozen=True)
class PositionRow(Action):
    """One positions row: an action, the state after it, and its value and P&L at the close."""

    portfolio_value: float
    daily_profit: float
    daily_return_pct: float
    cumulative_profit: float
    cumulative_return_pct: float


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
