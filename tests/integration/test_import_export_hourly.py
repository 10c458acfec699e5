"""bin/import-ai-trader and bin/export-ai-trader on AI-Trader's hourly runs: lines dated and log
folders named by bar key, stored bar by bar as recorded (with a warning where the record
disagrees with the bar's open or the market's rules), read back through the API at a bar or a
day (its last bar), and written back in AI-Trader's hourly layout."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from service.db import connect
from service.market.catalog import NASDAQ100_HOURLY, SSE50_HOURLY
from tests.integration.agent_data import (
    FIXTURES,
    POSITION_FILE,
    SAMPLES,
    STORED,
    board,
    exports,
    imports,
    job,
    job_markets,
    reads,
    records,
    round_trip,
    rows,
    series,
)

pytestmark = pytest.mark.integration

Capture = pytest.CaptureFixture[str]
# The first 13 lines of AI-Trader's nasdaq100_hourly gpt-5 run (up to two orders of the
# 2025-10-02 15:00 bar) and that bar's log; the first 18 lines of its sse50_hourly run (the
# registration at 08:30, the 10:30 bar's orders, two of the 11:30 bar's) and the 11:30 log.
NASDAQ_RUN = FIXTURES / "ai_trader_nasdaq100_hourly"
SSE50_RUN = FIXTURES / "ai_trader_sse50_hourly"
SSE50_MODEL = "gpt-5-astock-hour"
NASDAQ_POSITIONS = NASDAQ_RUN / "gpt-5" / POSITION_FILE
SSE50_POSITIONS = SSE50_RUN / SSE50_MODEL / POSITION_FILE
LOG_SQL = "SELECT DISTINCT model, date FROM reasoning_logs ORDER BY model, date"
WARNED_LINE = re.compile(r", line (\d+): ")


@pytest.fixture(autouse=True)
def bundled_markets(database_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every market on its bundled data, whatever the environment says, on the test database."""
    monkeypatch.delenv("PRICE_DATA", raising=False)
    monkeypatch.delenv("MARKETS_CONFIG", raising=False)


@pytest.fixture
def conn(database_path: Path) -> Iterator[sqlite3.Connection]:
    with closing(connect(database_path)) as connection:
        yield connection


def warned_lines(conn: sqlite3.Connection) -> list[int]:
    """The position lines the import job warns about, in order."""
    return [int(WARNED_LINE.findall(warning)[0]) for warning in job(conn)["warnings"]]


def test_an_hourly_nasdaq_run_is_stored_bar_by_bar_as_recorded(
    conn: sqlite3.Connection, client: FlaskClient, capsys: Capture
) -> None:
    assert imports(NASDAQ_RUN) == 0

    output = capsys.readouterr()
    # Its symbols are also nasdaq100's: the dates, bars, tell the hourly market.
    assert f"gpt-5: market nasdaq100_hourly, told by the symbols of {NASDAQ_POSITIONS}" in (
        output.out
    )
    assert (
        "gpt-5: 12 bars, 13 actions, 2 log messages, 2025-10-01 10:00:00..2025-10-02 15:00:00,"
        " final value 10,002.83 USD (+0.03%) on nasdaq100_hourly"
    ) in output.out
    lines, stored = records(NASDAQ_POSITIONS), rows(conn)
    assert [(r["date"], r["action_id"], r["cash"]) for r in stored] == [
        (line["date"], line["id"], line["positions"]["CASH"]) for line in lines
    ]
    assert {r["market"] for r in stored} == {"nasdaq100_hourly"}
    assert [r["action_type"] for r in stored[:7]] == ["init", *["hold"] * 5, "buy"]
    # AI-Trader's early US records are its daily run relabelled to hours: their cash is not
    # the hourly open's. The record is stored as it is, with a warning per line.
    warnings = [
        f"{NASDAQ_POSITIONS}, line 7: buy 10 NVDA at 189.28: expected cash 8107.2, the file says"
        f" cash 8104; {STORED}",
        f"{NASDAQ_POSITIONS}, line 12: buy 6 GOOGL at 244.63: expected cash 6636.22, the file"
        f" says cash 6633.1; {STORED}",
        f"{NASDAQ_POSITIONS}, line 13: buy 6 AMD at 169.7: expected cash 5614.9, the file says"
        f" cash 5621.05; {STORED}",
    ]
    assert job(conn)["warnings"] == warnings
    assert output.err.splitlines() == [f"import-ai-trader: warning: {w}" for w in warnings]
    assert job_markets(conn) == {"nasdaq100_hourly": NASDAQ100_HOURLY}
    assert [tuple(row) for row in conn.execute(LOG_SQL)] == [("gpt-5", "2025-10-02 15:00:00")]

    # A bar, and a day meaning its last bar; QQQ from the close of the registration's bar.
    at_bar = board(client, "nasdaq100_hourly", "2025-10-02 15:00:00")
    reads(at_bar, 10002.83, 0.03, 0.87)
    assert at_bar["benchmark"]["start_date"] == "2025-10-01 10:00:00"
    assert board(client, "nasdaq100_hourly", "2025-10-02")["rankings"] == at_bar["rankings"]
    reads(board(client, "nasdaq100_hourly", "2025-10-02 14:00:00"), 9993.07, -0.07, 0.89)
    points = series(client)
    assert len(points) == 12
    assert points["2025-10-02 15:00:00"]["portfolio_value"] == 10002.83
    assert board(client, "nasdaq100", "2025-10-02")["rankings"] == []


