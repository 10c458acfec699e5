"""What model-days cost: tokens and USD summed per model-day, per model, per job.

A model's spending counts the model-days its timeline is made of: a day that was replaced
keeps its job's record, but no longer counts for the model.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, astuple, dataclass
from typing import Any

from service.jobs.states import ModelDayStatus
from service.market.calendar import through

TOKEN_KEYS = ("prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens")
SUMS = ", ".join(f"SUM({key})" for key in TOKEN_KEYS) + ", SUM(cost_usd)"
# The columns are fixed words of this module; every value is a parameter.
JOB_SQL = f"SELECT model, {SUMS} FROM job_details WHERE job_id = ? GROUP BY model"  # nosec B608
# The first condition is the partial index's: the days of built-ins are never read.
TIMELINE_SQL = f"""
SELECT d.model, {SUMS} FROM job_details AS d
WHERE (prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL OR cost_usd IS NOT NULL)
  AND d.status = ? AND d.date > ? AND d.date <= ? AND (? IS NULL OR d.model = ?)
  AND EXISTS (SELECT 1 FROM positions AS p
              WHERE p.model = d.model AND p.date = d.date AND p.job_id = d.job_id)
GROUP BY d.model
"""  # nosec B608
JOB_COST_SQL = "SELECT SUM(cost_usd) FROM job_details WHERE job_id = ?"


@dataclass(frozen=True, slots=True)
class Spending:
    """Tokens and cost of some model-days; None where no day reported one."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    cost_usd: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict."""
        return asdict(self)

    def return_per_usd(self, return_pct: float | None) -> float | None:
        """Percent of return per USD spent; None when nothing was paid or no return is known."""
        if return_pct is None or not self.cost_usd:
            return None
        return return_pct / self.cost_usd


def _by_model(rows: list[sqlite3.Row]) -> dict[str, Spending]:
    return {row[0]: Spending(*row[1:]) for row in rows}


def spending_fields(spending: Spending | None, return_pct: float | None) -> dict[str, Any]:
    """Tokens, cost and return per USD of a timeline, for an answer."""
    spending = spending or Spending()
    return {**spending.to_dict(), "return_pct_per_usd": spending.return_per_usd(return_pct)}


def _sum(values: tuple[Any, ...]) -> Any:
    present = [value for value in values if value is not None]
    return sum(present) if present else None


def total(parts: list[Spending]) -> Spending:
    """The sum of several spendings, None kept where none of them has a value."""
    return Spending(*(_sum(column) for column in zip(*map(astuple, parts), strict=True)))


DAYS_SQL = """
SELECT job_id, model, date, {sums} FROM job_details
WHERE (job_id, model, date) IN (VALUES {triples}) GROUP BY job_id, model, date"""


def day_spending(
    conn: sqlite3.Connection, days: list[tuple[str, str, str]]
) -> dict[tuple[str, str, str], Spending]:
    """The tokens and cost of the given (job, model, date) model-days."""
    if not days:
        return {}
    # Only placeholders are formatted into the SQL; the values travel as parameters.
    sql = DAYS_SQL.format(sums=SUMS, triples=",".join("(?, ?, ?)" for _ in days))
    rows = conn.execute(sql, [value for day in days for value in day])
    return {(row[0], row[1], row[2]): Spending(*row[3:]) for row in rows}


def job_spending(conn: sqlite3.Connection, job_id: str) -> dict[str, Spending]:
    """Each model's tokens and cost in the job, over every model-day it ran."""
    return _by_model(conn.execute(JOB_SQL, (job_id,)).fetchall())


def job_cost(conn: sqlite3.Connection, job_id: str) -> float:
    """USD the job has spent so far."""
    return float(conn.execute(JOB_COST_SQL, (job_id,)).fetchone()[0] or 0.0)


def timeline_spending(
    conn: sqlite3.Connection, after: str, end: str, model: str | None = None
) -> dict[str, Spending]:
    """Each model's tokens and cost over the stored days of its timeline after `after` up to
    end (a day: its last bar): what the return from after's close to end's close was paid for."""
    parameters = (ModelDayStatus.COMPLETED, after, through(end), model, model)
    return _by_model(conn.execute(TIMELINE_SQL, parameters).fetchall())
