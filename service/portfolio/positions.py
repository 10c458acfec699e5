"""The positions and holdings tables: every query on them, in one place.

One positions row per action, with the holdings after it in holdings. The row with the highest
action_id of a (model, date) is the model's end of day: SQLite takes the bare columns of a MAX()
aggregate from that row. A model's first stored day is its registration day. Only constant SQL
text is kept here; every value travels as a parameter (the few formatted pieces are fixed
fragments and placeholders).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from service.db import now
from service.market.calendar import day_of, through
from service.portfolio.engine import Holdings
from service.portfolio.timeline import EndOfDay, PositionRow

END_OF_DAY_SQL = """
SELECT id, date, action_id, cash, portfolio_value FROM positions
WHERE model = ? AND date < ? ORDER BY date DESC, action_id DESC LIMIT 1
"""
BOUNDS_SQL = "SELECT MIN(date), MAX(date) FROM positions WHERE model = ?"
HOLDINGS_SQL = "SELECT symbol, quantity FROM holdings WHERE position_id = ?"
INSERT_POSITION_SQL = """
INSERT INTO positions (job_id, date, model, action_id, action_type, symbol, amount, price, cash,
    portfolio_value, daily_profit, daily_return_pct, cumulative_profit, cumulative_return_pct,
    created_at, market)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
INSERT_HOLDING_SQL = "INSERT INTO holdings (position_id, symbol, quantity) VALUES (?, ?, ?)"
STORED_DAYS_SQL = "SELECT DISTINCT date FROM positions WHERE model = ? AND date >= ? ORDER BY date"
# The distinct models by a loose index scan: one index seek per model instead of a scan of every
# row, so the cost follows the number of models, not the size of the table.
MODELS_CTE = """
WITH RECURSIVE models(model) AS (
    SELECT MIN(model) FROM positions
    UNION ALL
    SELECT (SELECT MIN(model) FROM positions WHERE model > models.model)
    FROM models WHERE models.model IS NOT NULL
)
"""
# The same loose scan within one market, on idx_positions_market: other markets' models are
# never visited.
MARKET_MODELS_CTE = """
WITH RECURSIVE models(model) AS (
    SELECT MIN(model) FROM positions WHERE market = :market
    UNION ALL
    SELECT (SELECT MIN(model) FROM positions WHERE market = :market AND model > models.model)
    FROM models WHERE models.model IS NOT NULL
)
"""
ALL_MODELS_SQL = MODELS_CTE + "SELECT model FROM models WHERE model IS NOT NULL ORDER BY model"  # nosec B608
MODELS_SQL = (
    MARKET_MODELS_CTE + "SELECT model FROM models WHERE model IS NOT NULL ORDER BY model"  # nosec B608
)
LATEST_DATE_SQL = (
    MARKET_MODELS_CTE  # nosec B608
    + "SELECT MAX((SELECT MAX(date) FROM positions AS own WHERE own.model = models.model))"
    + " FROM models WHERE model IS NOT NULL"
)
MARKET_SQL = "SELECT market FROM positions WHERE model = ? LIMIT 1"
RANKING_SQL = (
    MARKET_MODELS_CTE  # nosec B608
    + """,
latest AS (
    SELECT model, (SELECT MAX(date) FROM positions AS own
                   WHERE own.model = models.model AND own.date <= :day) AS date
    FROM models WHERE model IS NOT NULL
)
SELECT p.model, p.date, MAX(p.action_id) AS action_id, p.portfolio_value,
       p.cumulative_return_pct, p.daily_return_pct,
       (SELECT MIN(date) FROM positions AS first WHERE first.model = p.model) AS registered,
       (SELECT COUNT(*) FROM positions AS t WHERE t.model = p.model AND t.date <= latest.date
          AND t.action_type IN ('buy', 'sell')) AS trades
FROM positions AS p JOIN latest ON latest.model = p.model AND latest.date = p.date
GROUP BY p.model
ORDER BY p.portfolio_value DESC, p.model
"""
)
SERIES_SQL = """
SELECT date, MAX(action_id) AS action_id, portfolio_value, cash, daily_return_pct,
       cumulative_return_pct
FROM positions WHERE model = ? AND date >= ? AND date <= ?
GROUP BY date ORDER BY date
"""
BOUGHT_SQL = """
SELECT symbol, SUM(amount) FROM positions
WHERE model = ? AND date >= ? AND date < ? AND action_type = 'buy'
GROUP BY symbol
"""
TRADES_SQL = """
SELECT COUNT(*), COALESCE(SUM(amount * price), 0) FROM positions
WHERE model = ? AND date > ? AND date <= ? AND action_type IN ('buy', 'sell')
"""
END_OF_DAY_SELECT = """
SELECT id, job_id, model, market, date, MAX(action_id) AS action_id, cash, portfolio_value,
       daily_profit, daily_return_pct, cumulative_profit, cumulative_return_pct
FROM positions
"""
DAY_TRADES_SQL = """
SELECT model, date, action_id, action_type, symbol, amount, price FROM positions
WHERE (model, date) IN (VALUES {pairs}) AND action_type IN ('buy', 'sell')
ORDER BY model, date, action_id"""
# Days of the same models stored after this job's days by other jobs: they continue the
# timelines this job's rows start, so deleting this job would leave them without a past.
LATER_DAYS_SQL = """
SELECT later.model, later.job_id FROM positions AS later
JOIN (SELECT model, MAX(date) AS last FROM positions WHERE job_id = ? GROUP BY model) AS mine
  ON mine.model = later.model AND later.date > mine.last
WHERE later.job_id != ? LIMIT 1
"""
ACTIONS_SQL = """
SELECT id, date, action_id, action_type, symbol, amount, price, cash FROM positions
WHERE model = ? ORDER BY date, action_id
"""
MODEL_HOLDINGS_SQL = """
SELECT h.position_id, h.symbol, h.quantity FROM holdings AS h
JOIN positions AS p ON p.id = h.position_id
WHERE p.model = ? ORDER BY h.position_id, h.symbol
"""
# A filter's fragment and its parameters from the value: a day as a date filter means every
# bar of that day, a bar key that bar.
FILTERS: dict[str, tuple[str, Callable[[str], list[str]]]] = {
    # The unary + keeps SQLite from choosing the market index over the date and model ones: a
    # market holds most rows, so its index narrows a date or model filter least.
    "market": ("+market = ?", lambda value: [value]),
    "job_id": ("job_id = ?", lambda value: [value]),
    "model": ("model = ?", lambda value: [value]),
    "date": ("date >= ? AND date <= ?", lambda value: [value, through(value)]),
    "start_date": ("date >= ?", lambda value: [value]),
    "end_date": ("date <= ?", lambda value: [through(value)]),
}


