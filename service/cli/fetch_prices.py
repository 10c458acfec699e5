"""Command line: refresh a market's daily prices from Alpha Vantage in merged.jsonl."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from service.market import fetch
from service.market.catalog import DEFAULT_MARKET
from service.market.directory import MarketsConfigError, MarketSource, markets_from
from service.market.prices import PriceDataError
from service.settings import SettingsError, from_environment

PROG = "fetch-prices"
KEY_VARIABLES = ("ALPHAADVANTAGE_API_KEY", "ALPHAVANTAGE_API_KEY")

DESCRIPTION = """\
Refresh a market's daily prices from Alpha Vantage in AI-Trader's merged.jsonl (one line per
symbol, open/close named "1. buy price"/"4. sell price"). By default the symbols are those of
the market's current price file (PRICE_DATA for nasdaq100, MARKETS_CONFIG or the bundled file
for the others) and the file written is that one; the downloaded days are merged into the
file's bars (a fetched day replaces the file's, every other bar and symbol stays). The file is
replaced only when every symbol was downloaded; on failure it stays as it was. A name ending
in .gz is written gzip-compressed.

  nasdaq100  TIME_SERIES_DAILY; QQQ, the benchmark, is one of the symbols
  sse50      TIME_SERIES_DAILY as 600519.SHH for 600519.SH; names ("2.1. Name") are kept;
             the index 000016.SH is not served by Alpha Vantage: its file is left as it is
  crypto10   DIGITAL_CURRENCY_DAILY in USD for the -USDT pairs (BTC for BTC-USDT), every
             day; the newest day keeps only its open (still trading); CD5 is not fetched

The API key is read from ALPHAADVANTAGE_API_KEY (AI-Trader's name) or ALPHAVANTAGE_API_KEY.
Rate-limit answers are waited out (60 s, up to 5 times per symbol). A free key allows only a
few requests a minute and a day, fewer than the NASDAQ-100 and the SSE-50 hold: pass
--symbols or use a premium key."""

EPILOG = """\
examples:
  fetch-prices --out data/merged.jsonl
  fetch-prices --symbols AAPL,MSFT,QQQ --out data/merged.jsonl --outputsize full
  fetch-prices --market sse50 --symbols 600519.SH,601318.SH --out data/sse50.jsonl
  fetch-prices --market crypto10

exit status: 0 written, 1 download failed (old file untouched), 2 usage error, unusable
settings or no API key"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--market",
        choices=tuple(fetch.FEEDS),
        default=DEFAULT_MARKET,
        help="the market to refresh; default: %(default)s",
    )
    parser.add_argument(
        "--symbols",
        nargs="+",
        action="extend",
        metavar="SYMBOLS",
        help="symbols to fetch as the market names them, comma- or space-separated (default: "
        "the market's price file's)",
    )
    parser.add_argument(
        "--out",
        "--output",
        dest="out",
        type=Path,
        metavar="FILE",
        help="merged.jsonl file to write (default: the market's price file)",
    )
    parser.add_argument(
        "--outputsize",
        choices=fetch.OUTPUT_SIZES,
        default="compact",
        help="compact: the latest 100 days; full: 20+ years (premium keys only); not used "
        "by crypto10 (DIGITAL_CURRENCY_DAILY takes no size); default: %(default)s",
    )
    return parser


def _api_key() -> str | None:
    for name in KEY_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def _symbols(values: list[str] | None, source: MarketSource) -> list[str]:
    if not values:
        return list(fetch.market_symbols(source))
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


def _summary(report: fetch.FetchReport, note: str | None) -> str:
    lines = [
        f"wrote {len(report.symbols)} symbols, trading days {report.first_day} to "
        f"{report.last_day}, to {report.out} ({report.waits} rate-limit waits)"
    ]
    if report.kept:
        lines.append(f"kept {len(report.kept)} symbols of the file as they were (not fetched)")
    return "\n".join(lines + ([note] if note else []))


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = _parser().parse_args(argv)
    api_key = _api_key()
    if api_key is None:
        print(f"{PROG}: no API key: set {KEY_VARIABLES[0]} or {KEY_VARIABLES[1]}", file=sys.stderr)
        return 2
    try:
        source = markets_from(from_environment()).source(args.market)
    except (SettingsError, MarketsConfigError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    out: Path = args.out or Path(source.price_file)
    try:
        with _waits_shown():
            report = fetch.fetch_prices(
                _symbols(args.symbols, source),
                out,
                api_key,
                market=args.market,
                outputsize=args.outputsize,
                progress=_report_progress,
            )
    except (fetch.FetchError, PriceDataError, OSError) as error:
        print(f"{PROG}: failed: {error}; {out} left as it was", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; {out} left as it was", file=sys.stderr)
        return 130
    print(_summary(report, fetch.benchmark_note(source)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
