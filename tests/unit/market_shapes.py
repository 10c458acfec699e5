"""Rules shaped like the markets of issue 14, built in the tests (the catalog lists real ones).

LOTS_T1 is an exchange trading in lots of 100 with T+1 settlement (like the SSE 50), LOTS the
same without the settlement lag, COINS a crypto market trading in steps of 0.0001 coin.
"""

from __future__ import annotations

from dataclasses import replace

from service.market.catalog import NASDAQ100

LOTS_T1 = replace(
    NASDAQ100,
    name="lots-t1",
    label="Lots 50",
    currency="CNY",
    initial_cash=100_000.0,
    benchmark="IDX",
    watchlist=(),
    lot_size=100,
    settlement_days=1,
)
LOTS = replace(LOTS_T1, name="lots", settlement_days=0)
COINS = replace(
    NASDAQ100,
    name="coins",
    label="Crypto 10",
    currency="USDT",
    initial_cash=50_000.0,
    benchmark="BTC",
    watchlist=(),
    unit="coin",
    quantity_decimals=4,
    every_day=True,
    trading_days_per_year=365,
)
