"""Download daily prices from Alpha Vantage into AI-Trader's merged.jsonl format, per market."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import logging
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import requests

from service.market.catalog import CRYPTO10, DEFAULT_MARKET, NASDAQ100, SSE50, market_rules
from service.market.directory import MarketSource, bundled_source
from service.market.prices import SERIES_KEY, PriceData, PriceDataError, load_prices, parse_lines

DEFAULT_BASE_URL = "https://www.alphavantage.co/query"
REQUEST_TIMEOUT = 30.0
INFORMATION = "Daily Prices (buy price, high, low, sell price) and Volumes"
OPEN = "1. buy price"
# AI-Trader's field name -> the Alpha Vantage fields it comes from (open and close become buy
# and sell price); the number before the dot is the same in every form Alpha Vantage answers.
PRICE_FIELDS = {OPEN: "open", "2. high": "high", "3. low": "low", "4. sell price": "close"}
VOLUME = "5. volume"
SYMBOL_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,14}")
OUTPUT_SIZES = ("compact", "full")
STOCK_META = ("3. Last Refreshed", "4. Output Size", "5. Time Zone")

log = logging.getLogger(__name__)


class FetchError(RuntimeError):
    """A download that failed; the message names the symbol and never holds the API key."""


class _Retryable(Exception):
    """An answer worth waiting for: rate limit, server error or network failure."""


@dataclass(frozen=True, slots=True)
class Feed:
    """How Alpha Vantage serves one market's daily bars, and how they become ours."""

    function: str
    series_key: str = SERIES_KEY
    # (our ending, Alpha Vantage's): 600519.SH is 600519.SHH there, BTC-USDT is BTC.
    suffixes: tuple[str, str] = ("", "")
    # DIGITAL_CURRENCY_DAILY's market=, the currency its price fields may be named in.
    quote: str | None = None
    takes_outputsize: bool = True
    # The answer's Meta Data field -> the file's, for those that mean the same.
    meta_keys: Mapping[str, str] = field(default_factory=lambda: {key: key for key in STOCK_META})
    # The newest bar is the day still trading: only its open is known, as AI-Trader writes it.
    newest_is_open_only: bool = False
    # Why the market's benchmark cannot be fetched (None: it is a symbol like the others).
    benchmark_reason: str | None = None

    def remote_symbol(self, symbol: str, market: str) -> str:
        """Alpha Vantage's name for one of our symbols; FetchError when it has none."""
        ours, theirs = self.suffixes
        if not symbol.endswith(ours):
            raise FetchError(f"{symbol}: not a {market} symbol (they end in {ours})")
        return symbol.removesuffix(ours) + theirs


FEEDS: dict[str, Feed] = {
    NASDAQ100.name: Feed("TIME_SERIES_DAILY"),
    SSE50.name: Feed(
        "TIME_SERIES_DAILY",
        suffixes=(".SH", ".SHH"),
        benchmark_reason="Alpha Vantage does not serve the SSE 50 index",
    ),
    CRYPTO10.name: Feed(
        "DIGITAL_CURRENCY_DAILY",
        "Time Series (Digital Currency Daily)",
        suffixes=("-USDT", ""),
        # Alpha Vantage quotes coins in currencies, not stablecoins: USD stands for USDT.
        quote="USD",
        takes_outputsize=False,
        meta_keys={"6. Last Refreshed": "3. Last Refreshed", "7. Time Zone": "5. Time Zone"},
        newest_is_open_only=True,
        benchmark_reason="CD5 is this service's index of the coins, not a quote",
    ),
}


@dataclass(frozen=True, slots=True)
class FetchReport:
    """What a successful download wrote."""

    out: Path
    symbols: tuple[str, ...]
    first_day: str
    last_day: str
    waits: int
    kept: tuple[str, ...] = ()  # symbols of the file that were not fetched, left as they were


@dataclass(frozen=True, slots=True)
class _Client:
    session: requests.Session
    base_url: str
    api_key: str
    outputsize: str
    sleep: Callable[[float], None]
    max_waits: int
    wait_seconds: float


def feed_of(market: str) -> Feed:
    """The Alpha Vantage feed of the market called market; FetchError names the known ones."""
    try:
        return FEEDS[market]
    except KeyError:
        raise FetchError(f"unknown market {market!r}; known: {', '.join(FEEDS)}") from None


def market_symbols(source: MarketSource) -> tuple[str, ...]:
    """The symbols to refresh in a market: those of its price file (a benchmark among them
    too, as QQQ is for nasdaq100, unless Alpha Vantage cannot serve it)."""
    symbols = load_prices(source.price_file).symbols
    if feed_of(source.rules.name).benchmark_reason is None:
        return symbols
    return tuple(symbol for symbol in symbols if symbol != source.rules.benchmark)


def default_symbols(market: str = DEFAULT_MARKET) -> tuple[str, ...]:
    """The symbols to refresh in a market on its bundled files (NASDAQ-100 and QQQ by default)."""
    return market_symbols(bundled_source(market_rules(market)))


