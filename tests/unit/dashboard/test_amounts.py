"""Amounts in a market's terms: money in its currency, quantities to its step, the value axis."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from service.market.catalog import CRYPTO10, NASDAQ100, SSE50
from service.resources.dashboard.amounts import (
    format_money,
    format_price,
    format_quantity,
    lots_text,
    rules_summary,
)
from service.resources.dashboard.chart import (
    COMPACT_WIDTH,
    LEFT,
    SVG_NAMESPACE,
    equity_chart,
    text_width,
    tick_labels,
)
from service.resources.dashboard.conversation import conversation, round_text, shown_json

pytestmark = pytest.mark.unit

SVG = f"{{{SVG_NAMESPACE}}}"
DAYS = ["2025-11-03", "2025-11-04", "2025-11-05"]


@pytest.mark.parametrize(
    ("value", "currency", "text"),
    [
        (9953.314, "USD", "$9,953.31"),
        (100089.0, "CNY", "¥100,089.00"),
        (46175.605, "USDT", "46,175.61 USDT"),
        (None, "CNY", "—"),
    ],
)
def test_money_is_written_in_its_currency(value: float | None, currency: str, text: str) -> None:
    assert format_money(value, currency) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.50344, "0.5034 USDT"), (2.236, "2.24 USDT"), (95544.94, "95,544.94 USDT")],
)
def test_prices_below_one_keep_four_decimals(value: float, text: str) -> None:
    assert format_price(value, "USDT") == text


@pytest.mark.parametrize(
    ("quantity", "rules", "text"),
    [
        (0.1352, CRYPTO10, "0.1352"),
        (4.0, CRYPTO10, "4.0000"),
        (16326.5306, CRYPTO10, "16,326.5306"),
        (0.123456, CRYPTO10, "0.123456"),  # an imported holding off the step, shown whole
        (2600, SSE50, "2,600"),
        (15, NASDAQ100, "15"),
    ],
)
def test_quantities_keep_their_decimals(quantity: float, rules: object, text: str) -> None:
    assert format_quantity(quantity, rules) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("quantity", "text"), [(2600, "26 lots"), (100, "1 lot"), (150, "1 lot + 50"), (50, "odd lot")]
)
def test_sse50_shares_are_counted_in_lots(quantity: int, text: str) -> None:
    assert lots_text(quantity, SSE50) == text
    assert lots_text(quantity, NASDAQ100) == ""


def test_rules_in_a_few_words() -> None:
    assert rules_summary(NASDAQ100) == "whole shares"
    assert rules_summary(SSE50) == "lots of 100 shares · T+1"
    assert rules_summary(CRYPTO10) == "coins in steps of 0.0001 · trades every day"


def test_tick_labels_need_no_more_decimals_than_the_ticks() -> None:
    assert tick_labels([98000.0, 100000.0, 102000.0], "CNY") == ["¥98,000", "¥100,000", "¥102,000"]
    assert tick_labels([0.5, 1.0, 1.5], "USD") == ["$0.5", "$1.0", "$1.5"]
    assert tick_labels([0.25, 0.5], "USDT") == ["0.25", "0.50"]
    assert tick_labels([40000.0, 45000.0], "USDT") == ["40,000", "45,000"]


def axis_labels(svg: str | None) -> tuple[list[str], float, list[str]]:
    """A chart's value labels, the x where they end, and its unit captions."""
    assert svg is not None
    root = ET.fromstring(svg)
    values = [node for node in root.iter(f"{SVG}text") if node.get("text-anchor") == "end"]
    units = [node.text or "" for node in root.iter(f"{SVG}text") if node.get("class") == "unit"]
    return [node.text or "" for node in values], float(values[0].get("x") or 0), units


@pytest.mark.parametrize("width", [760, COMPACT_WIDTH])
def test_wide_labels_get_a_wider_margin(width: int) -> None:
    small = {"a": [(day, 10000.0 + 100 * index) for index, day in enumerate(DAYS)]}
    big = {"a": [(day, 1_000_000.0 + 250 * index) for index, day in enumerate(DAYS)]}
    labels, end, _ = axis_labels(equity_chart(small, width=width))
    assert end == LEFT - 8
    labels, end, _ = axis_labels(equity_chart(big, width=width, currency="CNY"))
    assert all(label.startswith("¥1,000,") for label in labels)
    assert end - max(map(text_width, labels)) >= 8  # the longest label starts inside the chart


def test_a_currency_without_sign_names_the_axis_once() -> None:
    series = {"a": [(day, 50000.0 - 900 * index) for index, day in enumerate(DAYS)]}
    svg = equity_chart(series, [(DAYS[0], 50000.0)], "CD5 (benchmark)", currency="USDT")
    labels, _, units = axis_labels(svg)
    assert units == ["USDT"]
    assert all(re.fullmatch(r"\d{2},\d{3}", label) for label in labels)
    assert svg and "a: 48,200.00 USDT on 2025-11-05" in svg and "$" not in svg
    assert axis_labels(equity_chart(series))[2] == []  # dollars carry their sign


def test_coin_quantities_in_the_conversation_keep_their_step() -> None:
    log = [
        {"step_number": 1, "role": "assistant", "tool_name": None,
         "content": 'buy 0.1352 BTC-USDT at 110568.0512\n[tool call] buy({"amount": 0.1352})'},
        {"step_number": 1, "role": "tool", "tool_name": "buy",
         "content": '{"bought": 0.13520, "cash": 1234.5, "price": 0.503449}'},
    ]  # fmt: skip
    (message,) = conversation(log, decimals=4)
    assert message.text == "buy 0.1352 BTC-USDT at 110568.0512"
    (call,) = message.calls
    assert call.arguments == '{"amount": 0.1352}'
    assert call.result == '{\n  "bought": 0.1352,\n  "cash": 1234.50,\n  "price": 0.5034\n}'
    assert round_text("0.1352 at 19.6400", 4) == "0.1352 at 19.64"
    assert shown_json('{"a": 0.1352}') == '{"a": 0.14}'  # cents where quantities are whole
