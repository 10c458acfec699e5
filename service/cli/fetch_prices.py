"""Command line: download NASDAQ-100 daily prices from Alpha Vantage into merged.jsonl."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from service.market import fetch
from service.market.prices import PriceDataError

PROG = "fetch-prices"
KEY_VARIABLES = ("ALPHAADVANTAGE_API_KEY", "ALPHAVANTAGE_API_KEY")

DESCRIPTION = """\
Download daily prices (TIME_SERIES_DAILY) from Alpha Vantage and write them as AI-Trader's
merged.jsonl (one line per symbol, open/close named "1. buy price"/"4. sell price"), ready
for PRICE_DATA. The file is replaced only when every symbol was downloaded; on failure the
old file stays as it was. A name ending in .gz is written gzip-compressed.

The API key is read from ALPHAADVANTAGE_API_KEY (AI-Trader's name) or ALPHAVANTAGE_API_KEY.
Rate-limit answers are waited out (60 s, up to 5 times per symbol). A free key allows only a
few requests a minute and a day, fewer than the default list (NASDAQ-100 and QQQ): pass
--symbols or use a premium key."""

EPILOG = """\
examples:
  fetch-prices --out data/merged.jsonl
  fetch-prices --symbols AAPL,MSFT,QQQ --out data/merged.jsonl --outputsize full

exit status: 0 written, 1 download failed (old file untouched), 2 usage error or no API key"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--symbols",
        nargs="+",
        action="extend",
        metavar="SYMBOLS",
        help="symbols to fetch, comma- or space-separated (default: the bundled NASDAQ-100 "
        "list with QQQ)",
    )
    parser.add_argument(
        "--out", required=True, type=Path, metavar="FILE", help="merged.jsonl file to write"
    )
    parser.add_argument(
        "--outputsize",
        choices=fetch.OUTPUT_SIZES,
        default="compact",
        help="compact: the latest 100 days; full: 20+ years (premium keys only); "
        "default: %(default)s",
    )
    return parser


def _api_key() -> str | None:
    for name in KEY_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def _symbols(values: list[str] | None) -> list[str]:
    if not values:
        return list(fetch.default_symbols())
    return [part for value in values for part in value.split(",") if part.strip()]


def _report_progress(index: int, total: int, symbol: str) -> None:
    print(f"[{index}/{total}] {symbol} ok", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _waits_shown() -> Iterator[None]:
    """Print the download's rate-limit waits on stderr while it runs."""
    # Only this logger: library loggers may print request URLs, which carry the key.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{PROG}: %(message)s"))
    logger = logging.getLogger(fetch.__name__)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = _parser().parse_args(argv)
    api_key = _api_key()
    if api_key is None:
        print(f"{PROG}: no API key: set {KEY_VARIABLES[0]} or {KEY_VARIABLES[1]}", file=sys.stderr)
        return 2
    try:
        with _waits_shown():
            report = fetch.fetch_prices(
                _symbols(args.symbols),
                args.out,
                api_key,
                outputsize=args.outputsize,
                progress=_report_progress,
            )
    except (fetch.FetchError, PriceDataError, OSError) as error:
        print(f"{PROG}: failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; {args.out} left as it was", file=sys.stderr)
        return 130
    print(
        f"wrote {len(report.symbols)} symbols, trading days {report.first_day} to "
        f"{report.last_day}, to {report.out} ({report.waits} rate-limit waits)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
