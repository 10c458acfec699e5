"""Telling a run's market by the symbols it traded or held."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from service.importer.detect import detect_market, symbols_of
from service.importer.jsonl import AgentDataError
from service.importer.reader import AgentData, PositionLine
from service.market.catalog import CRYPTO10, NASDAQ100, NASDAQ100_HOURLY, SSE50
from service.market.directory import Markets
from tests.unit.pricebuilder import build_prices

pytestmark = pytest.mark.unit

DAY = "2025-10-09"
FILE = Path("agent_data/gpt-5/position/position.jsonl")
START = PositionLine(1, "2025-10-01", 0, "init", None, None, None, 1000.0, {})
STOCKS = build_prices({symbol: {DAY: (10, 11)} for symbol in ("AAA", "BBB", "CCC")})
SHARES = build_prices({f"60000{n}.SH": {DAY: (10, 11)} for n in range(8)})
COINS = build_prices({"BTC-USDT": {DAY: (100, 110)}, "ETH-USDT": {DAY: (10, 11)}})
MARKETS = Markets.of((NASDAQ100, STOCKS), (SSE50, SHARES), (CRYPTO10, COINS))


def run(*lines: PositionLine) -> AgentData:
    """gpt-5's data: the registration, then lines."""
    return AgentData("gpt-5", [START, *lines], {}, FILE, [])


def buy(symbol: str, **shares: float) -> PositionLine:
    return PositionLine(2, DAY, 1, "buy", symbol, 1, None, 990.0, shares)


def test_the_market_whose_universe_holds_every_symbol_traded_or_held_is_told() -> None:
    assert detect_market(run(buy("BTC-USDT", **{"BTC-USDT": 0.5})), MARKETS) == "crypto10"
    assert detect_market(run(buy("AAA", AAA=1, BBB=2)), MARKETS) == "nasdaq100"
    # A symbol only traded counts as much as one held.
    sold = replace(buy("600001.SH", **{"600000.SH": 100}), action_type="sell")
    assert detect_market(run(sold), MARKETS) == "sse50"


def test_symbols_are_those_traded_or_held_not_those_listed_zero_times() -> None:
    # The reader keeps no symbol held 0 times: only the trade and the holdings are counted.
    assert symbols_of([START, buy("AAA", BBB=2)]) == {"AAA", "BBB"}
    assert symbols_of([START]) == set()


def test_a_run_without_symbols_must_name_its_market() -> None:
    with pytest.raises(AgentDataError) as error:
        detect_market(run(), MARKETS)

    assert str(error.value) == (
        f"{FILE}: no symbol is traded or held, so the market cannot be told; name it with --market"
    )


def test_symbols_of_several_universes_must_name_their_market() -> None:
    both = Markets.of((NASDAQ100, STOCKS), (SSE50, STOCKS))

    with pytest.raises(AgentDataError) as error:
        detect_market(run(buy("AAA", AAA=1)), both)

    assert str(error.value) == (
        f"{FILE}: every symbol traded or held (AAA) is in the universe of nasdaq100 and sse50;"
        " name the market with --market"
    )


def test_symbols_of_no_universe_are_refused_naming_what_the_closest_lacks() -> None:
    unknown = {f"ZZ{n}": 1 for n in range(7)}

    with pytest.raises(AgentDataError) as error:
        detect_market(run(buy("AAA", AAA=1, BBB=1, **unknown)), MARKETS)

    assert str(error.value) == (
        f"{FILE}: no market's universe holds every symbol traded or held (the closest,"
        " nasdaq100, lacks ZZ0, ZZ1, ZZ2, ZZ3, ZZ4 and 2 more); name the market with --market"
    )


BAR = "2025-10-09 10:00:00"
HOURLY_STOCKS = build_prices({symbol: {BAR: (10, 11)} for symbol in ("AAA", "BBB")})


def hourly_run(*lines: PositionLine) -> AgentData:
    """gpt-5's data dated by bar: the registration at the first bar, then lines."""
    return AgentData("gpt-5", [replace(START, date=BAR), *lines], {}, FILE, [])


def test_a_run_dated_by_bar_is_told_among_the_intraday_markets_only() -> None:
    both = Markets.of((NASDAQ100, STOCKS), (NASDAQ100_HOURLY, HOURLY_STOCKS))
    hourly = hourly_run(replace(buy("AAA", AAA=1), date=BAR))

    # AAA is in both universes: the form of the dates tells the market.
    assert detect_market(hourly, both) == "nasdaq100_hourly"
    assert detect_market(run(buy("AAA", AAA=1)), both) == "nasdaq100"


def test_a_run_dated_by_bar_with_no_intraday_market_must_name_its_market() -> None:
    with pytest.raises(AgentDataError) as error:
        detect_market(hourly_run(replace(buy("AAA", AAA=1), date=BAR)), MARKETS)

    assert str(error.value) == (
        f"{FILE}: the lines are dated by bar (an intraday run), and no market of that form is"
        " known; name the market with --market"
    )
