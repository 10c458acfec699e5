"""merged.jsonl loading: both key styles, missing values, the calendar, errors and the cache."""

from __future__ import annotations

import gzip
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service.market.prices import PriceDataError, load_prices, parse_lines
from service.settings import DEFAULT_PRICE_DATA
from tests.unit.pricebuilder import (
    AI_TRADER_KEYS,
    ALPHA_VANTAGE_KEYS,
    Table,
    build_prices,
    price_line,
    price_lines,
)

pytestmark = pytest.mark.unit

THU, FRI, SAT, MON = "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-06"
TABLE: Table = {
    "AAPL": {THU: (255.0, 257.13, 42e6), FRI: (257.5, 258.02, 49e6), MON: (257.99, 256.69)},
    "MSFT": {THU: (517.0, 515.74), FRI: (516.5, 517.35), MON: (518.61, 528.57)},
}


def raw_line(symbol: str, fields: dict[str, Any], day: str = FRI) -> str:
    """A line whose one bar holds exactly the given fields (any JSON value)."""
    return json.dumps({"Meta Data": {"2. Symbol": symbol}, "Time Series (Daily)": {day: fields}})


@pytest.mark.parametrize("keys", [AI_TRADER_KEYS, ALPHA_VANTAGE_KEYS], ids=["ai-trader", "av"])
def test_both_key_styles_give_open_close_and_volume(keys: tuple[str, ...]) -> None:
    prices = build_prices(TABLE, keys)
    assert prices.symbols == ("AAPL", "MSFT")
    assert prices.open("AAPL", THU) == 255.0
    assert prices.close("AAPL", THU) == 257.13
    assert prices.bar("AAPL", THU).volume == 42e6  # type: ignore[union-attr]
    assert prices.trading_days == (THU, FRI, MON)


def test_symbol_is_upper_cased_and_dates_normalised() -> None:
    line = json.dumps(
        {
            "Meta Data": {"2. Symbol": " aapl "},
            "Time Series (Daily)": {FRI: {"1. open": "1.5", "4. close": "2"}},
        }
    )
    assert parse_lines([line], "x").close("AAPL", FRI) == 2.0


@pytest.mark.parametrize(
    "bad", ["0", "0.0000", "-3.5", "", "n/a", None, "nan", "inf", [1]], ids=repr
)
def test_unusable_field_is_none_never_zero(bad: Any) -> None:
    lines = [
        raw_line("AAPL", {"1. buy price": "10", "4. sell price": "11"}, THU),
        raw_line("AAPL", {"1. buy price": bad, "4. sell price": bad, "2. high": bad}),
        raw_line("MSFT", {"1. buy price": "20", "4. sell price": "21"}),
    ]
    prices = parse_lines(lines, "x")
    bar = prices.bar("AAPL", FRI)
    assert bar is not None
    assert (bar.open, bar.close, bar.high) == (None, None, None)
    # Valuation falls back to the real earlier close, not to a zero.
    assert prices.close_on_or_before("AAPL", FRI) == 11.0


def test_missing_fields_are_none() -> None:
    lines = [
        raw_line("AAPL", {"1. open": "10"}),
        raw_line("MSFT", {"1. open": "1", "4. close": "2"}),
    ]
    prices = parse_lines(lines, "x")
    bar = prices.bar("AAPL", FRI)
    assert bar is not None
    assert bar.open == 10.0
    assert (bar.high, bar.low, bar.close, bar.volume) == (None, None, None, None)
    assert prices.trading_days == (FRI,)  # one of two symbols complete is half


def test_lines_of_one_symbol_are_merged() -> None:
    lines = price_lines({"AAPL": {THU: (1.0, 2.0)}}) + price_lines({"AAPL": {FRI: (3.0, 4.0)}})
    prices = parse_lines(lines, "x")
    assert prices.symbols == ("AAPL",)
    assert prices.trading_days == (THU, FRI)


