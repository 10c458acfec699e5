"""The markets the service knows, by name; every timeline belongs to one (default nasdaq100).

Each market's rules are AI-Trader's for that market, so that imported and simulated results
compare; its bundled data files are named in BUNDLED_FILES (service/market/directory.py lets a
deployment replace files and rules).
"""

from __future__ import annotations

from dataclasses import replace

from service.market.rules import MarketRules

NASDAQ100 = MarketRules(
    name="nasdaq100",
    label="NASDAQ-100",
    currency="USD",
    initial_cash=10000.0,
    benchmark="QQQ",
    trading_days_per_year=252,
    watchlist=("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "AVGO", "TSLA", "COST", "NFLX"),
)
# The ten heaviest constituents of the SSE 50 on 2025-09-30.
SSE50 = MarketRules(
    name="sse50",
    label="SSE-50",
    currency="CNY",
    initial_cash=100000.0,
    benchmark="000016.SH",
    trading_days_per_year=242,
    watchlist=(
        "600519.SH",
        "601318.SH",
        "600036.SH",
        "601899.SH",
        "600900.SH",
        "601166.SH",
        "600276.SH",
        "600030.SH",
        "603259.SH",
        "688981.SH",
    ),
    lot_size=100,
    settlement_days=1,
)
CRYPTO10 = MarketRules(
    name="crypto10",
    label="Crypto-10",
    currency="USDT",
    initial_cash=50000.0,
    benchmark="CD5",
    trading_days_per_year=365,
    watchlist=("BTC-USDT", "ETH-USDT", "XRP-USDT", "SOL-USDT", "ADA-USDT"),
    unit="coin",
    quantity_decimals=4,
    every_day=True,
)
# 60-minute bars: six a day labelled by their start (10:00 .. 15:00, US/Eastern), and four a day
# labelled by their end (10:30, 11:30, 14:00, 15:00, Asia/Shanghai). The 15:00 bar closes the day.
NASDAQ100_HOURLY = replace(
    NASDAQ100,
    name="nasdaq100_hourly",
    label="NASDAQ-100 hourly",
    bar_interval="60min",
    bars_per_day=6,
    bar_minutes=60,
    closing_bar="15:00:00",
)
SSE50_HOURLY = replace(
    SSE50,
    name="sse50_hourly",
    label="SSE-50 hourly",
    bar_interval="60min",
    bars_per_day=4,
    bar_minutes=60,
    labelled_by_end=True,
    closing_bar="15:00:00",
)
MARKETS: dict[str, MarketRules] = {
    rules.name: rules for rules in (NASDAQ100, SSE50, CRYPTO10, NASDAQ100_HOURLY, SSE50_HOURLY)
}
DEFAULT_MARKET = NASDAQ100.name
# (price file, benchmark file or None when the benchmark is in the price file), in the bundled
# data directory.
BUNDLED_FILES: dict[str, tuple[str, str | None]] = {
    NASDAQ100.name: ("nasdaq100_daily_2025-06-10_2025-10-29.jsonl.gz", None),
    SSE50.name: ("sse50_daily_2025-10-09_2025-11-19.jsonl.gz", "index_sse50_000016.SH_daily.json"),
    CRYPTO10.name: ("crypto10_daily_2024-11-26_2025-11-16.jsonl.gz", "index_cd5_daily.json"),
    NASDAQ100_HOURLY.name: (
        "nasdaq100_60min_2025-10-01_2025-11-10.jsonl.gz",
        "qqq_60min_2025-10-01_2025-11-10.json.gz",
    ),
    # The index's daily closes, each known from the day's 15:00 bar on.
    SSE50_HOURLY.name: (
        "sse50_60min_2025-10-09_2025-11-19.jsonl.gz",
        "index_sse50_000016.SH_daily.json",
    ),
}


def market_rules(name: str) -> MarketRules:
    """The bundled rules of the market called name; KeyError names the known ones."""
    try:
        return MARKETS[name]
    except KeyError:
        raise KeyError(f"unknown market {name!r}; known: {', '.join(MARKETS)}") from None
