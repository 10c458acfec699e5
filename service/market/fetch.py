"""Download daily prices from Alpha Vantage into AI-Trader's merged.jsonl format."""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import requests

from service.market.prices import (
    SERIES_KEY,
    PriceData,
    PriceDataError,
    load_prices,
    parse_lines,
)

DEFAULT_BASE_URL = "https://www.alphavantage.co/query"
BUNDLED_PRICES = "nasdaq100_daily_2025-06-10_2025-10-29.jsonl.gz"
REQUEST_TIMEOUT = 30.0
INFORMATION = "Daily Prices (buy price, high, low, sell price) and Volumes"
# Alpha Vantage field name -> AI-Trader's (open and close become buy and sell price).
FIELD_NAMES = {
    "1. open": "1. buy price",
    "2. high": "2. high",
    "3. low": "3. low",
    "4. close": "4. sell price",
    "5. volume": "5. volume",
}
SYMBOL_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,14}")
OUTPUT_SIZES = ("compact", "full")

log = logging.getLogger(__name__)


class FetchError(RuntimeError):
    """A download that failed; the message names the symbol and never holds the API key."""


class _Retryable(Exception):
    """An answer worth waiting for: rate limit, server error or network failure."""


@dataclass(frozen=True, slots=True)
class FetchReport:
    """What a successful download wrote."""

    out: Path
    symbols: tuple[str, ...]
    first_day: str
    last_day: str
    waits: int


@dataclass(frozen=True, slots=True)
class _Client:
    session: requests.Session
    base_url: str
    api_key: str
    outputsize: str
    sleep: Callable[[float], None]
    max_waits: int
    wait_seconds: float


def default_symbols() -> tuple[str, ...]:
    """The symbols of the bundled NASDAQ-100 price file (QQQ included)."""
    with resources.as_file(resources.files("service.defaults") / BUNDLED_PRICES) as path:
        return load_prices(path).symbols


def fetch_prices(
    symbols: Sequence[str],
    out: Path,
    api_key: str,
    *,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    base_url: str = DEFAULT_BASE_URL,
    outputsize: str = "compact",
    max_waits: int = 5,
    wait_seconds: float = 60.0,
    progress: Callable[[int, int, str], None] | None = None,
) -> FetchReport:
    """Download every symbol and replace out with them only when all succeeded."""
    if not api_key:
        raise FetchError("no Alpha Vantage API key")
    if outputsize not in OUTPUT_SIZES:
        raise FetchError(f"outputsize must be one of {', '.join(OUTPUT_SIZES)}")
    wanted = _normalize(symbols)
    # A session the caller passed stays theirs to close.
    owned = contextlib.nullcontext(session) if session is not None else requests.Session()
    with owned as http:
        client = _Client(http, base_url, api_key, outputsize, sleep, max_waits, wait_seconds)
        lines: list[str] = []
        waits = 0
        for index, symbol in enumerate(wanted, start=1):
            body, used = _download(client, symbol)
            lines.append(json.dumps(_ai_trader_record(symbol, body)) + "\n")
            waits += used
            if progress:
                progress(index, len(wanted), symbol)
    data = _validated(lines)
    _write_atomically(lines, Path(out))
    return FetchReport(Path(out), wanted, data.first_day, data.last_day, waits)


def _normalize(symbols: Sequence[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(symbol.strip().upper() for symbol in symbols))
    if not wanted:
        raise FetchError("no symbols to fetch")
    for symbol in wanted:
        if not SYMBOL_PATTERN.fullmatch(symbol):
            raise FetchError(f"invalid symbol {symbol!r}")
    return wanted


def _download(client: _Client, symbol: str) -> tuple[dict[str, Any], int]:
    """The answer for one symbol and the number of waits it took."""
    waits = 0
    while True:
        try:
            return _request(client, symbol), waits
        except _Retryable as reason:
            if waits == client.max_waits:
                raise FetchError(
                    f"{symbol}: gave up after {waits} waits of {client.wait_seconds:g}s: {reason}"
                ) from None
            waits += 1
            log.warning(
                "%s: %s; waiting %gs (%d/%d)",
                symbol,
                reason,
                client.wait_seconds,
                waits,
                client.max_waits,
            )
            client.sleep(client.wait_seconds)


def _request(client: _Client, symbol: str) -> dict[str, Any]:
    params = {
        "function": "TIME_SERIES_DAILY",
        "symbol": symbol,
        "outputsize": client.outputsize,
        "apikey": client.api_key,
    }
    try:
        response = client.session.get(client.base_url, params=params, timeout=REQUEST_TIMEOUT)
    except requests.RequestException as error:
        # Connection errors quote the request URL, which carries the key.
        raise _Retryable(_redact(f"network error: {error}", client.api_key)) from None
    if response.status_code == 429 or response.status_code >= 500:
        raise _Retryable(f"HTTP {response.status_code}")
    if response.status_code != 200:
        raise FetchError(f"{symbol}: HTTP {response.status_code}")
    return _checked_body(response, symbol, client.api_key)


def _checked_body(response: requests.Response, symbol: str, api_key: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise FetchError(f"{symbol}: the answer is not JSON") from None
    if not isinstance(body, dict):
        raise FetchError(f"{symbol}: unexpected answer")
    series = body.get(SERIES_KEY)
    if isinstance(series, dict) and series:
        return body
    if "Error Message" in body:
        message = _redact(str(body["Error Message"]), api_key)
        raise FetchError(f"{symbol}: rejected by Alpha Vantage (unknown symbol?): {message}")
    for key in ("Note", "Information"):
        if key in body:
            raise _Retryable(_redact(f"rate-limited: {body[key]}", api_key))
    raise FetchError(f"{symbol}: the answer has no daily prices")


def _redact(text: str, api_key: str) -> str:
    # URLs in error texts may carry the key percent-encoded.
    for form in {api_key, quote(api_key, safe=""), quote_plus(api_key)} - {""}:
        text = text.replace(form, "***")
    return text


def _ai_trader_record(symbol: str, body: dict[str, Any]) -> dict[str, Any]:
    """Rename the fields as AI-Trader's merge step does; values stay strings."""
    meta = body.get("Meta Data")
    meta = {**meta} if isinstance(meta, dict) else {}
    meta.update({"1. Information": INFORMATION, "2. Symbol": symbol})
    bars = {day: _ai_trader_bar(bar) for day, bar in body[SERIES_KEY].items()}
    return {"Meta Data": meta, SERIES_KEY: bars}


def _ai_trader_bar(bar: Any) -> Any:
    # A malformed bar is passed through for the price parser to reject with its line number.
    if not isinstance(bar, dict):
        return bar
    return {FIELD_NAMES.get(name, name): value for name, value in bar.items()}


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
