"""A tiny webhook agent (provider http) for AI-Trader Service, on the standard library only.

For each model-step the service POSTs the step's observation, signed with the model's secret;
this agent checks the signature, then answers orders by a simple rule:

* buy, with a tenth of the cash, the symbol whose open is furthest above its previous close
  (if it rose at all and is not held yet);
* sell every holding whose open is below its previous close.

Amounts follow the market's rules (observation["rules"]["quantity_step"], which includes the lot
size), so the same agent trades stocks in lots of 100 and coins in steps of 0.0001.

A request whose signature is wrong, whose timestamp is more than five minutes away, or whose
signature was already seen (a replay) is refused with 401 and a JSON error.

Run it next to the service (bin/run):

    export AGENT_SECRET=some-long-random-string        # the same value in both shells
    python examples/agents/webhook_agent.py --port 8700

and give the service a model whose agent is this one, in the models config (CONFIG_PATH):

    {"signature": "my-webhook-agent", "provider": "http",
     "agent_url": "http://127.0.0.1:8700/decide", "agent_secret_env": "AGENT_SECRET"}

then `POST /simulate/trigger` with `"models": ["my-webhook-agent"]`.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import math
import os
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 5_000_000
BUDGET_SHARE = 0.1  # of the cash, for the one buy of a step
SIGNATURE_HEADER = "X-AI-Trader-Signature"


class Refused(Exception):
    """A request that is not the service's, or not fresh: answered 401 with this message."""


class SignatureChecker:
    """Checks X-AI-Trader-Signature headers and remembers the ones it accepted.

    A signature is remembered for as long as its timestamp is fresh: after that the timestamp
    alone refuses it, so the memory stays small.
    """

    def __init__(
        self,
        secret: str,
        tolerance: float = TOLERANCE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret.encode("utf-8")
        self.tolerance = tolerance
        self.clock = clock
        self._seen: dict[str, int] = {}  # accepted signature -> its timestamp
        self._lock = threading.Lock()  # the server answers requests in threads

    def check(self, header: str, body: bytes) -> None:
        """Raise Refused unless header signs body, freshly, for the first time."""
        timestamp, digest = parse_header(header)
        expected = hmac.new(self._secret, f"{timestamp}.".encode() + body, hashlib.sha256)
        if not hmac.compare_digest(expected.hexdigest(), digest):
            raise Refused("bad signature")
        now = self.clock()
        if abs(now - timestamp) > self.tolerance:
            raise Refused(f"stale timestamp: more than {self.tolerance:g} s from now")
        with self._lock:
            self._seen = {d: t for d, t in self._seen.items() if now - t <= self.tolerance}
            if digest in self._seen:
                raise Refused("replayed signature: this request was already received")
            self._seen[digest] = timestamp


def parse_header(header: str) -> tuple[int, str]:
    """The timestamp and the hex digest of a "t=<unix seconds>,v1=<hex>" header."""
    fields = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value
    try:
        return int(fields["t"]), fields["v1"]
    except (KeyError, ValueError):
        raise Refused(f"{SIGNATURE_HEADER} must be t=<unix seconds>,v1=<hex>") from None


def on_step(quantity: float, step: float) -> float:
    """quantity rounded down to a multiple of the market's step (0 when less than one)."""
    steps = math.floor(quantity / step + 1e-9)  # 0.3 / 0.1 is 2.9999999999999996
    return round(steps * step, 10)


def gains(observation: dict[str, Any]) -> dict[str, float]:
    """Each symbol's change from its previous close to this step's open, where both are known."""
    return {
        row["symbol"]: row["open"] / row["previous_close"] - 1
        for row in observation["market"]
        if row["open"] and row["previous_close"]
    }


Orders = list[dict[str, Any]]


def sells(observation: dict[str, Any], change: dict[str, float]) -> tuple[Orders, list[str]]:
    """Sell what can be sold of every holding that opened below its previous close."""
    portfolio, step = observation["portfolio"], observation["rules"]["quantity_step"]
    # Under T+1 units bought today cannot be sold yet; sellable_today is absent otherwise.
    sellable = portfolio.get("sellable_today", portfolio["shares"])
    orders, reasons = [], []
    for symbol, amount in sorted(portfolio["shares"].items()):
        if amount > 0 and change.get(symbol, 0) < 0:
            free = sellable.get(symbol, 0)
            units = amount if free >= amount else on_step(free, step)  # a whole holding is fine
            if units > 0:
                orders.append({"action": "sell", "symbol": symbol, "amount": units})
                reasons.append(f"sell {units:g} {symbol}: it opened {change[symbol]:+.2%}")
    return orders, reasons


def buys(observation: dict[str, Any], change: dict[str, float]) -> tuple[Orders, list[str]]:
    """Buy, with a tenth of the cash, the best open, if it rose and is not held yet."""
    portfolio, step = observation["portfolio"], observation["rules"]["quantity_step"]
    best = max(change, key=lambda symbol: change[symbol], default=None)
    if best is None or change[best] <= 0 or portfolio["shares"].get(best, 0) > 0:
        return [], []
    price = next(row["open"] for row in observation["market"] if row["symbol"] == best)
    units = on_step(portfolio["cash"] * BUDGET_SHARE / price, step)
    if units <= 0:
        return [], []
    order = {"action": "buy", "symbol": best, "amount": units}
    return [order], [f"buy {units:g} {best}: the best open, {change[best]:+.2%}"]


def decide(observation: dict[str, Any]) -> dict[str, Any]:
    """The answer to one observation: orders and the reasoning behind them."""
    change = gains(observation)
    sold, why_sold = sells(observation, change)
    bought, why_bought = buys(observation, change)
    reasoning = "; ".join(why_sold + why_bought) or "no order: no holding fell, nothing to buy"
    return {"orders": sold + bought, "reasoning": f"{observation['step']}: {reasoning}"}


class AgentHandler(BaseHTTPRequestHandler):
    """Answers the service's POSTs; the checker is the server's."""

    server: AgentServer

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        """Check the request, then answer the observation's orders."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.answer(413, {"error": f"the body is larger than {MAX_BODY_BYTES} bytes"})
            return
        body = self.rfile.read(length)
        try:
            self.server.checker.check(self.headers.get(SIGNATURE_HEADER, ""), body)
        except Refused as refusal:
            self.log_message("refused: %s", refusal)
            self.answer(401, {"error": str(refusal)})
            return
        try:
            answer = decide(json.loads(body))
        except (ValueError, KeyError, TypeError) as error:  # signed, yet not an observation
            self.answer(400, {"error": f"not an observation: {type(error).__name__}"})
            return
        self.log_message("answered: %s", answer["reasoning"])
        self.answer(200, answer)

    def answer(self, status: int, body: dict[str, Any]) -> None:
        """Send body as JSON with status."""
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class AgentServer(ThreadingHTTPServer):
    """The HTTP server, holding the signature checker its handlers share."""

    def __init__(self, address: tuple[str, int], checker: SignatureChecker) -> None:
        super().__init__(address, AgentHandler)
        self.checker = checker


def main(argv: list[str] | None = None) -> None:
    """Serve the agent until interrupted."""
    parser = argparse.ArgumentParser(description="A tiny AI-Trader webhook agent.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=8700, help="port to listen on")
    args = parser.parse_args(argv)
    secret = os.environ.get("AGENT_SECRET", "")
    if not secret:
        sys.exit("webhook_agent: set AGENT_SECRET to the model's secret")
    server = AgentServer((args.host, args.port), SignatureChecker(secret))
    print(f"webhook_agent: listening on http://{args.host}:{args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
