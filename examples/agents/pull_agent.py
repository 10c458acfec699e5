"""A tiny pull agent (provider external) for AI-Trader Service, on `requests` only.

A pull agent needs no server of its own: it asks the service for its next model-step, reads,
places orders and closes the step's session. This one loops:

1. GET /agents/<signature>/sessions/next with the model's token; 204 means nothing waits yet,
   so it sleeps for the Retry-After the service names and asks again;
2. with the session's token: get_portfolio, then get_price_local of the symbol that fell most
   from its previous close to this step's open;
3. orders by a simple rule, "buy the dip, take the profit": buy `--lots` steps of that symbol
   (observation["rules"]["quantity_step"], which includes the lot size) if the cash covers
   them, and sell what can be sold of every holding that opened above its previous close. The
   batch is placed whole or not at all: a 400 is printed and the agent goes on;
4. close the session with its reasoning, which the service stores with the step.

It prints one line per step, and stops after --steps sessions or --idle-seconds without one.

Run it next to the service (bin/run), with the same token in both environments:

    export AGENT_TOKEN=some-long-random-string
    python examples/agents/pull_agent.py --url http://localhost:8080 --signature my-pull-agent

The service's models config (CONFIG_PATH) holds the model, naming the variable of its token:

    {"signature": "my-pull-agent", "provider": "external", "agent_secret_env": "AGENT_TOKEN"}

then `POST /simulate/trigger` with `"models": ["my-pull-agent"]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import requests

Handout = dict[str, Any]  # a session as /sessions/next hands it out, with its token
DEFAULT_IDLE_SECONDS = 30.0
TIMEOUT = 30.0  # seconds for one HTTP request


class SessionEnded(Exception):
    """The session can no longer be used (closed, expired, ...): the agent takes the next."""


def message(response: requests.Response) -> str:
    """The service's explanation of an error answer."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("message") or body) if isinstance(body, dict) else str(body)


class PullClient:
    """The agent's calls to the service: the model's token for sessions/next, each session's
    own token for everything in that session."""

    def __init__(self, url: str, signature: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.signature = signature
        self.http = requests.Session()
        self._token = token

    def next_session(self) -> tuple[Handout | None, float]:
        """The next session, or None and how long to wait before asking again."""
        try:
            response = self.http.get(
                f"{self.url}/agents/{self.signature}/sessions/next",
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=TIMEOUT,
            )
        except requests.ConnectionError:
            return None, 1.0  # the service is not up (yet): ask again
        if response.status_code == 204:
            return None, float(response.headers.get("Retry-After", 1))
        if response.status_code != 200:
            sys.exit(f"pull_agent: HTTP {response.status_code}: {message(response)}")
        handout: Handout = response.json()
        return handout, 0.0

    def post(self, handout: Handout, path: str, body: dict[str, Any]) -> requests.Response:
        """POST body to one of the session's paths; SessionEnded when the session is gone."""
        response = self.http.post(
            f"{self.url}/agents/sessions/{handout['session_id']}/{path}",
            json=body,
            headers={"Authorization": f"Bearer {handout['token']}"},
            timeout=TIMEOUT,
        )
        if response.status_code in (401, 403, 404, 409, 410):
            raise SessionEnded(f"HTTP {response.status_code}: {message(response)}")
        return response

    def tool(self, handout: Handout, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """A read tool's answer."""
        response = self.post(handout, f"tools/{name}", arguments)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer


def changes(observation: dict[str, Any]) -> dict[str, float]:
    """Each symbol's change from its previous close to this step's open, where both are known."""
    return {
        row["symbol"]: row["open"] / row["previous_close"] - 1
        for row in observation["market"]
        if row["open"] and row["previous_close"]
    }


def choose(
    client: PullClient, handout: Handout, lots: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """The step's orders and why, after reading the portfolio and the dip's price."""
    observation = handout["observation"]
    portfolio = client.tool(handout, "get_portfolio", {})
    change = changes(observation)
    sellable = portfolio.get("sellable_today", portfolio["shares"])
    orders, reasons = [], []
    for symbol, amount in sorted(sellable.items()):
        if amount > 0 and change.get(symbol, 0) > 0:
            orders.append({"action": "sell", "symbol": symbol, "amount": amount})
            reasons.append(f"take the profit on {symbol} ({change[symbol]:+.2%})")
    dip = min(change, key=lambda symbol: change[symbol], default=None)
    if dip is not None and change[dip] < 0:
        price = client.tool(handout, "get_price_local", {"symbol": dip})["open"]
        units = round(lots * observation["rules"]["quantity_step"], 10)
        if units * price <= portfolio["cash"]:
            orders.append({"action": "buy", "symbol": dip, "amount": units})
            reasons.append(f"buy the dip: {units:g} {dip} at {price:g} ({change[dip]:+.2%})")
        else:
            reasons.append(f"{units:g} {dip} at {price:g} would cost more than the cash")
    return orders, reasons


def place(client: PullClient, handout: Handout, orders: list[dict[str, Any]]) -> str:
    """Place the orders together; what came of them, in words."""
    if not orders:
        return "no order"
    response = client.post(handout, "orders", {"orders": orders})
    if response.status_code == 400:  # the book refused one: none was placed
        return f"orders refused: {message(response)}"
    response.raise_for_status()
    return f"{len(orders)} order(s) placed"


def trade(client: PullClient, handout: Handout, lots: int) -> str:
    """One session, from reading to closing; its line of output."""
    orders, reasons = choose(client, handout, lots)
    outcome = place(client, handout, orders)
    reasoning = f"{'; '.join(reasons) or 'nothing fell and nothing held rose'} ({outcome})"
    client.post(handout, "close", {"reasoning": reasoning}).raise_for_status()
    return f"{handout['step']} {handout['model']}: {reasoning}"


def run(client: PullClient, lots: int, steps: int | None, idle_seconds: float) -> int:
    """Take and trade sessions until steps were done or none came for idle_seconds; how many."""
    done, last = 0, time.monotonic()
    while steps is None or done < steps:
        handout, wait = client.next_session()
        if handout is None:
            idle = time.monotonic() - last
            if idle >= idle_seconds:
                break
            time.sleep(min(wait, idle_seconds - idle))
            continue
        try:
            print(trade(client, handout, lots), flush=True)
        except (SessionEnded, requests.RequestException) as error:
            print(f"{handout['step']} {handout['model']}: gave up the step: {error}", flush=True)
        done, last = done + 1, time.monotonic()
    return done


def main(argv: list[str] | None = None) -> None:
    """Trade the model's steps as they come."""
    parser = argparse.ArgumentParser(description="A tiny AI-Trader pull agent.")
    parser.add_argument("--url", default="http://localhost:8080", help="the service's URL")
    parser.add_argument("--signature", required=True, help="the model's signature")
    parser.add_argument("--lots", type=int, default=1, help="quantity steps bought per dip")
    parser.add_argument("--steps", type=int, help="stop after this many sessions")
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=DEFAULT_IDLE_SECONDS,
        help="stop after this long without a session",
    )
    args = parser.parse_args(argv)
    token = os.environ.get("AGENT_TOKEN", "")
    if not token:
        sys.exit("pull_agent: set AGENT_TOKEN to the model's token")
    client = PullClient(args.url, args.signature, token)
    done = run(client, args.lots, args.steps, args.idle_seconds)
    print(f"pull_agent: {done} step(s), stopping", flush=True)


if __name__ == "__main__":
    main()