def benchmark_note(source: MarketSource) -> str | None:
    """What a refresh of the market does not do for its benchmark, or None when it fetches it."""
    benchmark = source.rules.benchmark
    reason = feed_of(source.rules.name).benchmark_reason
    if reason is not None:
        kept = (
            f"{source.benchmark_file} left as it was"
            if source.benchmark_file
            else "its bars in the price file are kept"
        )
        return f"benchmark {benchmark} not fetched ({reason}); {kept}"
    if source.benchmark_file is not None:
        return (
            f"benchmark {benchmark} not fetched: it is in its own file; refresh it with "
            f"--symbols {benchmark} --out {source.benchmark_file}"
        )
    return None


def fetch_prices(
    symbols: Sequence[str],
    out: Path,
    api_key: str,
    *,
    market: str = DEFAULT_MARKET,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    base_url: str = DEFAULT_BASE_URL,
    outputsize: str = "compact",
    max_waits: int = 5,
    wait_seconds: float = 60.0,
    progress: Callable[[int, int, str], None] | None = None,
) -> FetchReport:
    """Download every symbol, merge the bars into out's, and replace out only when all
    succeeded; a fetched day replaces the file's, every other bar of the file stays."""
    if not api_key:
        raise FetchError("no Alpha Vantage API key")
    if outputsize not in OUTPUT_SIZES:
        raise FetchError(f"outputsize must be one of {', '.join(OUTPUT_SIZES)}")
    feed = feed_of(market)
    wanted = _normalize(symbols)
    remote = {symbol: feed.remote_symbol(symbol, market) for symbol in wanted}
    out = Path(out)
    records = _existing_records(out)
    kept = tuple(symbol for symbol in records if symbol not in remote)
    # A session the caller passed stays theirs to close.
    owned = contextlib.nullcontext(session) if session is not None else requests.Session()
    with owned as http:
        client = _Client(http, base_url, api_key, outputsize, sleep, max_waits, wait_seconds)
        waits = 0
        for index, symbol in enumerate(wanted, start=1):
            body, used = _download(client, feed, symbol, remote[symbol])
            fresh = _ai_trader_record(feed, symbol, body)
            records[symbol] = _merged(records.get(symbol), fresh)
            waits += used
            if progress:
                progress(index, len(wanted), symbol)
    lines = [json.dumps(record, ensure_ascii=False) + "\n" for record in records.values()]
    data = _validated(lines)
    _write_atomically(lines, out)
    return FetchReport(out, wanted, data.first_day, data.last_day, waits, kept)


