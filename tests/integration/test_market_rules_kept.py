"""Every built-in strategy and the mock LLM, run on the bundled data of each market, keep its
rules in every stored order: lots of 100 and T+1 on SSE-50, steps of 0.0001 coin on Crypto-10,
whole shares on NASDAQ-100; cash and holdings never go negative."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service import create_app
from service.db import connect
from tests.integration.conftest import ModelsFile, payload

pytestmark = pytest.mark.integration

RANGES = {
    "nasdaq100": ("2025-08-01", "2025-10-29"),
    "sse50": ("2025-10-09", "2025-11-18"),
    "crypto10": ("2025-08-01", "2025-11-15"),
}
STRATEGIES: list[tuple[str, str | None, dict[str, Any]]] = [
    ("momentum", "momentum", {"lookback": 5, "top_k": 4, "rebalance_days": 2}),
    ("equal", "equal_weight", {"top_n": 8, "rebalance_days": 3}),
    ("hold", "buy_and_hold", {}),
    ("random", "random", {"seed": 7, "max_orders": 6}),
    ("mock", None, {}),
]


def models_of(market: str) -> list[dict[str, Any]]:
    """One model of each strategy, and the mock LLM, on market."""
    return [
        {
            "signature": f"{market}-{name}",
            "provider": "mock" if strategy is None else "builtin",
            **({"strategy": strategy, "params": params} if strategy else {"basemodel": "mock"}),
            "market": market,
        }
        for name, strategy, params in STRATEGIES
    ]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    """A database with every market's models run over its range."""
    folder = tmp_path_factory.mktemp("rules")
    models = ModelsFile(folder / "models.json")
    models.write({"models": [m for market in RANGES for m in models_of(market)]})
    client = make(folder, models).test_client()
    for market, (start, end) in RANGES.items():
        body = {"market": market, "start_date": start, "end_date": end}
        response = client.post("/simulate/trigger", json=body)
        assert response.status_code == 202, payload(response)
        assert payload(response)["status"] == "completed", payload(response)
    return connect(folder / "trader.db")


def make(folder: Path, models: ModelsFile) -> Flask:
    """An app on folder's database and models file, running model-days inline."""
    return create_app(
        {
            "database_path": str(folder / "trader.db"),
            "config_path": str(models.path),
            "huey_immediate": True,
        }
    )


def orders(conn: sqlite3.Connection, market: str) -> list[sqlite3.Row]:
    """Every filled order of the market's models, in the order they were made."""
    return conn.execute(
        "SELECT model, date, action_id, action_type, symbol, amount, cash FROM positions"
        " WHERE market = ? AND action_type IN ('buy', 'sell') ORDER BY model, date, action_id",
        (market,),
    ).fetchall()


def start_of_day_holdings(conn: sqlite3.Connection, market: str) -> dict[tuple[str, str], Any]:
    """(model, day) -> holdings at the previous stored day's end."""
    rows = conn.execute(
        "SELECT p.model, p.date, h.symbol, h.quantity FROM positions AS p"
        " LEFT JOIN holdings AS h ON h.position_id = p.id"
        " WHERE p.market = ? AND p.action_id = (SELECT MAX(action_id) FROM positions"
        " WHERE model = p.model AND date = p.date) ORDER BY p.model, p.date",
        (market,),
    ).fetchall()
    end: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for model, day, symbol, quantity in rows:
        end[(model, day)]
        if symbol is not None:
            end[(model, day)][symbol] = quantity
    before: dict[tuple[str, str], Any] = {}
    previous: dict[str, dict[str, float]] = {}
    for model, day in sorted(end):
        before[(model, day)] = previous.get(model, {})
        previous[model] = end[(model, day)]
    return before


def test_every_model_traded_on_every_market(stored: sqlite3.Connection) -> None:
    for market in RANGES:
        traded = {row["model"] for row in orders(stored, market)}
        assert traded == {f"{market}-{name}" for name, _, _ in STRATEGIES}, market


def test_cash_and_holdings_never_go_negative(stored: sqlite3.Connection) -> None:
    assert stored.execute("SELECT MIN(cash) FROM positions").fetchone()[0] >= -1e-9
    assert stored.execute("SELECT MIN(quantity) FROM holdings").fetchone()[0] > 0


def test_sse50_orders_are_lots_and_settle_t_plus_one(stored: sqlite3.Connection) -> None:
    held = start_of_day_holdings(stored, "sse50")
    sold: dict[tuple[str, str, str], float] = defaultdict(float)
    for row in orders(stored, "sse50"):
        if row["action_type"] == "buy":
            assert row["amount"] % 100 == 0, dict(row)
            continue
        owned = held[(row["model"], row["date"])].get(row["symbol"], 0)
        key = (row["model"], row["date"], row["symbol"])
        sold[key] += row["amount"]
        # Only what was held at the start of the day can be sold: no same-day resale.
        assert sold[key] <= owned, dict(row)
        assert row["amount"] % 100 == 0 or sold[key] == owned, dict(row)


def test_crypto10_quantities_are_on_the_step(stored: sqlite3.Connection) -> None:
    amounts = [row["amount"] for row in orders(stored, "crypto10")]
    assert any(not float(amount).is_integer() for amount in amounts)
    assert all(abs(amount * 10_000 - round(amount * 10_000)) < 1e-6 for amount in amounts)


def test_nasdaq100_orders_are_whole_shares(stored: sqlite3.Connection) -> None:
    assert all(float(row["amount"]).is_integer() for row in orders(stored, "nasdaq100"))


def test_each_timeline_is_on_its_models_market(stored: sqlite3.Connection) -> None:
    pairs = stored.execute("SELECT DISTINCT market, model FROM positions").fetchall()
    assert len(pairs) == len(RANGES) * len(STRATEGIES)
    assert all(model.startswith(f"{market}-") for market, model in pairs)
