"""Alpha Vantage download into merged.jsonl, and its command line, against mocked HTTP."""

from __future__ import annotations

import gzip
import json
import re
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from service.cli import fetch_prices as cli
from service.market import fetch
from service.market.catalog import CRYPTO10, MARKETS, NASDAQ100, SSE50
from service.market.directory import MarketSource, bundled_source
from service.market.fetch import FetchError, fetch_prices
from service.market.prices import load_prices

pytestmark = pytest.mark.unit

URL = "https://www.alphavantage.co/query"
KEY = "SECRET-KEY-123"
DAYS = {"2025-10-28": ("268.9850", "269.0000"), "2025-10-29": ("269.2750", "269.7000")}
STOCK = {"function": "TIME_SERIES_DAILY", "outputsize": "compact"}
CRYPTO = {"function": "DIGITAL_CURRENCY_DAILY", "market": "USD"}
# A price file of one symbol the tests never fetch: it must survive every failed download.
OLD_CONTENT = (
    b'{"Meta Data": {"2. Symbol": "OLD"}, "Time Series (Daily)": '
    b'{"2025-10-01": {"1. buy price": "1.5", "4. sell price": "1.6"}}}\n'
)


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


Fields = Callable[[str, str], dict[str, str]]
CRYPTO_DAYS = {  # Friday to Monday: coins trade every day; Monday is still trading
    "2025-11-14": ("99000.10", "94500.20"),
    "2025-11-15": ("94500.20", "95600.30"),
    "2025-11-16": ("95600.30", "94100.40"),
    "2025-11-17": ("94100.40", "93000.00"),
}


def current_fields(o: str, c: str) -> dict[str, str]:
    """DIGITAL_CURRENCY_DAILY's bar as Alpha Vantage answers it since 2024."""
    return {
        "1. open": o,
        "2. high": "99999.0",
        "3. low": "90000.0",
        "4. close": c,
        "5. volume": "12.5",
    }


def quoted_fields(o: str, c: str) -> dict[str, str]:
    """The older bar: every price in the market's currency (a) and in USD (b), a market cap."""
    prices = {
        "1": ("open", o),
        "2": ("high", "99999.0"),
        "3": ("low", "90000.0"),
        "4": ("close", c),
    }
    bar = {
        f"{n}{part}. {name} (USD)": value for n, (name, value) in prices.items() for part in "ab"
    }
    return {**bar, "5. volume": "12.5", "6. market cap (USD)": "12.5"}


def market_only_fields(o: str, c: str) -> dict[str, str]:
    """The older bar with the market's currency only."""
    bar = {"1a. open (USD)": o, "2a. high (USD)": "99999.0", "3a. low (USD)": "90000.0"}
    return {**bar, "4a. close (USD)": c, "5. volume": "12.5"}


def crypto_body(coin: str, fields: Fields) -> dict[str, Any]:
    """A DIGITAL_CURRENCY_DAILY answer for coin in USD, newest day first."""
    meta = {
        "1. Information": "Daily Prices and Volumes for Digital Currency",
        "2. Digital Currency Code": coin,
        "3. Digital Currency Name": coin.title(),
        "4. Market Code": "USD",
        "5. Market Name": "United States Dollar",
        "6. Last Refreshed": "2025-11-17 00:00:00",
        "7. Time Zone": "UTC",
    }
    bars = {day: fields(o, c) for day, (o, c) in sorted(CRYPTO_DAYS.items(), reverse=True)}
    return {"Meta Data": meta, "Time Series (Digital Currency Daily)": bars}


def line(symbol: str, days: dict[str, tuple[str, ...]], meta: dict[str, str] | None = None) -> str:
    """One merged.jsonl line of AI-Trader bars (open and close, or the open only) with more
    Meta Data fields."""
    names = ("1. buy price", "4. sell price")
    bars = {day: dict(zip(names, bar, strict=False)) for day, bar in days.items()}
    record = {"Meta Data": {"2. Symbol": symbol, **(meta or {})}, "Time Series (Daily)": bars}
    return json.dumps(record, ensure_ascii=False) + "\n"


def write_gz(path: Path, *lines: str) -> Path:
    path.write_bytes(gzip.compress("".join(lines).encode("utf-8")))
    return path