def insert_rows(
    conn: sqlite3.Connection,
    market: str,
    key: tuple[str, str, str],
    rows: list[PositionRow],
) -> None:
    """Insert the positions and holdings rows of key (job, model, day) of a timeline on market
    (the caller holds the transaction)."""
    job_id, model, day = key
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
                market,
            ),
        )
        conn.executemany(
            INSERT_HOLDING_SQL,
            [(cursor.lastrowid, symbol, qty) for symbol, qty in sorted(row.shares.items())],
        )


def delete_days_from(conn: sqlite3.Connection, model: str, first: str) -> list[str]:
    """Delete the model's days from first on ('' for all), in the caller's transaction.

    Returns the days deleted; their holdings go with them (foreign keys).
    """
    days = [row[0] for row in conn.execute(STORED_DAYS_SQL, (model, first))]
    conn.execute("DELETE FROM positions WHERE model = ? AND date >= ?", (model, first))
    return days


def end_of_day_before(conn: sqlite3.Connection, model: str, day: str) -> EndOfDay | None:
    """The model's last stored end-of-day state strictly before day, or None."""
    row = conn.execute(END_OF_DAY_SQL, (model, day)).fetchone()
    if row is None:
        return None
    shares = {symbol: quantity for symbol, quantity in conn.execute(HOLDINGS_SQL, (row["id"],))}
    holdings = Holdings(row["cash"], shares)
    return EndOfDay(row["date"], row["action_id"], holdings, row["portfolio_value"])


def timeline_bounds(conn: sqlite3.Connection, model: str) -> tuple[str, str] | None:
    """The first (registration) and last stored days of a model's timeline, or None."""
    row = conn.execute(BOUNDS_SQL, (model,)).fetchone()
    return (row[0], row[1]) if row[0] else None


def registration_day(conn: sqlite3.Connection, model: str) -> str | None:
    """The first day of a model's timeline."""
    bounds = timeline_bounds(conn, model)
    return bounds[0] if bounds else None


def timeline_market(conn: sqlite3.Connection, model: str) -> str | None:
    """The market a model's stored timeline trades on, or None when it has none."""
    row = conn.execute(MARKET_SQL, (model,)).fetchone()
    return str(row[0]) if row else None


def stored_models(conn: sqlite3.Connection, market: str | None = None) -> list[str]:
    """Every model with a stored timeline (on market, when given), by name."""
    rows = conn.execute(MODELS_SQL, {"market": market}) if market else conn.execute(ALL_MODELS_SQL)
    return [row[0] for row in rows]


def latest_date(conn: sqlite3.Connection, market: str) -> str | None:
    """The newest stored day of any model on market."""
    row = conn.execute(LATEST_DATE_SQL, {"market": market}).fetchone()
    return row[0] if row else None