def test_an_hourly_sse50_run_registers_before_the_first_bar_and_notes_t_plus_1(
    conn: sqlite3.Connection, client: FlaskClient, capsys: Capture
) -> None:
    assert imports(SSE50_RUN) == 0

    output = capsys.readouterr()
    assert (
        f"{SSE50_MODEL}: 3 bars, 18 actions, 2 log messages, 2025-10-09 08:30:00..2025-10-09"
        " 11:30:00, final value 100,898.00 CNY (+0.90%) on sse50_hourly"
    ) in output.out
    stored = rows(conn, SSE50_MODEL)
    # 08:30 is no bar of the data (the day's first is 10:30): the registration is stored at it.
    registration = stored[0]
    assert (registration["date"], registration["action_type"]) == ("2025-10-09 08:30:00", "init")
    assert registration["portfolio_value"] == 100000.0
    assert sorted({r["date"] for r in stored}) == [
        "2025-10-09 08:30:00",
        "2025-10-09 10:30:00",
        "2025-10-09 11:30:00",
    ]
    # The cash follows the bars' opens; the 11:30 bar sells what the 10:30 bar bought.
    assert job(conn)["warnings"] == [
        f"{SSE50_POSITIONS}, line {number}: sell 500 {symbol}: only 0 were held before"
        f" 2025-10-09, and units bought that day settle T+1 on SSE-50 hourly; {STORED}"
        for number, symbol in [(17, "601658.SH"), (18, "601288.SH")]
    ]
    assert job_markets(conn) == {"sse50_hourly": SSE50_HOURLY}
    assert [tuple(row) for row in conn.execute(LOG_SQL)] == [(SSE50_MODEL, "2025-10-09 11:30:00")]

    # The index's close of a day is known from its 15:00 bar on: none yet at 11:30.
    answer = board(client, "sse50_hourly", "2025-10-09 11:30:00")
    reads(answer, 100898.0, 0.90, 0.0, model=SSE50_MODEL)
    assert (answer["currency"], answer["benchmark"]["start_date"]) == (
        "CNY",
        "2025-10-09 08:30:00",
    )
    points = series(client, SSE50_MODEL)
    assert list(points) == ["2025-10-09 08:30:00", "2025-10-09 10:30:00", "2025-10-09 11:30:00"]
    assert points["2025-10-09 08:30:00"]["benchmark_return_pct"] is None


