"""bin/import-ai-trader and bin/export-ai-trader on synthetic agent data and on AI-Trader's own."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.cli import export_ai_trader, import_ai_trader
from service.db import connect
from service.journal import insert_day_records
from service.portfolio.positions import end_of_day_before

pytestmark = pytest.mark.integration

# (open, close) per day; 2025-10-06 is the newest, open-only bar like AI-Trader's last day.
PRICES = {
    "AAA": {"2025-10-01": (9, 10), "2025-10-02": (10, 11), "2025-10-03": (12, 13)},
    "BBB": {"2025-10-01": (19, 20), "2025-10-02": (20, 21), "2025-10-03": (18, 19)},
    "QQQ": {"2025-10-01": (99, 100), "2025-10-02": (100, 101), "2025-10-03": (102, 104)},
}
OPEN_ONLY_DAY = "2025-10-06"
NO_TRADE = ("no_trade", "", 0)
SOURCE = {"source": "ai-trader"}
Capture = pytest.CaptureFixture[str]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ai_trader"
EVERY_KIND = FIXTURES / "every-kind" / "position" / "position.jsonl"
STORED = "the file's positions are stored"


def position(day: str, action_id: int, cash: float, action: Any = None, **shares: int) -> Any:
    """A position.jsonl record listing every symbol, as AI-Trader writes them."""
    record: dict[str, Any] = {"date": day, "id": action_id}
    if action is not None:
        record["this_action"] = dict(zip(("action", "symbol", "amount"), action, strict=True))
    record["positions"] = {"AAA": 0, "BBB": 0, "QQQ": 0, **shares, "CASH": cash}
    return record


ALPHA = [
    position("2025-10-01", 0, 1000.0),
    position("2025-10-02", 1, 950.0, ("buy", "AAA", 5), AAA=5),
    position("2025-10-02", 2, 910.0, ("buy", "BBB", 2), AAA=5, BBB=2),
    position("2025-10-03", 3, 934.0, ("sell", "AAA", 2), AAA=3, BBB=2),
    position(OPEN_ONLY_DAY, 4, 934.0, NO_TRADE, AAA=3, BBB=2),
]
BETA = [
    position("2025-10-02", 0, 500.0),
    position("2025-10-03", 1, 398.0, ("buy", "QQQ", 1), QQQ=1),
]
TOOL = {"role": "tool", "content": {"AAA": 12}, "name": "get_price_local"}
# Both shapes of new_messages: a list of messages, or a single one.
ALPHA_LOGS = {
    "2025-10-02": [[{"role": "user", "content": "trade"}], {"role": "assistant", "content": "ok"}],
    "2025-10-03": [[TOOL, {"role": "assistant", "content": "sold"}]],
}
ACTIVE_JOB_SQL = (
    "INSERT INTO jobs (job_id, status, end_date, models, config, created_at)"
    " VALUES ('sim', 'running', '2025-10-03', '[\"alpha\"]', '{}', '2025-10-01')"
)
NO_MARKET = (
    "position.jsonl: no market's universe holds every symbol traded or held"
    " (the closest, nasdaq100, lacks ZZZ); name the market with --market"
)
# (holdings of beta's second line, options, why beta is not imported)
BAD_HOLDINGS = [
    ({"QQQ": -1}, (), "position.jsonl, line 2: negative quantity -1 of QQQ"),
    ({"ZZZ": 1}, (), NO_MARKET),
    ({"ZZZ": 1}, ("--market", "nasdaq100"), "no close of ZZZ on or before 2025-10-03"),
]
SNAPSHOT_SQL = [
    "SELECT date, model, action_id, action_type, symbol, amount, price, cash, portfolio_value,"
    " daily_profit, daily_return_pct, cumulative_profit, cumulative_return_pct FROM positions"
    " ORDER BY model, date, action_id",
    "SELECT p.model, p.date, p.action_id, h.symbol, h.quantity FROM holdings AS h"
    " JOIN positions AS p ON p.id = h.position_id ORDER BY 1, 2, 3, 4",
    "SELECT model, date, step_number, role, content, tool_name FROM reasoning_logs"
    " ORDER BY model, date, step_number",
]


def write_jsonl(path: Path, records: list[Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


def write_agent(root: Path, signature: str, lines: list[Any], logs: dict[str, Any]) -> None:
    write_jsonl(root / signature / "position" / "position.jsonl", lines)
    for day, messages in logs.items():
        records = [{"signature": signature, "new_messages": new} for new in messages]
        write_jsonl(root / signature / "log" / day / "log.jsonl", records)


def price_record(symbol: str, days: dict[str, tuple[int, int]]) -> dict[str, Any]:
    series = {d: {"1. buy price": f"{o}", "4. sell price": f"{c}"} for d, (o, c) in days.items()}
    series[OPEN_ONLY_DAY] = {"1. buy price": f"{days['2025-10-03'][1]}"}
    return {"Meta Data": {"2. Symbol": symbol}, "Time Series (Daily)": series}


@pytest.fixture
def agent_dir(tmp_path: Path, database_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Agent data of two models and matching prices (PRICE_DATA), on the test database."""
    prices = tmp_path / "merged.jsonl"
    write_jsonl(prices, [price_record(symbol, days) for symbol, days in PRICES.items()])
    monkeypatch.setenv("PRICE_DATA", str(prices))
    write_agent(tmp_path / "agent_data", "alpha", ALPHA, ALPHA_LOGS)
    write_agent(tmp_path / "agent_data", "beta", BETA, {})
    return tmp_path / "agent_data"


