"""Running bin/import-ai-trader and bin/export-ai-trader on AI-Trader's recorded runs in
integration tests, reading what they stored through the API, and comparing an export with the
folder it was imported from."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.cli import export_ai_trader, import_ai_trader
from service.db import connect
from service.market.rules import MarketRules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLES = Path("markets") / "ai-trader-samples"
POSITION_FILE = Path("position") / "position.jsonl"
STORED = "the file's positions are stored"
# Every stored row of the timelines and logs, without ids, job ids and timestamps.
SNAPSHOT_SQL = [
    "SELECT market, date, model, action_id, action_type, symbol, amount, price, cash,"
    " portfolio_value, daily_return_pct, cumulative_return_pct FROM positions"
    " ORDER BY model, date, action_id",
    "SELECT p.model, p.date, p.action_id, h.symbol, h.quantity FROM holdings AS h"
    " JOIN positions AS p ON p.id = h.position_id ORDER BY 1, 2, 3, 4",
    "SELECT model, date, step_number, role, content, tool_name FROM reasoning_logs"
    " ORDER BY model, date, step_number",
]


def imports(root: Path, *options: str) -> int:
    """Run bin/import-ai-trader on root."""
    return import_ai_trader.main([str(root), *options])


def exports(root: Path, *options: str) -> int:
    """Run bin/export-ai-trader into root."""
    return export_ai_trader.main([str(root), *options])


def records(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def rows(conn: sqlite3.Connection, model: str = "gpt-5") -> list[dict[str, Any]]:
    """The model's positions rows in timeline order."""
    sql = "SELECT * FROM positions WHERE model = ? ORDER BY date, action_id"
    return [dict(row) for row in conn.execute(sql, (model,))]


def job(conn: sqlite3.Connection) -> dict[str, Any]:
    """The one import job, its JSON columns decoded."""
    (found,) = [dict(row) for row in conn.execute("SELECT * FROM jobs")]
    return {**found, **{key: json.loads(found[key]) for key in ("config", "models", "warnings")}}


def job_markets(conn: sqlite3.Connection) -> dict[str, MarketRules]:
    """The rules of each market in the import job's snapshot."""
    stored = job(conn)["config"]["markets"]
    return {name: MarketRules.from_dict(rules) for name, rules in stored.items()}


def snapshot(database: Path) -> list[Any]:
    """Every stored row of the timelines and logs of the database (SNAPSHOT_SQL)."""
    with closing(connect(database)) as connection:
        return [[tuple(row) for row in connection.execute(sql)] for sql in SNAPSHOT_SQL]


def board(client: FlaskClient, market: str, day: str) -> dict[str, Any]:
    """GET /leaderboard of market on day (a day, or a bar key)."""
    response = client.get("/leaderboard", query_string={"market": market, "date": day})
    assert response.status_code == 200, response.get_data(as_text=True)
    answer: dict[str, Any] = response.get_json()
    return answer


def series(client: FlaskClient, model: str = "gpt-5") -> dict[str, dict[str, Any]]:
    """GET /portfolio/timeseries of model, its points by date."""
    response = client.get("/portfolio/timeseries", query_string={"model": model})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {point["date"]: point for point in response.get_json()["series"]}


def reads(
    answer: dict[str, Any], value: float, return_pct: float, benchmark: float, model: str = "gpt-5"
) -> None:
    """The leaderboard's only model is model with value (to the cent) and return, against
    benchmark (percentages to the hundredth, as published)."""
    (first,) = answer["rankings"]
    assert (first["model"], round(first["portfolio_value"], 2)) == (model, value)
    assert first["cumulative_return_pct"] == pytest.approx(return_pct, abs=0.005)
    assert answer["benchmark"]["cumulative_return_pct"] == pytest.approx(benchmark, abs=0.005)


def held(positions: dict[str, float]) -> dict[str, float]:
    """What a positions object holds: CASH and the symbols not held 0 times."""
    return {symbol: qty for symbol, qty in positions.items() if qty or symbol == "CASH"}


def messages(path: Path) -> list[tuple[str, str, str | None]]:
    """(role, content, tool name) of each message of a log.jsonl, in order."""
    found = []
    for record in records(path):
        new = record["new_messages"]
        for message in new if isinstance(new, list) else [new]:
            found.append((message["role"], message["content"], message.get("name")))
    return found


def expected_ids(lines: list[dict[str, Any]]) -> list[int]:
    """The ids the import keeps: the file's when they count up from 0, else the file order."""
    ids = [line["id"] for line in lines]
    counts_up = ids[0] == 0 and all(a < b for a, b in zip(ids, ids[1:], strict=False))
    return ids if counts_up else list(range(len(ids)))


def assert_written_back(
    source: Path, exported: Path, unlogged: Collection[str] = (), signature: str = "gpt-5"
) -> None:
    """The exported folder of signature says what the source folder says: every position line
    (its date, id, action as AI-Trader names it, amount and holdings; the line's price is added)
    and the log of every day (or bar) but those in unlogged (no position line there), in a
    folder named as the source names it."""
    wrote = records(exported / signature / POSITION_FILE)
    read = records(source / signature / POSITION_FILE)
    assert [line["date"] for line in wrote] == [line["date"] for line in read]
    assert [line["id"] for line in wrote] == expected_ids(read)
    for out, original in zip(wrote, read, strict=True):
        action = {key: value for key, value in out.get("this_action", {}).items() if key != "price"}
        assert action == original.get("this_action", {}), original["id"]
        assert out["positions"] == held(original["positions"]), original["id"]
    logs, written_logs = source / signature / "log", exported / signature / "log"
    folders = sorted(path.name for path in logs.iterdir() if path.name not in unlogged)
    assert sorted(path.name for path in written_logs.iterdir()) == folders
    for folder in folders:
        assert messages(written_logs / folder / "log.jsonl") == messages(
            logs / folder / "log.jsonl"
        )


def round_trip(
    source: Path,
    database_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    unlogged: Collection[str] = (),
    signature: str = "gpt-5",
) -> None:
    """Export what was imported from source and compare it with source; imported again into a
    fresh database, the export stores the same rows."""
    exported = tmp_path / "exported"
    assert exports(exported) == 0
    assert_written_back(source, exported, unlogged, signature)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "fresh.db"))
    assert imports(exported) == 0
    assert snapshot(tmp_path / "fresh.db") == snapshot(database_path)
