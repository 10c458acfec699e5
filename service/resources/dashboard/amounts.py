"""Amounts for people in a market's terms: money in its currency, quantities in its units."""

from __future__ import annotations

from service.market.rules import MarketRules

UNKNOWN = "—"
# Currencies written with a sign before the number; any other is written by its code after it
# ('46,175.61 USDT'), so that no amount is ever shown as dollars when it is not.
SIGNS = {"USD": "$", "CNY": "¥"}
MONEY_DECIMALS = 2
# A price below one unit of the currency (ADA-USDT near 0.50) keeps four decimals: to cents,
# two of them differing by a tenth of a percent would look the same.
SMALL_PRICE_DECIMALS = 4
# An imported holding may be off the market's step (0.123456 coins): shown to this many at most.
MAX_QUANTITY_DECIMALS = 8


def currency_sign(currency: str) -> str | None:
    """The sign written before amounts of currency, None when it is written by its code."""
    return SIGNS.get(currency)


def with_currency(number: str, currency: str) -> str:
    """A formatted number with its currency: '$1,234.56', '¥1,234.56', '1,234.56 USDT'."""
    sign = currency_sign(currency)
    return f"{sign}{number}" if sign else f"{number} {currency}"


def format_money(value: float | None, currency: str, decimals: int = MONEY_DECIMALS) -> str:
    """An amount of money to cents in its currency; an em dash when unknown."""
    if value is None:
        return UNKNOWN
    return with_currency(f"{value:,.{decimals}f}", currency)


def format_price(value: float | None, currency: str) -> str:
    """A price: to cents, or to four decimals below one unit of the currency."""
    small = value is not None and 0 < abs(value) < 1
    return format_money(value, currency, SMALL_PRICE_DECIMALS if small else MONEY_DECIMALS)


def quantity_decimals(quantity: float, rules: MarketRules) -> int:
    """The decimals that show quantity exactly: the market's, more for one off its step."""
    for decimals in range(rules.quantity_decimals, MAX_QUANTITY_DECIMALS + 1):
        if abs(quantity - round(quantity, decimals)) < 1e-9 * max(1.0, abs(quantity)):
            return decimals
    return MAX_QUANTITY_DECIMALS


def format_quantity(quantity: float, rules: MarketRules) -> str:
    """A quantity in the market's terms: whole shares ('2,600'), coins to their step
    ('0.1352', '4.0000'), never rounded to a whole number."""
    return f"{quantity:,.{quantity_decimals(quantity, rules)}f}"


def lots_text(quantity: float, rules: MarketRules) -> str:
    """How many lots a quantity is where the market trades in lots ('26 lots', '1 lot + 50',
    'odd lot'), empty where it does not."""
    if rules.lot_size <= 1:
        return ""
    lots, odd = divmod(round(quantity), rules.lot_size)
    if not lots:
        return "odd lot"
    counted = f"{lots:,} lot{'s' if lots != 1 else ''}"
    return f"{counted} + {odd:,}" if odd else counted


def rules_summary(rules: MarketRules) -> str:
    """How a market trades, in a few words: 'lots of 100 shares · T+1'."""
    if rules.quantity_decimals:
        quantities = f"{rules.unit}s in steps of {rules.step:g}"
    elif rules.lot_size > 1:
        quantities = f"lots of {rules.lot_size} {rules.unit}s"
    else:
        quantities = f"whole {rules.unit}s"
    parts = [quantities]
    if rules.settlement_days:
        parts.append(f"T+{rules.settlement_days}")
    if rules.every_day:
        parts.append("trades every day")
    return " · ".join(parts)
