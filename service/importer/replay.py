"""Replaying imported orders at their price: a line whose state disagrees is kept and reported."""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import pairwise

from service.importer.reader import Note, PositionLine
from service.market.calendar import day_of
from service.market.prices import PriceData
from service.market.rules import MarketRules, QuantityError

# Half a cent: AI-Trader rounds cash, and a difference below that is no disagreement.
CASH_TOLERANCE = 0.005
# Fractional quantities (crypto) differ by float noise only when they agree.
QUANTITY_TOLERANCE = 1e-9
STORED = "the file's positions are stored"


def trade_price(line: PositionLine, prices: PriceData) -> float | None:
    """The line's own price, else its symbol's open that day; None for a hold or without one."""
    if line.price is not None or line.symbol is None:
        return line.price
    return prices.open(line.symbol, line.date)


def _text(number: float) -> str:
    return f"{number:.10g}"


def _expected(previous: PositionLine, line: PositionLine, price: float) -> PositionLine:
    """The line as its order replayed from the previous state makes it (a hold changes nothing)."""
    if line.symbol is None or line.amount is None:
        return replace(line, cash=previous.cash, shares=previous.shares)
    signed = line.amount if line.action_type == "buy" else -line.amount
    shares = dict(previous.shares)
    shares[line.symbol] = shares.get(line.symbol, 0) + signed
    return replace(line, cash=previous.cash - signed * price, shares=shares)


def _differences(expected: PositionLine, line: PositionLine) -> tuple[list[str], list[str]]:
    """What the replay expects and what the file says, for each item that differs."""
    wanted, found = [], []
    if abs(expected.cash - line.cash) > CASH_TOLERANCE:
        wanted.append(f"cash {_text(expected.cash)}")
        found.append(f"cash {_text(line.cash)}")
    for symbol in sorted(set(expected.shares) | set(line.shares)):
        want, have = expected.shares.get(symbol, 0), line.shares.get(symbol, 0)
        if not math.isclose(want, have, rel_tol=QUANTITY_TOLERANCE, abs_tol=QUANTITY_TOLERANCE):
            wanted.append(f"{symbol} {_text(want)}")
            found.append(f"{symbol} {_text(have)}")
    return wanted, found


def _order(line: PositionLine) -> str:
    return f"{line.action_type} {_text(line.amount or 0)} {line.symbol}"


def _line_problem(previous: PositionLine, line: PositionLine, prices: PriceData) -> str | None:
    """What is wrong with a line whose state is not its order replayed, or None."""
    price = trade_price(line, prices)
    order = "hold"
    if line.symbol is not None and line.amount is not None:
        order = _order(line)
        if price is None:
            return f"{order}: no open of {line.symbol} on {line.date}; {STORED}"
        order += f" at {_text(price)}"
    wanted, found = _differences(_expected(previous, line, price or 0.0), line)
    if not wanted:
        return None
    says = f"expected {', '.join(wanted)}, the file says {', '.join(found)}"
    return f"{order}: {says}; {STORED}"


def _is_whole_sale(line: PositionLine, held: float, rules: MarketRules) -> bool:
    """Whether the line sells a holding that only a sale of all of it may sell (an odd lot)."""
    try:
        rules.check_sale(line.amount, held)
    except QuantityError:
        return False
    return True


def _quantity_problem(previous: PositionLine, line: PositionLine, rules: MarketRules) -> str | None:
    """Why the market's rules would not allow the line's amount, or None."""
    if line.amount is None or line.symbol is None:
        return None
    try:
        rules.check_quantity(line.amount)
    except QuantityError as error:
        held = previous.shares.get(line.symbol, 0)
        if line.action_type == "sell" and _is_whole_sale(line, held, rules):
            return None
        return f"{_order(line)}: {error} on {rules.label}"
    return None


def _settlement_problems(lines: list[PositionLine], rules: MarketRules) -> list[Note]:
    """Sales of units bought the same day, which T+1 (settlement_days >= 1) does not allow:
    a day's sales draw on what the previous line of an earlier day held (the day's start).
    On an intraday market the day is the bar's: units bought in any of its bars are unsettled."""
    if rules.settlement_days < 1:
        return []
    notes: list[Note] = []
    start, day = lines[0].shares, day_of(lines[0].date)
    sold: dict[str, float] = {}
    for before, line in pairwise(lines):
        if day_of(line.date) != day:
            start, sold, day = before.shares, {}, day_of(line.date)
        if line.action_type != "sell" or line.symbol is None or line.amount is None:
            continue
        settled = start.get(line.symbol, 0) - sold.get(line.symbol, 0)
        sold[line.symbol] = sold.get(line.symbol, 0) + line.amount
        if line.amount > settled + QUANTITY_TOLERANCE * max(1.0, line.amount):
            notes.append(
                (
                    line.number,
                    f"{_order(line)}: only {_text(max(0.0, settled))} were held before "
                    f"{day}, and units bought that day settle T+1 on {rules.label}; "
                    f"{STORED}",
                )
            )
    return notes


def replay_notes(lines: list[PositionLine], prices: PriceData, rules: MarketRules) -> list[Note]:
    """A note per line after the registration whose state disagrees with its replay, whose
    amount the market's quantity rule would not allow, or which sells units not yet settled."""
    steps = list(pairwise(lines))
    notes = [(line.number, _line_problem(before, line, prices)) for before, line in steps]
    notes += [(line.number, _quantity_problem(before, line, rules)) for before, line in steps]
    found = [(number, problem) for number, problem in notes if problem]
    return found + _settlement_problems(lines, rules)