@pytest.fixture
def conn(database_path: Path) -> Iterator[sqlite3.Connection]:
    with closing(connect(database_path)) as connection:
        yield connection


def count(conn: sqlite3.Connection, table: str, model: str) -> int:
    join = " JOIN positions ON positions.id = position_id" if table == "holdings" else ""
    sql = f"SELECT COUNT(*) FROM {table}{join} WHERE model = ?"
    return int(conn.execute(sql, [model]).fetchone()[0])


def positions(conn: sqlite3.Connection, model: str) -> list[dict[str, Any]]:
    sql = "SELECT * FROM positions WHERE model = ? ORDER BY date, action_id"
    return [dict(row) for row in conn.execute(sql, (model,))]


def job_models(conn: sqlite3.Connection) -> list[str]:
    return [
        model for (text,) in conn.execute("SELECT models FROM jobs") for model in json.loads(text)
    ]


def snapshot(database: Path) -> list[Any]:
    """Every stored row of the timelines and logs, without ids, job ids and timestamps."""
    with closing(connect(database)) as connection:
        return [[tuple(row) for row in connection.execute(sql)] for sql in SNAPSHOT_SQL]


def imports(root: Path, *options: str) -> int:
    """Run bin/import-ai-trader on root."""
    return import_ai_trader.main([str(root), *options])


def test_import_stores_every_action_with_values_logs_and_one_job(
    agent_dir: Path, conn: sqlite3.Connection, capsys: Capture
) -> None:
    assert imports(agent_dir) == 0

    rows = positions(conn, "alpha")
    assert [(r["date"], r["action_id"], r["cash"]) for r in rows] == [
        (line["date"], line["id"], line["positions"]["CASH"]) for line in ALPHA
    ]
    assert [r["action_type"] for r in rows] == ["init", "buy", "buy", "sell", "hold"]
    assert [r["price"] for r in rows] == [None, 10.0, 20.0, 12.0, None]
    # 950 + 5*11; 910 + 5*11 + 2*21; 934 + 3*13 + 2*19; the open-only day at the 10-03 closes.
    assert [r["portfolio_value"] for r in rows] == [1000.0, 1005.0, 1007.0, 1011.0, 1011.0]
    assert [r["daily_profit"] for r in rows] == [0.0, 5.0, 7.0, 4.0, 0.0]
    assert rows[3]["daily_return_pct"] == pytest.approx(4 / 1007 * 100)
    assert [r["cumulative_return_pct"] for r in rows] == pytest.approx([0, 0.5, 0.7, 1.1, 1.1])
    assert (count(conn, "positions", "beta"), count(conn, "holdings", "alpha")) == (2, 7)
    assert [tuple(row) for row in conn.execute(SNAPSHOT_SQL[2])] == [
        ("alpha", "2025-10-02", 1, "user", "trade", None),
        ("alpha", "2025-10-02", 2, "assistant", "ok", None),
        ("alpha", "2025-10-03", 1, "tool", '{"AAA": 12}', "get_price_local"),
        ("alpha", "2025-10-03", 2, "assistant", "sold", None),
    ]
    output = capsys.readouterr()
    assert "alpha: 4 days, 5 actions, 4 log messages" in output.out
    assert "warning" not in output.err
    # One completed job of kind import covers every imported model-day.
    job = dict(conn.execute("SELECT * FROM jobs").fetchone())
    assert (job["kind"], job["status"]) == ("import", "completed")
    assert (job["start_date"], job["end_date"]) == ("2025-10-01", OPEN_ONLY_DAY)
    assert (job_models(conn), json.loads(job["options"])) == (["alpha", "beta"], SOURCE)
    assert json.loads(job["warnings"]) == []
    sql = "SELECT model, date FROM job_details WHERE job_id = ? AND status = 'completed'"
    days = {("alpha", line["date"]) for line in ALPHA} | {("beta", line["date"]) for line in BETA}
    assert sorted(tuple(row) for row in conn.execute(sql, [job["job_id"]])) == sorted(days)
    assert {r["job_id"] for r in rows} == {job["job_id"]}


