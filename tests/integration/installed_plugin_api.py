"""The example plugin through the API: collected only by test_strategy_plugins.py, which runs it
in a fresh interpreter where the plugin's entry point is visible (the models config's schema
reads the strategies once, on import)."""

from __future__ import annotations

from flask import Flask

from service.strategies import STRATEGIES
from tests.integration.conftest import AppFactory, ModelsFile, payload

MODEL = {
    "signature": "contrarian-3",
    "name": "Contrarian, 5-day losers, top 3",
    "provider": "builtin",
    "strategy": "contrarian",
    "params": {"lookback": 5, "top_k": 3, "rebalance_days": 5},
}


def plugin_app(models_file: ModelsFile, make_app: AppFactory) -> Flask:
    """An app whose models config adds the plugin's model."""
    data = models_file.read()
    data["models"].append(MODEL)
    models_file.write(data)
    return make_app(config_path=str(models_file.path))


def test_the_plugin_is_found() -> None:
    assert "contrarian" in STRATEGIES and "momentum" in STRATEGIES


def test_listed_in_models_and_trades(models_file: ModelsFile, make_app: AppFactory) -> None:
    client = plugin_app(models_file, make_app).test_client()

    models = {model["signature"]: model for model in payload(client.get("/models"))}
    assert models["contrarian-3"]["strategy"] == "contrarian"
    assert models["contrarian-3"]["params"] == MODEL["params"]

    body = {"models": ["contrarian-3"], "start_date": "2025-09-02", "end_date": "2025-09-12"}
    response = client.post("/simulate/trigger", json=body)
    assert response.status_code == 202, payload(response)
    assert payload(response)["status"] == "completed"

    query = {"model": "contrarian-3", "detail": "full", "page_size": 100}
    items = payload(client.get("/results", query_string=query))
    assert [item["date"] for item in items][:1] == ["2025-09-02"] and len(items) == 9
    traded = [item["date"] for item in items if item["trades"]]
    assert traded == ["2025-09-03", "2025-09-10"]  # steps 1 and 6 after registration (09-02)
    assert all(len(item["holdings"]) == 3 for item in items[1:])
