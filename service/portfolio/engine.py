"""The order book of one model-step: orders filled at the open under the market's rules (§2.4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from service.market.asof import AsOfView
from service.market.prices import PriceData
from service.market.rules import MAX_ORDER_UNITS, STEP_TOLERANCE, QuantityError

ActionType = Literal["init", "buy", "sell", "hold"]
# Cash is compared with this tolerance so that float noise never rejects an exactly affordable buy.
CASH_EPSILON = 1e-9


class OrderError(ValueError):
    """An order that was rejected; the message tells the model why, and nothing changed."""


@dataclass(frozen=True, slots=True)
class Fill:
    """One executed order and the state right after it."""

    action_type: ActionType
    symbol: str
    amount: float
    price: float
    cash_after: float
    holdings_after: dict[str, float]


@dataclass(slots=True)
class Holdings:
    """Cash and positions (in the market's units); quantities are never zero or negative."""

    cash: float
    shares: dict[str, float] = field(default_factory=dict)

    def copy(self) -> Holdings:
        """An independent copy."""
        return Holdings(self.cash, dict(self.shares))

    def value(self, prices: PriceData, day: str) -> float:
        """Cash plus holdings at day's close, a missing close replaced by the latest earlier one."""
        total = self.cash
        for symbol, quantity in self.shares.items():
            total += quantity * (prices.close_on_or_before(symbol, day) or 0.0)
        return total


class OrderBook:
    """Executes one model's orders on one trading day against the running state of the day.

    Costs are rates of the traded value: slippage moves the fill price against the order, the
    fee is paid on buys and sells, the sell tax (a stamp duty) on the proceeds of sells only.
    Under T+1 settlement (rules.settlement_days >= 1) units bought today cannot be sold today:
    a sale draws only on the holding the day started with (the previous day's end of day). On
    an intraday market the book is one bar's: bought_earlier holds what earlier bars of the same
    day bought, which does not settle before the next day either.
    """

    def __init__(
        self,
        view: AsOfView,
        start: Holdings,
        fee_bps: float = 0.0,
        slippage_bps: float = 0.0,
        sell_tax_bps: float = 0.0,
        bought_earlier: Mapping[str, float] | None = None,
    ) -> None:
        self.view = view
        self.rules = view.rules
        self.start = start.copy()
        self.bought_earlier = dict(bought_earlier or {})
        self.state = start.copy()
        self.fee_rate = fee_bps / 10_000
        self.slippage_rate = slippage_bps / 10_000
        self.sell_tax_rate = sell_tax_bps / 10_000
        self.fills: list[Fill] = []

    def _symbol_and_open(self, symbol: object) -> tuple[str, float]:
        if not isinstance(symbol, str) or not symbol.strip():
            raise OrderError(f"symbol must be a ticker such as {self.rules.example_symbol}")
        ticker = symbol.strip().upper()
        if ticker not in self.view.prices.symbols:
            raise OrderError(f"unknown symbol {ticker}: it is not in the universe")
        price = self.view.open(ticker)
        if price is None:
            when = "in this bar" if self.rules.intraday else "today"
            raise OrderError(f"{ticker} has no open on {self.view.day}; it cannot be traded {when}")
        return ticker, price

    def _cost(self, quantity: float, open_price: float) -> tuple[float, float]:
        """The fill price of a buy and what it costs, fee included."""
        price = open_price * (1 + self.slippage_rate)
        return price, quantity * price * (1 + self.fee_rate)

    def buy(self, symbol: object, amount: object) -> Fill:
        """Buy at today's open (plus slippage and fee) if cash allows."""
        ticker, open_price = self._symbol_and_open(symbol)
        try:
            shares = self.rules.check_quantity(amount)
        except QuantityError as error:
            raise OrderError(str(error)) from None
        price, cost = self._cost(shares, open_price)
        if cost > self.state.cash + CASH_EPSILON:
            raise OrderError(
                f"insufficient cash: buying {shares} {ticker} at {price:.4f} costs {cost:.2f}, "
                f"cash is {self.state.cash:.2f}; at most {self.affordable(ticker)} can be bought"
            )
        # A cost above the cash by float noise only spends all of it: cash is never negative.
        self.state.cash = max(0.0, self.state.cash - cost)
        self.state.shares[ticker] = self.rules.tidy(self.state.shares.get(ticker, 0) + shares)
        return self._record("buy", ticker, shares, price)

    def affordable(self, symbol: str) -> float:
        """How much of symbol the cash buys at today's open, costs included, in allowed steps
        (at most the largest order)."""
        price = self.view.open(symbol.strip().upper())
        if not price:
            return 0
        quantity = self.rules.floor_quantity(
            min((self.state.cash + CASH_EPSILON) / self._cost(1, price)[1], MAX_ORDER_UNITS)
        )
        # Flooring with a tolerance may round up by float noise: then one step fewer is bought.
        if quantity and self._cost(quantity, price)[1] > self.state.cash + CASH_EPSILON:
            quantity = self.rules.floor_quantity(quantity - self.rules.step)
        return quantity

    def sellable(self, symbol: str) -> float:
        """How much of symbol can be sold now: the holding, or under T+1 only what the day
        started with less what was sold today (units bought today, in this bar or an earlier
        one, settle on a later day)."""
        ticker = symbol.strip().upper()
        held = self.state.shares.get(ticker, 0)
        if self.rules.settlement_days < 1:
            return held
        sold = sum(f.amount for f in self.fills if f.action_type == "sell" and f.symbol == ticker)
        unsettled = self.bought_earlier.get(ticker, 0) + sold
        settled = self.rules.tidy(self.start.shares.get(ticker, 0) - unsettled)
        return max(0, min(held, settled))

    def sell(self, symbol: object, amount: object) -> Fill:
        """Sell holdings at today's open (less slippage, fee and sell tax)."""
        ticker, open_price = self._symbol_and_open(symbol)
        held = self.state.shares.get(ticker, 0)
        try:
            shares = self.rules.check_sale(amount, held)
        except QuantityError as error:
            raise OrderError(str(error)) from None
        if shares > held:
            raise OrderError(f"cannot sell {shares} {ticker}: {held} held (no shorting)")
        settled = self.sellable(ticker)
        if shares > settled:
            raise OrderError(
                f"cannot sell {shares} {ticker} today: {self.rules.tidy(held - settled)} of the "
                f"{held} held were bought today and settle T+1, so they can be sold from the next "
                f"trading day; {settled} can be sold today"
            )
        price = open_price * (1 - self.slippage_rate)
        self.state.cash += shares * price * (1 - self.fee_rate - self.sell_tax_rate)
        left = self.rules.tidy(held - shares)
        if left <= STEP_TOLERANCE * held:
            del self.state.shares[ticker]
        else:
            self.state.shares[ticker] = left
        return self._record("sell", ticker, shares, price)

    def _record(self, action: ActionType, symbol: str, amount: float, price: float) -> Fill:
        fill = Fill(action, symbol, amount, price, self.state.cash, dict(self.state.shares))
        self.fills.append(fill)
        return fill