def record_of(out: Path, symbol: str) -> dict[str, Any]:
    """The line of out for symbol, as a JSON object."""
    text = gzip.decompress(out.read_bytes()).decode() if out.suffix == ".gz" else out.read_text()
    records = [json.loads(row) for row in text.splitlines()]
    found: dict[str, Any] = next(r for r in records if r["Meta Data"]["2. Symbol"] == symbol)
    return found


def add(
    mock: responses.RequestsMock, symbol: str, query: dict[str, str] = STOCK, **answer: Any
) -> None:
    """Answer the request for symbol (Alpha Vantage's name); by default with a good series."""
    match = [matchers.query_param_matcher({**query, "symbol": symbol, "apikey": KEY})]
    if not answer:
        body = av_body(symbol) if query is STOCK else crypto_body(symbol, current_fields)
        answer = {"json": body}
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


def test_cli_defaults_to_the_symbols_and_file_of_price_data(
    av: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    prices = tmp_path / "prices.jsonl"
    prices.write_text(line("QQQ", {"2025-10-27": ("598.1", "599.2")}))
    monkeypatch.setenv("ALPHAVANTAGE_API_KEY", KEY)
    monkeypatch.setenv("PRICE_DATA", str(prices))
    add(av, "QQQ")
    assert cli.main([]) == 0
    assert load_prices(prices).trading_days == ("2025-10-27", "2025-10-28", "2025-10-29")


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


def test_fetched_days_merge_into_the_file_and_other_symbols_stay(
    av: responses.RequestsMock, tmp_path: Path, waits: list[float]
) -> None:
    out = tmp_path / "merged.jsonl"
    # 10-28 open-only, as AI-Trader writes the newest day: the download completes it.
    old_aapl = line("AAPL", {"2025-10-27": ("264.88", "268.81"), "2025-10-28": ("268.9850",)})
    out.write_text(old_aapl + line("MSFT", {"2025-10-27": ("531.0", "531.52")}))
    add(av, "AAPL")
    report = run(out, waits)
    assert (report.symbols, report.kept) == (("AAPL",), ("MSFT",))
    data = load_prices(out)
    assert data.symbols == ("AAPL", "MSFT")
    assert data.trading_days == ("2025-10-27", "2025-10-28", "2025-10-29")
    assert data.close("AAPL", "2025-10-27") == 268.81
    assert data.close("AAPL", "2025-10-28") == 269.0
    assert data.close("MSFT", "2025-10-27") == 531.52
    assert list(record_of(out, "AAPL")["Time Series (Daily)"]) == [
        "2025-10-29",
        "2025-10-28",
        "2025-10-27",
    ]


@pytest.mark.parametrize(
    "content",
    [b'{"old": "not prices"}\n', b"\x1f\x8b broken gzip", b"\xff\xfe"],
    ids=["not-prices", "gzip", "not-utf8"],
)
def test_a_file_that_cannot_be_merged_with_fails_before_any_request(
    av: responses.RequestsMock, tmp_path: Path, waits: list[float], content: bytes
) -> None:
    out = tmp_path / ("merged.jsonl.gz" if content.startswith(b"\x1f") else "merged.jsonl")
    out.write_bytes(content)
    with pytest.raises(FetchError, match="merge with"):
        run(out, waits)
    assert len(av.calls) == 0
    assert out.read_bytes() == content


def test_feeds_cover_the_daily_markets_of_the_catalog() -> None:
    # Hourly bars are bundled, not fetched (Alpha Vantage's intraday series is another feed).
    assert list(fetch.FEEDS) == [name for name, rules in MARKETS.items() if not rules.intraday]


@pytest.mark.parametrize(
    ("market", "ours", "theirs"),
    [
        ("nasdaq100", "AAPL", "AAPL"),
        ("sse50", "600519.SH", "600519.SHH"),
        ("crypto10", "BTC-USDT", "BTC"),
    ],
)
def test_symbols_map_to_alpha_vantage_names(market: str, ours: str, theirs: str) -> None:
    assert fetch.feed_of(market).remote_symbol(ours, market) == theirs


@pytest.mark.parametrize(
    ("market", "symbol"),
    [("sse50", "600519.SHH"), ("sse50", "AAPL"), ("crypto10", "BTC"), ("crypto10", "USDT")],
)
def test_a_symbol_of_another_market_fails_before_any_request(
    av: responses.RequestsMock, tmp_path: Path, market: str, symbol: str
) -> None:
    with pytest.raises(FetchError, match=f"not a {market} symbol"):
        fetch_prices([symbol], tmp_path / "m.jsonl", KEY, market=market)
    assert len(av.calls) == 0


def test_unknown_market_fails() -> None:
    with pytest.raises(FetchError, match="unknown market 'nyse'; known: nasdaq100, sse50"):
        fetch.feed_of("nyse")


def test_sse50_fetches_shh_names_into_sh_symbols_and_keeps_their_names(
    av: responses.RequestsMock, tmp_path: Path, waits: list[float]
) -> None:
    out = write_gz(
        tmp_path / "sse50.jsonl.gz",
        line("600519.SH", {"2025-10-27": ("1440.0", "1445.5")}, {"2.1. Name": "贵州茅台"}),
        line("601318.SH", {"2025-10-27": ("57.1", "57.3")}, {"2.1. Name": "中国平安"}),
    )
    add(av, "600519.SHH")
    add(av, "601318.SHH")
    seen: list[str] = []
    report = fetch_prices(
        fetch.market_symbols(MarketSource(SSE50, str(out))),
        out,
        KEY,
        market="sse50",
        sleep=waits.append,
        progress=lambda _i, _n, symbol: seen.append(symbol),
    )
    assert seen == ["600519.SH", "601318.SH"] and report.kept == ()
    data = load_prices(out)
    assert data.symbols == ("600519.SH", "601318.SH")
    assert data.trading_days == ("2025-10-27", "2025-10-28", "2025-10-29")
    assert (data.open("600519.SH", "2025-10-29"), data.close("600519.SH", "2025-10-27")) == (
        269.275,
        1445.5,
    )
    meta = record_of(out, "601318.SH")["Meta Data"]
    assert (meta["2. Symbol"], meta["2.1. Name"]) == ("601318.SH", "中国平安")
    assert "中国平安" in gzip.decompress(out.read_bytes()).decode("utf-8")


def test_the_sse50_index_in_the_price_file_is_not_fetched_and_kept(
    av: responses.RequestsMock, tmp_path: Path, waits: list[float]
) -> None:
    out = tmp_path / "sse50.jsonl"
    index = line("000016.SH", {"2025-10-27": ("2990.1", "3001.2")})
    out.write_text(line("600519.SH", {"2025-10-27": ("1440.0", "1445.5")}) + index)
    source = MarketSource(SSE50, str(out))
    assert fetch.market_symbols(source) == ("600519.SH",)
    add(av, "600519.SHH")
    report = fetch_prices(fetch.market_symbols(source), out, KEY, market="sse50")
    assert report.kept == ("000016.SH",)
    assert record_of(out, "000016.SH") == json.loads(index)
    note = fetch.benchmark_note(source)
    assert note and "000016.SH not fetched" in note and "bars in the price file are kept" in note


@pytest.mark.parametrize(
    "fields", [current_fields, quoted_fields, market_only_fields], ids=["1.", "1a+1b", "1a"]
)
def test_crypto10_fetches_every_day_into_usdt_pairs(
    av: responses.RequestsMock, tmp_path: Path, waits: list[float], fields: Fields
) -> None:
    add(av, "BTC", CRYPTO, json=crypto_body("BTC", fields))
    add(av, "ETH", CRYPTO, json=crypto_body("ETH", fields))
    out = tmp_path / "crypto10.jsonl"
    report = fetch_prices(["BTC-USDT", "eth-usdt"], out, KEY, market="crypto10", sleep=waits.append)
    assert report.symbols == ("BTC-USDT", "ETH-USDT")
    data = load_prices(out)
    assert data.symbols == ("BTC-USDT", "ETH-USDT")
    # Saturday and Sunday are trading days; Monday, still trading, has its open only.
    assert data.trading_days == ("2025-11-14", "2025-11-15", "2025-11-16")
    assert (data.open("BTC-USDT", "2025-11-15"), data.close("BTC-USDT", "2025-11-15")) == (
        94500.2,
        95600.3,
    )
    assert data.bar("ETH-USDT", "2025-11-16").volume == 12.5  # type: ignore[union-attr]
    assert (data.open("BTC-USDT", "2025-11-17"), data.close("BTC-USDT", "2025-11-17")) == (
        94100.4,
        None,
    )
    record = record_of(out, "BTC-USDT")
    assert record["Meta Data"] == {
        "1. Information": fetch.INFORMATION,
        "2. Symbol": "BTC-USDT",
        "3. Last Refreshed": "2025-11-17 00:00:00",
        "5. Time Zone": "UTC",
    }
    assert record["Time Series (Daily)"]["2025-11-16"] == {
        "1. buy price": "95600.30",
        "2. high": "99999.0",
        "3. low": "90000.0",
        "4. sell price": "94100.40",
        "5. volume": "12.5",
    }
    assert record["Time Series (Daily)"]["2025-11-17"] == {"1. buy price": "94100.40"}


def test_crypto10_answer_without_its_series_says_which(
    av: responses.RequestsMock, tmp_path: Path, waits: list[float]
) -> None:
    add(av, "BTC", CRYPTO, json=av_body("BTC"))
    with pytest.raises(FetchError, match=r"BTC-USDT \(BTC at Alpha Vantage\): .*Digital Currency"):
        fetch_prices(["BTC-USDT"], tmp_path / "c.jsonl", KEY, market="crypto10")


@pytest.mark.parametrize(
    ("market", "symbols", "remote", "query"),
    [
        ("nasdaq100", ("AAPL", "MSFT"), ("AAPL", "MSFT"), STOCK),
        ("sse50", ("600519.SH", "601318.SH"), ("600519.SHH", "601318.SHH"), STOCK),
        ("crypto10", ("BTC-USDT", "ETH-USDT"), ("BTC", "ETH"), CRYPTO),
    ],
)
def test_every_market_waits_out_rate_limits_and_keeps_the_file_when_they_last(
    av: responses.RequestsMock,
    old_file: Path,
    waits: list[float],
    market: str,
    symbols: tuple[str, ...],
    remote: tuple[str, ...],
    query: dict[str, str],
) -> None:
    limited = {"json": {"Information": "Thank you for using Alpha Vantage! 25 requests per day"}}
    add(av, remote[0], query, **limited)
    add(av, remote[0], query)
    add(av, remote[1], query, json={"Note": "5 calls per minute"})
    label = re.escape(symbols[1] if market == "nasdaq100" else f"{symbols[1]} ({remote[1]} at")
    with pytest.raises(FetchError, match=f"^{label}.*gave up after 3 waits .*5 calls per minute"):
        fetch_prices(symbols, old_file, KEY, market=market, sleep=waits.append, max_waits=3)
    assert waits == [60.0] * 4
    assert len(av.calls) == 6
    assert_old_file_kept(old_file)


@pytest.mark.parametrize(
    ("market", "symbol", "remote", "query"),
    [("sse50", "600519.SH", "600519.SHH", STOCK), ("crypto10", "BTC-USDT", "BTC", CRYPTO)],
)
def test_every_market_names_both_symbols_when_rejected(
    av: responses.RequestsMock,
    old_file: Path,
    market: str,
    symbol: str,
    remote: str,
    query: dict[str, str],
) -> None:
    add(av, remote, query, json={"Error Message": f"Invalid API call. apikey={KEY}"})
    with pytest.raises(FetchError) as failure:
        fetch_prices([symbol], old_file, KEY, market=market)
    assert str(failure.value).startswith(f"{symbol} ({remote} at Alpha Vantage): rejected")
    assert KEY not in str(failure.value)
    assert_old_file_kept(old_file)


def test_bundled_markets_fetch_their_files_symbols_without_an_index_of_their_own() -> None:
    nasdaq, sse, crypto = (
        fetch.default_symbols(rules.name) for rules in (NASDAQ100, SSE50, CRYPTO10)
    )
    assert "QQQ" in nasdaq
    assert len(sse) == 50 and all(s.endswith(".SH") for s in sse) and "000016.SH" not in sse
    assert len(crypto) == 10 and all(s.endswith("-USDT") for s in crypto) and "CD5" not in crypto


def test_benchmark_notes_say_what_is_not_fetched(tmp_path: Path) -> None:
    sse, crypto, nasdaq = (bundled_source(rules) for rules in (SSE50, CRYPTO10, NASDAQ100))
    assert fetch.benchmark_note(nasdaq) is None
    assert fetch.benchmark_note(sse) == (
        "benchmark 000016.SH not fetched (Alpha Vantage does not serve the SSE 50 index); "
        f"{sse.benchmark_file} left as it was"
    )
    assert "CD5 not fetched (CD5 is this service's index" in (fetch.benchmark_note(crypto) or "")
    own_file = MarketSource(NASDAQ100, "p.jsonl", str(tmp_path / "qqq.json"))
    assert f"--symbols QQQ --out {tmp_path / 'qqq.json'}" in (fetch.benchmark_note(own_file) or "")


@pytest.fixture
def markets_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A MARKETS_CONFIG giving sse50 and crypto10 small files of their own in tmp_path."""
    (tmp_path / "sse50.jsonl").write_text(
        line("600519.SH", {"2025-10-27": ("1440.0", "1445.5")}, {"2.1. Name": "贵州茅台"})
    )
    (tmp_path / "index.json").write_text(OLD_CONTENT.decode())
    (tmp_path / "crypto.jsonl").write_text(line("BTC-USDT", {"2025-11-13": ("1.0", "2.0")}))
    config = {
        "sse50": {"price_file": "sse50.jsonl", "benchmark_file": "index.json"},
        "crypto10": {"price_file": "crypto.jsonl"},
    }
    path = tmp_path / "markets.json"
    path.write_text(json.dumps(config))
    monkeypatch.setenv("MARKETS_CONFIG", str(path))
    monkeypatch.setenv("ALPHAVANTAGE_API_KEY", KEY)
    return path


def test_cli_refreshes_the_sse50_price_file_and_says_the_index_is_not_fetched(
    av: responses.RequestsMock, markets_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = markets_config.parent
    add(av, "600519.SHH")
    assert cli.main(["--market", "sse50"]) == 0
    out = capsys.readouterr().out
    assert f"wrote 1 symbols, trading days 2025-10-27 to 2025-10-29, to {folder}/sse50" in out
    assert f"000016.SH not fetched (Alpha Vantage does not serve the SSE 50 index); {folder}" in out
    assert (folder / "index.json").read_bytes() == OLD_CONTENT
    meta = record_of(folder / "sse50.jsonl", "600519.SH")["Meta Data"]
    assert meta["2.1. Name"] == "贵州茅台"


def test_cli_refreshes_crypto10_into_another_output(
    av: responses.RequestsMock,
    markets_config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add(av, "BTC", CRYPTO)
    out = tmp_path / "out" / "crypto.jsonl.gz"
    assert cli.main(["--market", "crypto10", "--output", str(out)]) == 0
    captured = capsys.readouterr()
    assert "[1/1] BTC-USDT ok" in captured.err
    assert "CD5 not fetched" in captured.out
    assert load_prices(out).trading_days == ("2025-11-14", "2025-11-15", "2025-11-16")
    assert load_prices(markets_config.parent / "crypto.jsonl").last_day == "2025-11-13"


def test_cli_with_an_unusable_markets_config_exits_2(
    av: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "markets.json").write_text('{"nyse": {}}')
    monkeypatch.setenv("MARKETS_CONFIG", str(tmp_path / "markets.json"))
    monkeypatch.setenv("ALPHAVANTAGE_API_KEY", KEY)
    assert cli.main(["--market", "sse50"]) == 2
    assert "unknown market 'nyse'" in capsys.readouterr().err


def test_a_file_in_alpha_vantage_document_form_is_merged_into_lines(
    av: responses.RequestsMock, tmp_path: Path, waits: list[float]
) -> None:
    out = tmp_path / "aapl.json"
    out.write_text(
        json.dumps(json.loads(line("AAPL", {"2025-10-27": ("264.88", "268.81")})), indent=4)
    )
    add(av, "AAPL")
    run(out, waits)
    assert len(out.read_text().splitlines()) == 1
    assert load_prices(out).trading_days == ("2025-10-27", "2025-10-28", "2025-10-29")
