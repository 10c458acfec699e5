"""Alpha Vantage download into merged.jsonl, and its command line, against mocked HTTP."""

from __future__ import annotations

import gzip
import json
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from service.cli import fetch_prices as cli
from service.market import fetch
from service.market.fetch import FetchError, fetch_prices
from service.market.prices import load_prices

pytestmark = pytest.mark.unit

URL = "https://www.alphavantage.co/query"
KEY = "SECRET-KEY-123"
DAYS = {"2025-10-28": ("268.9850", "269.0000"), "2025-10-29": ("269.2750", "269.7000")}
OLD_CONTENT = b'{"old": "good file"}\n'


def av_body(symbol: str) -> dict[str, Any]:
    """A TIME_SERIES_DAILY answer as Alpha Vantage sends it (numbers as strings)."""
    bars = {
        day: {
            "1. open": o,
            "2. high": "271.41",
            "3. low": "267.11",
            "4. close": c,
            "5. volume": "9",
        }
        for day, (o, c) in DAYS.items()
    }
    meta = {"1. Information": "Daily Prices (open, high, low, close) and Volumes"}
    return {"Meta Data": {**meta, "2. Symbol": symbol}, "Time Series (Daily)": bars}


def add(mock: responses.RequestsMock, symbol: str, **answer: Any) -> None:
    """Answer the request for symbol; by default with a good series."""
    params = {"function": "TIME_SERIES_DAILY", "symbol": symbol, "outputsize": "compact"}
    match = [matchers.query_param_matcher({**params, "apikey": KEY})]
    if not answer:
        answer = {"json": av_body(symbol)}
    mock.add(responses.GET, URL, match=match, **answer)


@pytest.fixture
def av() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def waits() -> list[float]:
    return []


def run(out: Path, waits: list[float], symbols: tuple[str, ...] = ("AAPL",)) -> fetch.FetchReport:
    return fetch_prices(symbols, out, KEY, sleep=waits.append, max_waits=3, wait_seconds=60.0)


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    out = tmp_path / "merged.jsonl"
    out.write_bytes(OLD_CONTENT)
    return out


def assert_old_file_kept(out: Path) -> None:
    assert out.read_bytes() == OLD_CONTENT
    assert [path.name for path in out.parent.iterdir()] == [out.name]


def test_success_writes_a_loadable_ai_trader_file(
    av: responses.RequestsMock, tmp_path: Path, waits: list[float]
) -> None:
    add(av, "AAPL")
    add(av, "QQQ")
    seen: list[tuple[int, int, str]] = []
    out = tmp_path / "merged.jsonl"
    report = fetch_prices(
        ["aapl", " QQQ", "AAPL"], out, KEY, sleep=waits.append, progress=lambda *a: seen.append(a)
    )
    assert seen == [(1, 2, "AAPL"), (2, 2, "QQQ")]
    assert (report.symbols, report.first_day, report.last_day, report.waits) == (
        ("AAPL", "QQQ"),
        "2025-10-28",
        "2025-10-29",
        0,
    )
    data = load_prices(out)
    assert data.symbols == ("AAPL", "QQQ")
    assert (data.open("AAPL", "2025-10-29"), data.close("AAPL", "2025-10-29")) == (269.275, 269.7)
    first = json.loads(out.read_text().splitlines()[0])
    assert first["Meta Data"]["2. Symbol"] == "AAPL"
    assert first["Time Series (Daily)"]["2025-10-28"] == {
        "1. buy price": "268.9850",
        "2. high": "271.41",
        "3. low": "267.11",
        "4. sell price": "269.0000",
        "5. volume": "9",
    }
    assert waits == []
    assert KEY not in out.read_text()


def test_gz_output_is_compressed(
    av: responses.RequestsMock, tmp_path: Path, waits: list[float]
) -> None:
    add(av, "AAPL")
    out = tmp_path / "merged.jsonl.gz"
    run(out, waits)
    assert gzip.decompress(out.read_bytes()).startswith(b'{"Meta Data"')
    assert out.stat().st_mode & 0o777 == 0o644
    assert load_prices(out).symbols == ("AAPL",)


@pytest.mark.parametrize(
    "limited",
    [
        {"json": {"Note": "Thank you for using Alpha Vantage! Our standard API call frequency..."}},
        {"status": 429, "json": {}},
        {"status": 503, "body": "unavailable"},
        {"body": requests.ConnectionError("connection reset")},
    ],
    ids=["note", "http-429", "http-503", "network"],
)
def test_waits_once_then_retries_the_same_symbol(
    av: responses.RequestsMock, tmp_path: Path, waits: list[float], limited: dict[str, Any]
) -> None:
    add(av, "AAPL", **limited)
    add(av, "AAPL")
    report = run(tmp_path / "merged.jsonl", waits)
    assert waits == [60.0]
    assert report.waits == 1
    assert load_prices(tmp_path / "merged.jsonl").symbols == ("AAPL",)