def later_days_elsewhere(conn: sqlite3.Connection, job_id: str) -> tuple[str, str] | None:
    """(model, job) of a day another job stored after this job's last day of that model."""
    row = conn.execute(LATER_DAYS_SQL, (job_id, job_id)).fetchone()
    return (row[0], row[1]) if row else None


def ranking_rows(conn: sqlite3.Connection, market: str, day: str) -> list[dict[str, Any]]:
    """Each model of market: its latest end of day on or before day, by value, with its
    registration and trades."""
    parameters = {"day": through(day), "market": market}
    return [dict(row) for row in conn.execute(RANKING_SQL, parameters)]


def value_series(
    conn: sqlite3.Connection, model: str, start: str, end: str
) -> list[tuple[str, float, float, float, float]]:
    """(date, value, cash, daily return %, cumulative return %) per stored end of day."""
    rows = conn.execute(SERIES_SQL, (model, start, through(end)))
    return [(day, value, cash, daily, total) for day, _, value, cash, daily, total in rows]


def bought_earlier_that_day(conn: sqlite3.Connection, model: str, bar: str) -> dict[str, float]:
    """What the model bought in the bars of bar's day before bar, by symbol."""
    return dict(conn.execute(BOUGHT_SQL, (model, day_of(bar), bar)).fetchall())


def trade_totals(conn: sqlite3.Connection, model: str, after: str, last: str) -> tuple[int, float]:
    """How many orders the model filled after day `after` up to last, and their traded value."""
    count, value = conn.execute(TRADES_SQL, (model, after, through(last))).fetchone()
    return int(count), float(value)


@dataclass(frozen=True)
class ResultFilter:
    """Filters of the end-of-day results; None means not filtered."""

    market: str | None = None
    job_id: str | None = None
    model: str | None = None
    date: str | None = None
    start_date: str | None = None
    end_date: str | None = None

    def where(self) -> tuple[str, list[str]]:
        """A WHERE clause of fixed fragments and its parameters."""
        clauses, params = [], []
        for name, (fragment, values) in FILTERS.items():
            value = getattr(self, name)
            if value is not None:
                clauses.append(fragment)
                params.extend(values(value))
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def count_results(conn: sqlite3.Connection, filters: ResultFilter) -> int:
    """How many model-days match."""
    where, params = filters.where()
    # `where` is made of the fixed FILTERS fragments; the values are parameters.
    sql = "SELECT COUNT(*) FROM (SELECT 1 FROM positions" + where + " GROUP BY date, model)"  # nosec B608
    return int(conn.execute(sql, params).fetchone()[0])


def holdings_of(conn: sqlite3.Connection, position_ids: list[int]) -> dict[int, dict[str, float]]:
    """Holdings after each of the given positions rows."""
    found: dict[int, dict[str, float]] = {position_id: {} for position_id in position_ids}
    marks = ",".join("?" * len(position_ids))
    sql = "SELECT position_id, symbol, quantity FROM holdings WHERE position_id IN (" + marks + ")"  # nosec B608
    for position_id, symbol, quantity in conn.execute(sql, position_ids):
        found[position_id][symbol] = quantity
    return found


def end_of_day_results(
    conn: sqlite3.Connection, filters: ResultFilter, limit: int, offset: int
) -> list[dict[str, Any]]:
    """A page of end-of-day rows, by date then model, each with its holdings."""
    where, params = filters.where()
    sql = END_OF_DAY_SELECT + where + " GROUP BY date, model ORDER BY date, model LIMIT ? OFFSET ?"
    rows = [dict(row) for row in conn.execute(sql, [*params, limit, offset])]
    holdings = holdings_of(conn, [row["id"] for row in rows]) if rows else {}
    for row in rows:
        row["holdings"] = holdings[row.pop("id")]
    return rows


def day_trades(conn: sqlite3.Connection, days: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The filled orders of the given (model, date) pairs, in order."""
    # Only placeholders are formatted into the SQL; the values travel as parameters.
    sql = DAY_TRADES_SQL.format(pairs=",".join("(?, ?)" for _ in days))
    return [dict(row) for row in conn.execute(sql, [value for day in days for value in day])]


def actions_with_holdings(
    conn: sqlite3.Connection, model: str
) -> list[tuple[sqlite3.Row, dict[str, float]]]:
    """Every positions row of a model in order, with the holdings after it."""
    shares: dict[int, dict[str, float]] = {}
    for position_id, symbol, quantity in conn.execute(MODEL_HOLDINGS_SQL, (model,)):
        shares.setdefault(position_id, {})[symbol] = quantity
    return [(row, shares.get(row["id"], {})) for row in conn.execute(ACTIONS_SQL, (model,))]