@pytest.mark.parametrize(
    ("run", "market", "form"),
    [
        (NASDAQ_RUN, "nasdaq100", "bar, and nasdaq100 is a daily"),
        (SSE50_RUN, "sse50", "bar, and sse50 is a daily"),
        (FIXTURES / "ai_trader_sse50", "sse50_hourly", "day, and sse50_hourly is an intraday"),
    ],
)
def test_a_run_is_not_imported_into_a_market_of_the_other_form(
    run: Path, market: str, form: str, conn: sqlite3.Connection, capsys: Capture
) -> None:
    assert imports(run, "--market", market) == 1

    (folder,) = list(run.iterdir())
    assert capsys.readouterr().err.splitlines() == [
        f"import-ai-trader: {folder.name}: not imported: {folder / POSITION_FILE}: the lines are"
        f" dated by {form} market"
    ]
    assert conn.execute("SELECT COUNT(*) FROM positions").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("run", "signature", "bar"),
    [(NASDAQ_RUN, "gpt-5", "2025-10-02 15:00:00"), (SSE50_RUN, SSE50_MODEL, "2025-10-09 11:30:00")],
    ids=["nasdaq100_hourly", "sse50_hourly"],
)
def test_export_writes_an_hourly_run_back_with_log_folders_named_by_bar(
    run: Path,
    signature: str,
    bar: str,
    database_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert imports(run) == 0

    round_trip(run, database_path, tmp_path, monkeypatch, signature=signature)

    assert (tmp_path / "exported" / signature / "log" / bar / "log.jsonl").is_file()


@pytest.mark.usefixtures("database_path")
def test_export_counts_an_hourly_runs_logs_by_bar(tmp_path: Path, capsys: Capture) -> None:
    assert imports(NASDAQ_RUN) == 0
    capsys.readouterr()

    assert exports(tmp_path / "out") == 0
    assert capsys.readouterr().out == (
        f"gpt-5: 13 actions on nasdaq100_hourly, 1 bars of logs -> {tmp_path / 'out' / 'gpt-5'}\n"
    )


@pytest.mark.shared_data
def test_ai_trader_nasdaq100_hourly_sample_reads_its_published_figures(
    shared_data: Path,
    conn: sqlite3.Connection,
    client: FlaskClient,
    database_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sample = shared_data / SAMPLES / "nasdaq100_hourly"
    assert imports(sample) == 0

    lines = records(sample / "gpt-5" / POSITION_FILE)
    assert len(rows(conn)) == len(lines)
    # Up to 2025-10-30 the records are the daily run relabelled to hours: the cash of each of
    # their 45 orders disagrees with the hourly open, and is stored as recorded, with a warning.
    # From then on the run holds.
    orders = [n for n, line in enumerate(lines, 1) if line.get("this_action", {}).get("amount")]
    assert warned_lines(conn) == orders
    assert len(orders) == 45
    assert lines[orders[-1] - 1]["date"] < "2025-10-30"
    assert all("expected cash" in warning for warning in job(conn)["warnings"])
    # A bar, and the day meaning its last bar; QQQ from the close of the 2025-10-01 10:00 bar.
    for date in ["2025-10-31 15:00:00", "2025-10-31"]:
        answer = board(client, "nasdaq100_hourly", date)
        reads(answer, 10762.59, 7.63, 4.78)
        assert answer["rankings"][0]["date"] == "2025-10-31 15:00:00"
        assert answer["benchmark"]["start_date"] == "2025-10-01 10:00:00"
    point = series(client)["2025-10-31 15:00:00"]
    assert point["portfolio_value"] == 10762.59
    assert point["benchmark_return_pct"] == pytest.approx(4.78, abs=0.005)
    round_trip(sample, database_path, tmp_path, monkeypatch)


@pytest.mark.shared_data
def test_ai_trader_sse50_hourly_sample_reads_its_published_figures(
    shared_data: Path,
    conn: sqlite3.Connection,
    client: FlaskClient,
    database_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sample = shared_data / SAMPLES / "sse50_hourly"
    assert imports(sample) == 0

    assert len(rows(conn, SSE50_MODEL)) == len(records(sample / SSE50_MODEL / POSITION_FILE))
    assert rows(conn, SSE50_MODEL)[0]["date"] == "2025-10-09 08:30:00"
    # The cash follows the hourly opens; 21 sales draw on units bought in an earlier bar of
    # the same day, which T+1 does not allow: stored as recorded, each with its warning.
    warnings = job(conn)["warnings"]
    assert len(warnings) == 21
    assert all("settle T+1 on SSE-50 hourly" in warning for warning in warnings)
    # The index from its last close known at the registration (2025-09-30's).
    for date in ["2025-11-18 15:00:00", "2025-11-18"]:
        answer = board(client, "sse50_hourly", date)
        reads(answer, 105173.0, 5.17, 0.47, model=SSE50_MODEL)
        assert answer["rankings"][0]["date"] == "2025-11-18 15:00:00"
    round_trip(sample, database_path, tmp_path, monkeypatch, signature=SSE50_MODEL)