def test_endless_rate_limit_fails_and_keeps_the_old_file(
    av: responses.RequestsMock, old_file: Path, waits: list[float]
) -> None:
    add(av, "AAPL")
    add(av, "MSFT", json={"Information": "25 requests per day"})
    with pytest.raises(FetchError, match=r"MSFT: gave up after 3 waits of 60s: .*25 requests"):
        run(old_file, waits, ("AAPL", "MSFT"))
    assert waits == [60.0, 60.0, 60.0]
    assert len(av.calls) == 5
    assert_old_file_kept(old_file)


def test_unknown_symbol_fails_naming_it(
    av: responses.RequestsMock, old_file: Path, waits: list[float]
) -> None:
    add(av, "NOPE", json={"Error Message": "Invalid API call."})
    with pytest.raises(FetchError, match="NOPE: rejected by Alpha Vantage"):
        run(old_file, waits, ("NOPE",))
    assert waits == []
    assert_old_file_kept(old_file)


def test_failure_without_old_file_writes_nothing(
    av: responses.RequestsMock, tmp_path: Path, waits: list[float]
) -> None:
    add(av, "AAPL")
    add(av, "MSFT", json={"Meta Data": {}})
    with pytest.raises(FetchError, match="MSFT: the answer has no daily prices"):
        run(tmp_path / "merged.jsonl", waits, ("AAPL", "MSFT"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "answer",
    [
        {"body": requests.ConnectionError(f"Max retries exceeded with url: /query?apikey={KEY}")},
        {"json": {"Information": f"the key {KEY} is over its limit"}},
        {"json": {"Error Message": f"bad call apikey={KEY}"}},
    ],
    ids=["network", "information", "error-message"],
)
def test_key_never_appears_in_errors(
    av: responses.RequestsMock, tmp_path: Path, waits: list[float], answer: dict[str, Any]
) -> None:
    add(av, "AAPL", **answer)
    with pytest.raises(FetchError) as failure:
        run(tmp_path / "merged.jsonl", waits)
    assert "AAPL" in str(failure.value)
    assert KEY not in str(failure.value)
    # Nor in a chained exception an uncaught traceback would print.
    assert KEY not in "".join(traceback.format_exception(failure.value))


@pytest.mark.parametrize(
    ("symbols", "key", "message"),
    [(["AAPL;rm"], KEY, "invalid symbol"), ([], KEY, "no symbols"), (["AAPL"], "", "no Alpha")],
)
def test_bad_arguments_fail_before_any_request(
    av: responses.RequestsMock, tmp_path: Path, symbols: list[str], key: str, message: str
) -> None:
    with pytest.raises(FetchError, match=message):
        fetch_prices(symbols, tmp_path / "merged.jsonl", key)
    assert len(av.calls) == 0


def test_default_symbols_are_the_bundled_universe() -> None:
    symbols = fetch.default_symbols()
    assert {"AAPL", "MSFT", "NVDA", "QQQ"} <= set(symbols)
    assert len(symbols) > 100


def test_cli_without_key_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in cli.KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["--symbols", "AAPL", "--out", str(tmp_path / "m.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ALPHAADVANTAGE_API_KEY" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("variable", cli.KEY_VARIABLES)
def test_cli_downloads_with_progress(
    av: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    variable: str,
) -> None:
    for name in cli.KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, KEY)
    add(av, "AAPL")
    add(av, "QQQ")
    out = tmp_path / "merged.jsonl"
    assert cli.main(["--symbols", "AAPL,QQQ", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "[1/2] AAPL ok" in captured.err and "[2/2] QQQ ok" in captured.err
    assert "wrote 2 symbols" in captured.out and "2025-10-29" in captured.out
    assert load_prices(out).symbols == ("AAPL", "QQQ")


def test_cli_defaults_to_the_bundled_symbols(
    av: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ALPHAVANTAGE_API_KEY", KEY)
    monkeypatch.setattr(fetch, "default_symbols", lambda: ("QQQ",))
    add(av, "QQQ")
    assert cli.main(["--out", str(tmp_path / "merged.jsonl")]) == 0


def test_cli_failure_exits_1_with_one_line_and_no_key(
    av: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
    old_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ALPHAVANTAGE_API_KEY", KEY)
    add(av, "NOPE", json={"Error Message": f"Invalid API call {KEY}"})
    assert cli.main(["--symbols", "NOPE", "--out", str(old_file)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "NOPE" in err and KEY not in err
    assert_old_file_kept(old_file)