def test_an_existing_timeline_is_refused_without_replace_and_replaced_with_it(
    agent_dir: Path, conn: sqlite3.Connection, capsys: Capture
) -> None:
    assert imports(agent_dir, "--models", "alpha") == 0
    assert (count(conn, "positions", "alpha"), count(conn, "positions", "beta")) == (5, 0)
    before = positions(conn, "alpha")
    shorter = [*ALPHA[:3], position("2025-10-03", 3, 910.0, NO_TRADE, AAA=5, BBB=2)]
    write_agent(agent_dir, "alpha", shorter, {})

    assert imports(agent_dir, "--models", "alpha") == 1
    error = capsys.readouterr().err
    assert "alpha: not imported: alpha already has a timeline" in error
    assert "use --replace" in error
    conn.execute(ACTIVE_JOB_SQL)
    assert imports(agent_dir, "--models", "alpha", "--replace") == 1
    assert "alpha is in active job sim" in capsys.readouterr().err
    assert positions(conn, "alpha") == before

    conn.execute("DELETE FROM jobs WHERE job_id = 'sim'")
    assert imports(agent_dir, "--models", "alpha", "--replace") == 0
    rows = positions(conn, "alpha")
    assert [(r["action_type"], r["cash"]) for r in rows[2:]] == [("buy", 910.0), ("hold", 910.0)]
    # The folder still holds the logs: stored once, the old ones were deleted.
    assert count(conn, "reasoning_logs", "alpha") == 4
    assert len({r["job_id"] for r in rows}) == 1
    assert job_models(conn) == ["alpha", "alpha"]


@pytest.mark.parametrize(("bad", "options", "reason"), BAD_HOLDINGS)
def test_a_bad_model_is_left_out_and_the_others_imported(
    agent_dir: Path,
    conn: sqlite3.Connection,
    capsys: Capture,
    bad: Any,
    options: tuple[str, ...],
    reason: str,
) -> None:
    write_agent(agent_dir, "beta", [BETA[0], position("2025-10-03", 1, 398.0, None, **bad)], {})

    assert imports(agent_dir, *options) == 1

    error = capsys.readouterr().err
    assert "beta: not imported: " in error
    assert reason in error
    assert (count(conn, "positions", "beta"), count(conn, "positions", "alpha")) == (0, 5)
    assert job_models(conn) == ["alpha"]


