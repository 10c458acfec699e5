"""The `mock` provider: a deterministic offline LLM that trades through real tool calls."""

from __future__ import annotations

import hashlib
import json
import math
import random
from typing import Any

from service.agent.client import ChatResponse, parse_message
from service.agent.prompt import BAR_MARKET_HEADER, FINISH_SIGNAL, MARKET_HEADER
from service.market.rules import STEP_TOLERANCE

# Orders of at most this many steps (shares, lots), or tenths of the holding or of the cash
# where the step is a fraction of a unit.
MAX_SELL = 3
MAX_BUY = 5
CHARS_PER_TOKEN = 4
WATCH_SIZE = 10  # symbols looked at when the market names no watchlist


def _tool_results(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = []
    for message in messages:
        if message.get("role") != "tool":
            continue
        try:
            value = json.loads(message.get("content") or "")
        except (TypeError, ValueError):
            continue
        if isinstance(value, dict):
            results.append(value)
    return results


def _portfolio(results: list[dict[str, Any]]) -> tuple[float, dict[str, float], dict[str, float]]:
    """Cash, holdings and what of them can be sold now (today, or in this bar), from the latest
    get_portfolio answer."""
    for result in reversed(results):
        if isinstance(result.get("cash"), int | float) and isinstance(result.get("shares"), dict):
            shares = {
                symbol: quantity
                for symbol, quantity in result["shares"].items()
                if isinstance(quantity, int | float) and not isinstance(quantity, bool)
            }
            sellable = result.get("sellable_today")  # given where units settle T+1
            if not isinstance(sellable, dict):
                return float(result["cash"]), shares, shares
            return float(result["cash"]), shares, {s: sellable.get(s, 0) for s in shares}
    return 0.0, {}, {}


def _step(tools: list[dict[str, Any]]) -> float:
    """The quantity step of a buy, from its amount schema: a lot, a decimal step, or 1."""
    for tool in tools:
        function = tool.get("function", {})
        if function.get("name") == "buy":
            amount = function.get("parameters", {}).get("properties", {}).get("amount", {})
            step = amount.get("multipleOf", 1)
            if isinstance(step, int | float) and step > 0:
                return float(step)
    return 1.0


def _universe(messages: list[dict[str, Any]]) -> tuple[str, ...]:
    """The first symbols by name of the system prompt's market table (a day's or a bar's), as a
    model reads them."""
    system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
    for header in (MARKET_HEADER, BAR_MARKET_HEADER):
        _, found, table = system.partition(f"\n{header}\n")
        if found:
            rows = table.split("\n\n", 1)[0].splitlines()
            return tuple(sorted(row.split(",", 1)[0] for row in rows if "," in row)[:WATCH_SIZE])
    return ()


def _in_steps(quantity: float, step: float) -> float:
    """quantity rounded down to the step (an int where the step is whole units)."""
    steps = math.floor(quantity / step + STEP_TOLERANCE)
    return int(steps * step) if step.is_integer() else round(steps * step, 10)


def _can_sell(sellable: float, held: float, step: float) -> bool:
    """Whether something can be sold: a step of what is sellable, or the whole holding."""
    return _in_steps(sellable, step) > 0 or 0 < sellable == held


def _sale(rng: random.Random, sellable: float, held: float, step: float) -> float:
    """A few steps of what can be sold, a portion of it, or the whole (odd) holding."""
    if step.is_integer():
        steps = int(_in_steps(sellable, step) // step)
        return int(rng.randint(1, min(MAX_SELL, steps)) * step) if steps else held
    portion = _in_steps(sellable * rng.randint(1, MAX_SELL) / MAX_SELL, step)
    return portion or _in_steps(sellable, step) or held


def _purchase(rng: random.Random, cash: float, price: float, step: float) -> float:
    """A few steps of what the cash buys, or where steps are fractions, a tenth or more of it."""
    if step.is_integer():
        most = int(cash // (price * step))
        return int(rng.randint(1, min(MAX_BUY, most)) * step)
    portion = _in_steps(cash / price * rng.randint(1, MAX_BUY) / 10, step)
    return portion or _in_steps(step, step)


def _opens(results: list[dict[str, Any]]) -> dict[str, float]:
    """The opens of the day (or of this bar) from the get_price_local answers."""
    return {
        result["symbol"]: float(result["open"])
        for result in results
        if isinstance(result.get("symbol"), str)
        and isinstance(result.get("open"), int | float)
        and result["open"] > 0
    }


def _call(step: int, index: int, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"call_{step}_{index}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


class MockChatClient:
    """Chat client whose answers depend only on (signature, day) and the conversation so far;
    day is the step's key, a day or, on an intraday market, a bar.

    It trades within the market's rules as a model learns them: the symbols from the watchlist
    (else from the prompt's market table), the quantity step from the buy tool's schema, what
    can be sold now from get_portfolio (under T+1 on an intraday market, nothing bought in an
    earlier bar of the day).
    """

    def __init__(self, signature: str, day: str, watchlist: tuple[str, ...]) -> None:
        self.signature = signature
        self.day = day
        self.watchlist = watchlist

    def _rng(self, step: int) -> random.Random:
        # hashlib, not hash(): str hashes change between processes, results must not.
        digest = hashlib.sha256(f"{self.signature}\n{self.day}\n{step}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> ChatResponse:
        """The next assistant turn: look up, then trade, then finish."""
        step = sum(1 for message in messages if message.get("role") == "assistant")
        rng = self._rng(step)
        if step == 0:
            message = self._look_up(rng, self.watchlist or _universe(messages))
        elif step == 1:
            message = self._trade(rng, _tool_results(messages), _step(tools))
        else:
            message = self._finish()
        prompt_chars = len(json.dumps(messages)) + len(json.dumps(tools))
        usage = {
            "prompt_tokens": prompt_chars // CHARS_PER_TOKEN,
            "completion_tokens": max(1, len(json.dumps(message)) // CHARS_PER_TOKEN),
        }
        return parse_message(message, usage)

    def _look_up(self, rng: random.Random, watchlist: tuple[str, ...]) -> dict[str, Any]:
        count = rng.randint(2, 3)
        symbols = rng.sample(watchlist, min(count, len(watchlist)))
        calls = [
            _call(0, index, "get_price_local", {"symbol": symbol})
            for index, symbol in enumerate(symbols)
        ]
        calls.append(_call(0, len(calls), "get_portfolio", {}))
        content = f"Checking {', '.join(symbols)} and the portfolio for {self.day}."
        return {"role": "assistant", "content": content, "tool_calls": calls}

    def _trade(
        self, rng: random.Random, results: list[dict[str, Any]], step: float
    ) -> dict[str, Any]:
        cash, shares, sellable = _portfolio(results)
        orders: list[tuple[str, dict[str, Any]]] = []
        held = sorted(s for s, quantity in shares.items() if _can_sell(sellable[s], quantity, step))
        if held:
            symbol = rng.choice(held)
            amount = _sale(rng, sellable[symbol], shares[symbol], step)
            orders.append(("sell", {"symbol": symbol, "amount": amount}))
        opens = _opens(results).items()
        affordable = sorted((s, price) for s, price in opens if cash // (price * step) >= 1)
        if affordable:
            symbol, price = rng.choice(affordable)
            orders.append(("buy", {"symbol": symbol, "amount": _purchase(rng, cash, price, step)}))
        if not orders:
            return self._finish()
        calls = [_call(1, index, name, args) for index, (name, args) in enumerate(orders)]
        summary = "; ".join(f"{name} {args['amount']} {args['symbol']}" for name, args in orders)
        return {"role": "assistant", "content": f"Orders: {summary}.", "tool_calls": calls}

    def _finish(self) -> dict[str, Any]:
        content = f"Done with {self.day}; holding the rest. {FINISH_SIGNAL}"
        return {"role": "assistant", "content": content}
