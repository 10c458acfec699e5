"""Every query behind the API reads through an index (EXPLAIN QUERY PLAN), never a bare scan."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from service.db import connect, init_db
from service.jobs.catalog import LIST_BY_STATUS_SQL, LIST_SQL
from service.jobs.lifecycle import CLAIM_SQL, NEXT_DAY_SQL, STATUS_WORDS
from service.jobs.spending import DAYS_SQL, SUMS, TIMELINE_SQL
from service.jobs.spending import JOB_SQL as SPENDING_SQL
from service.jobs.status import JOB_SQL
from service.journal import REASONING_SQL, RECORDED_SQL, TOOL_USAGE_SQL
from service.portfolio.positions import (
    ALL_MODELS_SQL,
    BOUNDS_SQL,
    DAY_TRADES_SQL,
    END_OF_DAY_SELECT,
    END_OF_DAY_SQL,
    HOLDINGS_SQL,
    LATER_DAYS_SQL,
    LATEST_DATE_SQL,
    MARKET_SQL,
    MODELS_SQL,
    RANKING_SQL,
    SERIES_SQL,
    TRADES_SQL,
    ResultFilter,
)

pytestmark = pytest.mark.integration
TABLES = ("jobs", "job_details", "positions", "holdings", "reasoning_logs", "tool_usage")


def results_sql(filters: ResultFilter) -> tuple[str, list[object]]:
    where, params = filters.where()
    sql = END_OF_DAY_SELECT + where + " GROUP BY date, model ORDER BY date, model LIMIT ? OFFSET ?"
    return sql, [*params, 10, 0]


QUERIES: dict[str, tuple[str, tuple[object, ...] | list[object] | dict[str, object]]] = {
    "results by date": results_sql(ResultFilter(date="2025-09-02")),
    "results by model and range": results_sql(
        ResultFilter(model="m", start_date="a", end_date="b")
    ),
    "results by job": results_sql(ResultFilter(job_id="j")),
    "leaderboard": (RANKING_SQL, {"day": "2025-09-30", "market": "nasdaq100"}),
    "latest day of a market": (LATEST_DATE_SQL, {"market": "nasdaq100"}),
    "market of a timeline": (MARKET_SQL, ("m",)),
    "every stored model": (ALL_MODELS_SQL, ()),
    "timeseries": (SERIES_SQL, ("m", "a", "b")),
    "metrics trades": (TRADES_SQL, ("m", "a", "b")),
    "timeline bounds": (BOUNDS_SQL, ("m",)),
    "stored models of a market": (MODELS_SQL, {"market": "nasdaq100"}),
    "results of a market": results_sql(ResultFilter(market="sse50", date="2025-10-09")),
    "jobs": (LIST_SQL, (10, 0)),
    "jobs by status": (LIST_BY_STATUS_SQL, ("completed", 10, 0)),
    "job": (JOB_SQL, ("j",)),
    "delete check": (LATER_DAYS_SQL, ("j", "j")),
    "end of day": (END_OF_DAY_SQL, ("m", "d")),
    "holdings": (HOLDINGS_SQL, (1,)),
    "claim": (CLAIM_SQL, {"stamp": "t", "job_id": "j", "model": "m", "day": "d", **STATUS_WORDS}),
    "next day": (NEXT_DAY_SQL, ("j", "m", "pending")),
    "job spending": (SPENDING_SQL, ("j",)),
    "leaderboard spending": (TIMELINE_SQL, ("completed", "", "d", None, None)),
    "metrics spending": (TIMELINE_SQL, ("completed", "a", "b", "m", "m")),
    "day spending": (DAYS_SQL.format(sums=SUMS, triples="(?, ?, ?)"), ("j", "m", "d")),
    "recorded answers": (RECORDED_SQL, ("m", "d", None, None)),
    **{
        f"detail {name}": (sql.format(pairs="(?, ?)"), ("m", "d"))
        for name, sql in {
            "trades": DAY_TRADES_SQL,
            "reasoning": REASONING_SQL,
            "tool_usage": TOOL_USAGE_SQL,
        }.items()
    },
}


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path: Path = tmp_path_factory.mktemp("plans") / "plans.db"
    with closing(connect(path)) as connection:
        init_db(connection)
        yield connection


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_uses_an_index(conn: sqlite3.Connection, name: str) -> None:
    sql, params = QUERIES[name]
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    bare_scans = [
        line
        for line in plan
        if line.startswith("SCAN ") and line.split()[1] in TABLES and "INDEX" not in line
    ]
    assert not bare_scans, plan
    assert any("INDEX" in line for line in plan), plan