def test_a_failure_while_storing_rolls_the_whole_model_back(
    agent_dir: Path, conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(connection: sqlite3.Connection, job: str, model: str, day: str, r: Any) -> None:
        if (model, day) == ("alpha", "2025-10-03"):
            raise sqlite3.IntegrityError("disk trouble")
        insert_day_records(connection, job, model, day, r)

    monkeypatch.setattr("service.jobs.imports.insert_day_records", failing)

    assert imports(agent_dir) == 1

    tables = ("positions", "holdings", "reasoning_logs", "job_details")
    assert [count(conn, table, "alpha") for table in tables] == [0, 0, 0, 0]
    assert count(conn, "positions", "beta") == 2
    assert job_models(conn) == ["beta"]


def test_export_then_import_round_trips_and_never_overwrites(
    agent_dir: Path,
    database_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Capture,
) -> None:
    assert imports(agent_dir) == 0
    exported = tmp_path / "exported"

    assert export_ai_trader.main([str(exported)]) == 0

    alpha_file = exported / "alpha" / "position" / "position.jsonl"
    lines = [json.loads(line) for line in alpha_file.read_text().splitlines()]
    assert lines[0] == {"date": "2025-10-01", "id": 0, "positions": {"CASH": 1000.0}}
    assert lines[-1]["this_action"] == {"action": "no_trade", "symbol": "", "amount": 0}
    assert lines[-1]["positions"] == {"AAA": 3, "BBB": 2, "CASH": 934.0}
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "fresh.db"))
    capsys.readouterr()
    assert imports(exported) == 0
    assert snapshot(tmp_path / "fresh.db") == snapshot(database_path)
    assert "warning" not in capsys.readouterr().err
    with closing(connect(tmp_path / "fresh.db")) as fresh:
        assert [json.loads(text) for (text,) in fresh.execute("SELECT warnings FROM jobs")] == [[]]

    before = alpha_file.read_text()
    assert export_ai_trader.main([str(exported), "--models", "alpha"]) == 1
    assert alpha_file.read_text() == before


def holdings(conn: sqlite3.Connection, model: str) -> list[dict[str, float]]:
    """The holdings after each action of a model, in timeline order."""
    sql = "SELECT symbol, quantity FROM holdings WHERE position_id = ? ORDER BY symbol"
    return [
        {symbol: quantity for symbol, quantity in conn.execute(sql, [row["id"]])}
        for row in positions(conn, model)
    ]


@pytest.mark.usefixtures("agent_dir")  # for its prices
def test_every_kind_of_line_ai_trader_writes_is_stored_as_the_file_says(
    conn: sqlite3.Connection, capsys: Capture
) -> None:
    assert imports(FIXTURES, "--models", "every-kind") == 0

    rows = positions(conn, "every-kind")
    assert [(r["date"], r["action_id"], r["action_type"]) for r in rows] == [
        ("2025-10-01", 0, "init"),
        ("2025-10-02", 1, "buy"),
        ("2025-10-02", 2, "hold"),  # sell of 0 BBB: a no-op
        ("2025-10-02", 3, "buy"),  # buy_crypto, "id" after "this_action"
        ("2025-10-03", 4, "hold"),  # no_trade, extra keys ignored
        ("2025-10-03", 5, "sell"),
        ("2025-10-03", 6, "sell"),  # sell_crypto
        ("2025-10-03", 7, "buy"),  # cash off by 0.50
        ("2025-10-04", 8, "buy"),  # no open that day
        (OPEN_ONLY_DAY, 9, "hold"),  # buy of 0.0, repeating id 8
    ]
    assert [(r["symbol"], r["amount"], r["price"]) for r in rows] == [
        (None, None, None),
        ("AAA", 5, 10.0),
        (None, None, None),
        ("QQQ", 0.5, 100.0),
        (None, None, None),
        ("AAA", 2, 12.5),
        ("QQQ", 0.25, 102.0),
        ("BBB", 2, 18.0),
        ("AAA", 1, None),
        (None, None, None),
    ]
    lines = [json.loads(line) for line in EVERY_KIND.read_text().splitlines()]
    assert [r["cash"] for r in rows] == [line["positions"]["CASH"] for line in lines]
    assert holdings(conn, "every-kind") == [
        {key: qty for key, qty in line["positions"].items() if key != "CASH" and qty}
        for line in lines
    ]
    whole = [qty for held in holdings(conn, "every-kind") for s, qty in held.items() if s != "QQQ"]
    assert {type(qty) for qty in whole} == {int}
    # 901 cash + 4 AAA, 2 BBB and 0.25 QQQ at the 10-03 closes (13, 19, 104).
    assert rows[-1]["portfolio_value"] == pytest.approx(1017.0)
    warnings = [
        # Imported into nasdaq100: the file's fraction is kept, and the rule it breaks named.
        f"{EVERY_KIND}, line 4: buy 0.5 QQQ: amount must be a positive whole number of shares,"
        " got 0.5 on NASDAQ-100",
        f"{EVERY_KIND}, line 7: sell 0.25 QQQ: amount must be a positive whole number of shares,"
        " got 0.25 on NASDAQ-100",
        f"{EVERY_KIND}, line 8: buy 2 BBB at 18: expected cash 914.5, the file says cash 914;"
        f" {STORED}",
        f"{EVERY_KIND}, line 9: buy 1 AAA: no open of AAA on 2025-10-04; {STORED}",
        f"{EVERY_KIND}, line 10: id 8 does not increase (previous id 8);"
        " the actions are numbered in file order",
    ]
    (stored,) = conn.execute("SELECT warnings FROM jobs").fetchone()
    assert json.loads(stored) == warnings
    assert capsys.readouterr().err.splitlines() == [
        f"import-ai-trader: warning: {warning}" for warning in warnings
    ]


