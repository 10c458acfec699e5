"""The market directory: bundled markets, a benchmark kept in its own file, overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.market.catalog import MARKETS, SSE50
from service.market.directory import MarketsConfigError, markets_from
from service.results.benchmark import benchmark_return_pct
from service.settings import Settings
from tests.unit.pricebuilder import build_prices

pytestmark = pytest.mark.unit

UNIVERSE = build_prices(
    {
        "AAA": {"2025-10-01": (10, 11), "2025-10-02": (11, 12), "2025-10-03": (12, None)},
        "BBB": {"2025-10-01": (20, 21), "2025-10-02": (21, 22)},
    }
)
# The index has bars on days the universe does not trade (a holiday, before the data).
INDEX = build_prices(
    {"IDX": {"2025-09-30": (99, 100), "2025-10-01": (100, 101), "2025-10-02": (101, 102)}}
)


def test_a_benchmark_series_stays_out_of_the_universe_and_the_calendar() -> None:
    merged = UNIVERSE.with_series(INDEX)
    assert merged.symbols == ("AAA", "BBB")
    assert merged.trading_days == ("2025-10-01", "2025-10-02")
    assert merged.close("IDX", "2025-09-30") == 100
    # Held from its first close on or after the registration day, as the leaderboard counts.
    assert benchmark_return_pct(merged, "IDX", "2025-09-29", "2025-10-02") == pytest.approx(
        (102 / 101 - 1) * 100
    )


def test_the_bundled_markets_load_with_their_benchmarks() -> None:
    markets = markets_from(Settings())
    assert markets.names == tuple(MARKETS)
    for source in markets:
        prices = source.prices()
        assert source.rules.benchmark not in prices.symbols or source.benchmark_file is None
        assert prices.close_on_or_before(source.rules.benchmark, prices.last_day), source
    sse50 = markets.prices("sse50")
    # Golden Week has no session: the calendar goes from September's data straight to 10-09.
    assert sse50.first_day == "2025-10-09"
    assert sse50.previous_trading_day("2025-10-09") is None
    assert markets.prices("crypto10").next_trading_day("2025-11-01") == "2025-11-02"
    assert markets.prices("sse50") is sse50  # merged once per file version


def test_price_data_setting_is_the_nasdaq100_file(tmp_path: Path) -> None:
    markets = markets_from(Settings(price_data=str(tmp_path / "prices.jsonl")))
    assert markets.source("nasdaq100").price_file == str(tmp_path / "prices.jsonl")
    assert markets.source("sse50").price_file.endswith("sse50_daily_2025-10-09_2025-11-19.jsonl.gz")


def test_overrides_keep_what_they_do_not_name(tmp_path: Path) -> None:
    config = tmp_path / "markets.json"
    config.write_text(
        json.dumps(
            {
                "sse50": {"benchmark_file": None, "rules": {"watchlist": ["600028.SH"]}},
                "crypto10": {"price_file": "coins.jsonl", "rules": {"initial_cash": 1000}},
            }
        )
    )
    markets = markets_from(Settings(markets_config=str(config)))
    sse50 = markets.source("sse50")
    assert sse50.benchmark_file is None
    assert sse50.rules.watchlist == ("600028.SH",)
    assert sse50.rules.lot_size == SSE50.lot_size
    crypto10 = markets.source("crypto10")
    assert crypto10.price_file == str(tmp_path / "coins.jsonl")
    assert (crypto10.rules.initial_cash, crypto10.rules.quantity_decimals) == (1000, 4)
    assert str(tmp_path / "coins.jsonl") in markets.input_files()


def test_a_config_that_is_not_an_object_of_markets(tmp_path: Path) -> None:
    config = tmp_path / "markets.json"
    config.write_text("[]")
    with pytest.raises(MarketsConfigError, match="expected an object of markets by name"):
        markets_from(Settings(markets_config=str(config)))
    with pytest.raises(MarketsConfigError, match="cannot read"):
        markets_from(Settings(markets_config=str(tmp_path / "none.json")))


def test_an_unknown_market_name_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: nasdaq100, sse50, crypto10"):
        markets_from(Settings()).source("moon")
