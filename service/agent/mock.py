"""The `mock` provider: a deterministic offline LLM that trades through real tool calls."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

from service.agent.client import ChatResponse, parse_message
from service.agent.prompt import FINISH_SIGNAL

MAX_SELL = 3
MAX_BUY = 5
CHARS_PER_TOKEN = 4


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


def _portfolio(results: list[dict[str, Any]]) -> tuple[float, dict[str, int]]:
    """Cash and shares from the latest get_portfolio answer."""
    for result in reversed(results):
        if isinstance(result.get("cash"), int | float) and isinstance(result.get("shares"), dict):
            return float(result["cash"]), result["shares"]
    return 0.0, {}


def _opens(results: list[dict[str, Any]]) -> dict[str, float]:
    """Today's opens from the get_price_local answers."""
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
    """Chat client whose answers depend only on (signature, day) and the conversation so far."""

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
            message = self._look_up(rng)
        elif step == 1:
            message = self._trade(rng, _tool_results(messages))
        else:
            message = self._finish()
        prompt_chars = len(json.dumps(messages)) + len(json.dumps(tools))
        usage = {
            "prompt_tokens": prompt_chars // CHARS_PER_TOKEN,
            "completion_tokens": max(1, len(json.dumps(message)) // CHARS_PER_TOKEN),
        }
        return parse_message(message, usage)

    def _look_up(self, rng: random.Random) -> dict[str, Any]:
        symbols = rng.sample(self.watchlist, rng.randint(2, 3))
        calls = [
            _call(0, index, "get_price_local", {"symbol": symbol})
            for index, symbol in enumerate(symbols)
        ]
        calls.append(_call(0, len(calls), "get_portfolio", {}))
        content = f"Checking {', '.join(symbols)} and the portfolio for {self.day}."
        return {"role": "assistant", "content": content, "tool_calls": calls}

    def _trade(self, rng: random.Random, results: list[dict[str, Any]]) -> dict[str, Any]:
        cash, shares = _portfolio(results)
        orders: list[tuple[str, dict[str, Any]]] = []
        held = sorted(
            s for s, quantity in shares.items() if isinstance(quantity, int) and quantity > 0
        )
        if held:
            symbol = rng.choice(held)
            amount = rng.randint(1, min(MAX_SELL, shares[symbol]))
            orders.append(("sell", {"symbol": symbol, "amount": amount}))
        affordable = sorted((s, price) for s, price in _opens(results).items() if price <= cash)
        if affordable:
            symbol, price = rng.choice(affordable)
            most = min(MAX_BUY, int(cash // price))
            orders.append(("buy", {"symbol": symbol, "amount": rng.randint(1, most)}))
        if not orders:
            return self._finish()
        calls = [_call(1, index, name, args) for index, (name, args) in enumerate(orders)]
        summary = "; ".join(f"{name} {args['amount']} {args['symbol']}" for name, args in orders)
        return {"role": "assistant", "content": f"Orders: {summary}.", "tool_calls": calls}

    def _finish(self) -> dict[str, Any]:
        content = f"Done with {self.day}; holding the rest. {FINISH_SIGNAL}"
        return {"role": "assistant", "content": content}