def test_trading_day_needs_complete_bars_for_half_the_symbols() -> None:
    table: Table = {
        "AAA": {THU: (1.0, 1.0), FRI: (1.0, 1.0), MON: (1.0, 1.0)},
        "BBB": {THU: (1.0, 1.0), FRI: (1.0, 1.0), MON: (1.0, None)},
        "CCC": {THU: (1.0, 1.0), FRI: (None, 1.0), MON: (1.0, None)},
        "DDD": {THU: (1.0, 1.0), FRI: (1.0, None), MON: (1.0, None)},
    }
    prices = build_prices(table)
    assert prices.trading_days == (THU, FRI)  # FRI: 2 of 4 complete; MON: 1 of 4
    assert prices.last_day == FRI
    assert prices.next_trading_day(FRI) is None


def test_symbol_that_disappears_stays_in_the_universe_with_its_last_close() -> None:
    table = {
        "AAA": {THU: (10.0, 11.0), FRI: (11.0, 12.0), MON: (12.0, 13.0)},
        "GONE": {THU: (50.0, 51.0), FRI: (51.0, 52.0)},
        "CCC": {THU: (5.0, 6.0), FRI: (6.0, 7.0), MON: (7.0, 8.0)},
    }
    prices = build_prices(table)
    assert prices.symbols == ("AAA", "CCC", "GONE")
    assert prices.trading_days == (THU, FRI, MON)
    assert prices.open("GONE", MON) is None
    assert prices.close("GONE", MON) is None
    assert prices.close_on_or_before("GONE", MON) == 52.0
    assert prices.close_on_or_before("GONE", "2025-10-01") is None


def test_calendar_navigation_skips_the_weekend() -> None:
    prices = build_prices(TABLE)
    assert not prices.is_trading_day(SAT)
    assert prices.previous_trading_day(MON) == FRI
    assert prices.previous_trading_day(SAT) == FRI
    assert prices.next_trading_day(FRI) == MON
    assert prices.previous_trading_day(THU) is None
    assert prices.trading_days_between(FRI, "2025-10-31") == [FRI, MON]


def test_bundled_file_calendar() -> None:
    prices = load_prices(DEFAULT_PRICE_DATA)
    assert len(prices.trading_days) == 99
    assert (prices.first_day, prices.last_day) == ("2025-06-10", "2025-10-29")
    assert "QQQ" in prices.symbols
    assert all(date.fromisoformat(day).weekday() < 5 for day in prices.trading_days)
    assert not prices.is_trading_day("2025-07-04")  # Independence Day, a Friday
    assert prices.previous_trading_day("2025-10-06") == "2025-10-03"


def test_bundled_newest_day_is_open_only_and_not_a_trading_day() -> None:
    prices = load_prices(DEFAULT_PRICE_DATA)
    assert not prices.is_trading_day("2025-10-30")
    assert prices.open("AAPL", "2025-10-30") == 271.99
    assert prices.close("AAPL", "2025-10-30") is None
    assert prices.close("AAPL", "2025-10-29") == 269.70


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"Meta Data": {"2. Symbol": "X"}, "Time Series', "Unterminated"),
        ('{"Time Series (Daily)": {}}', "Symbol"),
        ('{"Meta Data": {"2. Symbol": "X"}}', "Time Series (Daily)"),
        ('{"Meta Data": {"2. Symbol": "X"}, "Time Series (Daily)": {"2025-13-01": {}}}', "month"),
        ('{"Meta Data": {"2. Symbol": "X"}, "Time Series (Daily)": {"2025-10-01": 5}}', "object"),
        ("[1, 2]", "Symbol"),
    ],
    ids=["truncated", "no-meta", "no-series", "bad-date", "bad-bar", "not-object"],
)
def test_corrupt_line_names_source_and_line(line: str, reason: str) -> None:
    # The blank line still counts, so the number matches what an editor shows.
    lines = [price_line("AAPL", TABLE["AAPL"]), "", line]
    with pytest.raises(PriceDataError, match="prices.jsonl, line 3") as caught:
        parse_lines(lines, "prices.jsonl")
    assert reason in str(caught.value)