def _normalize(symbols: Sequence[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(symbol.strip().upper() for symbol in symbols))
    if not wanted:
        raise FetchError("no symbols to fetch")
    for symbol in wanted:
        if not SYMBOL_PATTERN.fullmatch(symbol):
            raise FetchError(f"invalid symbol {symbol!r}")
    return wanted


def _existing_records(out: Path) -> dict[str, dict[str, Any]]:
    """The records already in out by symbol, in file order; none when there is no file.

    Read before any request: a file that cannot be merged with fails without using the quota.
    """
    try:
        raw = out.read_bytes()
        text = (gzip.decompress(raw) if out.suffix == ".gz" else raw).decode("utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as error:
        raise FetchError(f"{out}: cannot read it to merge with: {error}") from None
    if not text.strip():
        return {}
    try:
        parse_lines(io.StringIO(text), str(out))
    except PriceDataError as error:
        raise FetchError(f"cannot merge with {error}; move the file away first") from None
    records: dict[str, dict[str, Any]] = {}
    for record in _documents(text):
        symbol = record["Meta Data"]["2. Symbol"].strip().upper()
        if not isinstance(record.get(SERIES_KEY), dict):
            raise FetchError(f'{out}: {symbol} has no "{SERIES_KEY}" to merge daily bars with')
        old = records.get(symbol)
        records[symbol] = _merged(old, record) if old else record
    return records


def _documents(text: str) -> list[Any]:
    """The JSON values of a text: one a line, or one over many lines (parsed already)."""
    decoder = json.JSONDecoder()
    found: list[Any] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return found
        value, position = decoder.raw_decode(text, position)
        found.append(value)


def _merged(old: dict[str, Any] | None, fresh: dict[str, Any]) -> dict[str, Any]:
    """fresh's bars over old's, newest first; old's Meta Data fields (a name) are kept."""
    if old is None:
        return fresh
    bars = {**old[SERIES_KEY], **fresh[SERIES_KEY]}
    return {
        "Meta Data": {**old["Meta Data"], **fresh["Meta Data"]},
        SERIES_KEY: dict(sorted(bars.items(), reverse=True)),
    }


def _download(client: _Client, feed: Feed, symbol: str, remote: str) -> tuple[dict[str, Any], int]:
    """The answer for one symbol and the number of waits it took."""
    label = symbol if remote == symbol else f"{symbol} ({remote} at Alpha Vantage)"
    waits = 0
    while True:
        try:
            return _request(client, feed, remote, label), waits
        except _Retryable as reason:
            if waits == client.max_waits:
                raise FetchError(
                    f"{label}: gave up after {waits} waits of {client.wait_seconds:g}s: {reason}"
                ) from None
            waits += 1
            log.warning(
                "%s: %s; waiting %gs (%d/%d)",
                label,
                reason,
                client.wait_seconds,
                waits,
                client.max_waits,
            )
            client.sleep(client.wait_seconds)


def _params(client: _Client, feed: Feed, remote: str) -> dict[str, str]:
    params = {"function": feed.function, "symbol": remote}
    if feed.quote is not None:
        params["market"] = feed.quote
    if feed.takes_outputsize:
        params["outputsize"] = client.outputsize
    return {**params, "apikey": client.api_key}


def _request(client: _Client, feed: Feed, remote: str, label: str) -> dict[str, Any]:
    params = _params(client, feed, remote)
    try:
        response = client.session.get(client.base_url, params=params, timeout=REQUEST_TIMEOUT)
    except requests.RequestException as error:
        # Connection errors quote the request URL, which carries the key.
        raise _Retryable(_redact(f"network error: {error}", client.api_key)) from None
    if response.status_code == 429 or response.status_code >= 500:
        raise _Retryable(f"HTTP {response.status_code}")
    if response.status_code != 200:
        raise FetchError(f"{label}: HTTP {response.status_code}")
    return _checked_body(response, feed, label, client.api_key)


def _checked_body(
    response: requests.Response, feed: Feed, label: str, api_key: str
) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise FetchError(f"{label}: the answer is not JSON") from None
    if not isinstance(body, dict):
        raise FetchError(f"{label}: unexpected answer")
    series = body.get(feed.series_key)
    if isinstance(series, dict) and series:
        return body
    if "Error Message" in body:
        message = _redact(str(body["Error Message"]), api_key)
        raise FetchError(f"{label}: rejected by Alpha Vantage (unknown symbol?): {message}")
    for key in ("Note", "Information"):
        if key in body:
            raise _Retryable(_redact(f"rate-limited: {body[key]}", api_key))
    raise FetchError(f'{label}: the answer has no daily prices ("{feed.series_key}")')


def _redact(text: str, api_key: str) -> str:
    # URLs in error texts may carry the key percent-encoded.
    for form in {api_key, quote(api_key, safe=""), quote_plus(api_key)} - {""}:
        text = text.replace(form, "***")
    return text


def _ai_trader_record(feed: Feed, symbol: str, body: dict[str, Any]) -> dict[str, Any]:
    """Rename the fields as AI-Trader's merge step does; values stay strings."""
    answered = body.get("Meta Data")
    answered = answered if isinstance(answered, dict) else {}
    meta = {ours: answered[theirs] for theirs, ours in feed.meta_keys.items() if theirs in answered}
    meta = {"1. Information": INFORMATION, "2. Symbol": symbol, **meta}
    names = _field_names(feed.quote)
    bars = {day: _ai_trader_bar(bar, names) for day, bar in body[feed.series_key].items()}
    if feed.newest_is_open_only:
        newest = max(bars)
        bars[newest] = _open_only(bars[newest])
    return {"Meta Data": meta, SERIES_KEY: bars}


def _open_only(bar: Any) -> Any:
    if not isinstance(bar, dict):
        return bar
    return {OPEN: bar[OPEN]} if OPEN in bar else {}


def _field_names(currency: str | None) -> dict[str, tuple[str, ...]]:
    """Each AI-Trader field and the names Alpha Vantage answers it under, the first found wins:
    "1. open", or DIGITAL_CURRENCY_DAILY's older "1a. open (USD)" and "1b. open (USD)"."""
    names: dict[str, tuple[str, ...]] = {}
    for ours, theirs in PRICE_FIELDS.items():
        number = ours.split(".")[0]
        quoted = (f"{number}{part}. {theirs} ({currency})" for part in "ab") if currency else ()
        names[ours] = (f"{number}. {theirs}", *quoted)
    return {**names, VOLUME: (VOLUME,)}


def _ai_trader_bar(bar: Any, names: dict[str, tuple[str, ...]]) -> Any:
    # A malformed bar is passed through for the price parser to reject with its line number.
    if not isinstance(bar, dict):
        return bar
    picked = {
        ours: next((bar[name] for name in theirs if name in bar), None)
        for ours, theirs in names.items()
    }
    return {ours: value for ours, value in picked.items() if value is not None}


def _validated(lines: list[str]) -> PriceData:
    # Line N of the message is the N-th symbol; the old file is kept when the data is unusable.
    try:
        return parse_lines(lines, "downloaded data")
    except PriceDataError as error:
        raise FetchError(str(error)) from None


def _write_atomically(lines: list[str], out: Path) -> None:
    """Write next to out and rename, so readers never see a partial file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = "".join(lines).encode("utf-8")
    if out.suffix == ".gz":
        payload = gzip.compress(payload)
    handle, temp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        # mkstemp creates the file private; keep the old file's mode, or the usual 0644.
        os.fchmod(handle, stat.S_IMODE(out.stat().st_mode) if out.exists() else 0o644)
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