@pytest.fixture
def bundled_prices(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default price data, whatever the environment says."""
    monkeypatch.delenv("PRICE_DATA", raising=False)


def test_ai_trader_gpt5_positions_read_the_published_value_without_a_warning(
    bundled_prices: None, database_path: Path, capsys: Capture
) -> None:
    assert imports(FIXTURES, "--models", "gpt-5") == 0

    assert "warning" not in capsys.readouterr().err
    with closing(connect(database_path)) as connection:
        rows = positions(connection, "gpt-5")
        (warnings,) = connection.execute("SELECT warnings FROM jobs").fetchone()
    assert (len(rows), json.loads(warnings)) == (55, [])
    end_of_29 = [r for r in rows if r["date"] == "2025-10-29"][-1]
    assert round(end_of_29["portfolio_value"], 2) == 10998.25
    assert round(end_of_29["cumulative_return_pct"], 2) == 9.98


@pytest.mark.shared_data
def test_ai_trader_sample_matches_the_published_results(
    shared_data: Path, bundled_prices: None, client: FlaskClient, database_path: Path
) -> None:
    sample = shared_data / "ai-trader-sample"
    assert imports(sample) == 0

    lines = [json.loads(line) for line in (sample / "gpt-5/position/position.jsonl").open()]
    with closing(connect(database_path)) as connection:
        rows = positions(connection, "gpt-5")
        logged = {row[0] for row in connection.execute("SELECT DISTINCT date FROM reasoning_logs")}
        state = end_of_day_before(connection, "gpt-5", "2025-10-31")
    assert len(rows) == 55
    assert [(r["date"], r["action_id"]) for r in rows] == [(x["date"], x["id"]) for x in lines]
    for row, line in zip(rows, lines, strict=True):
        assert row["cash"] == pytest.approx(line["positions"]["CASH"], abs=0.005)
    end_of_29 = [r for r in rows if r["date"] == "2025-10-29"][-1]
    assert round(end_of_29["portfolio_value"], 2) == 10998.25
    assert round(end_of_29["cumulative_return_pct"], 2) == 9.98
    assert logged == {path.name for path in (sample / "gpt-5" / "log").iterdir()}

    board = client.get("/leaderboard", query_string={"date": "2025-10-29"}).get_json()
    first, benchmark = board["rankings"][0], board["benchmark"]
    assert (first["model"], first["portfolio_value"]) == ("gpt-5", 10998.25)
    assert first["cumulative_return_pct"] == pytest.approx(9.98, abs=0.005)
    assert (benchmark["start_date"], benchmark["symbol"]) == ("2025-10-01", "QQQ")
    assert benchmark["cumulative_return_pct"] == pytest.approx(5.39, abs=0.005)

    # A later simulation job continues from the imported last day.
    assert state is not None
    final = lines[-1]["positions"]
    held = {symbol: qty for symbol, qty in final.items() if symbol != "CASH" and qty}
    assert (state.date, state.action_id, state.holdings.shares) == ("2025-10-30", 54, held)
    assert (state.holdings.cash, round(state.portfolio_value, 2)) == (final["CASH"], 10998.25)