def test_file_without_data_or_trading_days_is_rejected() -> None:
    with pytest.raises(PriceDataError, match="no price data"):
        parse_lines(["", "  "], "empty.jsonl")
    with pytest.raises(PriceDataError, match="complete bars"):
        parse_lines([price_line("AAPL", {FRI: (1.0, None)})], "opens.jsonl")


def test_gzip_file_reads_like_plain(tmp_path: Path) -> None:
    plain, packed = tmp_path / "merged.jsonl", tmp_path / "merged.jsonl.gz"
    text = "\n".join(price_lines(TABLE)) + "\n"
    plain.write_text(text, encoding="utf-8")
    packed.write_bytes(gzip.compress(text.encode()))
    first, second = load_prices(plain), load_prices(packed)
    assert second.source == str(packed)
    assert second.trading_days == first.trading_days
    assert second.bar("MSFT", MON) == first.bar("MSFT", MON)


def test_corrupt_gzip_is_a_price_data_error(tmp_path: Path) -> None:
    path = tmp_path / "merged.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n".join(line.encode() for line in price_lines(TABLE)))[:60])
    with pytest.raises(PriceDataError, match="merged.jsonl.gz"):
        load_prices(path)


def test_missing_file_is_a_price_data_error(tmp_path: Path) -> None:
    with pytest.raises(PriceDataError, match="nope.jsonl: price data file not found"):
        load_prices(tmp_path / "nope.jsonl")


def test_load_prices_caches_per_file_version(tmp_path: Path) -> None:
    path = tmp_path / "merged.jsonl"
    path.write_text("\n".join(price_lines(TABLE)), encoding="utf-8")
    first = load_prices(path)
    assert load_prices(path) is first
    assert load_prices(tmp_path / "sub" / ".." / "merged.jsonl") is first
    path.write_text(price_line("QQQ", {FRI: (600.0, 601.0)}), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    reloaded = load_prices(path)
    assert reloaded is not first
    assert reloaded.symbols == ("QQQ",)
    assert load_prices(path) is reloaded


INDEX = {
    "Meta Data": {"1. Information": "Daily Prices", "2. Symbol": "000016.SH"},
    "Time Series (Daily)": {
        THU: {"1. open": "2980.1", "2. high": "3001", "3. low": "2970", "4. close": "2988.9"},
        FRI: {"1. open": "2990.0", "2. high": "3010", "3. low": "2985", "4. close": "3005.2"},
    },
}
SHARED_MARKETS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "markets"


def test_a_json_document_over_many_lines_is_one_symbols_series() -> None:
    lines = json.dumps(INDEX, indent=4).splitlines(keepends=True)

    data = parse_lines(["\n", *lines], "index.json")

    assert data.symbols == ("000016.SH",)
    assert data.trading_days == (THU, FRI)
    assert (data.open("000016.SH", FRI), data.close("000016.SH", FRI)) == (2990.0, 3005.2)


def test_a_broken_document_names_the_line_of_the_error() -> None:
    lines = json.dumps(INDEX, indent=4).splitlines(keepends=True)
    lines[5] = lines[5].replace('"', "", 1)  # the series key loses its opening quote
    lines.insert(2, "\n")  # a blank line inside still counts

    with pytest.raises(PriceDataError, match=r"^index.json, line 7: "):
        parse_lines(lines, "index.json")


@pytest.mark.parametrize(
    ("path", "symbol", "first"),
    [
        ("sse50_daily/index_sse50_000016.SH_daily.json", "000016.SH", "2025-09-30"),
        ("crypto_daily/index_cd5_daily.json", "CD5", "2025-11-01"),
    ],
)
def test_the_markets_index_files_load_as_written(path: str, symbol: str, first: str) -> None:
    if not SHARED_MARKETS.exists():
        pytest.skip("../shared/data is not present")

    data = load_prices(SHARED_MARKETS / path)

    assert data.symbols == (symbol,) and data.first_day == first
