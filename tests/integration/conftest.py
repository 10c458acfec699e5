"""Fixtures of the integration tests: apps with overridden settings, the database, shortcuts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from service import create_app
from service.db import connect
from service.jobs.creation import CreatedJob, create_job
from service.jobs.planning import JobRequest
from service.journal import DayRecord
from service.market.catalog import DEFAULT_MARKET
from service.market.prices import PriceData, load_prices
from service.models_config import ModelSpec, load_models_config
from service.portfolio.engine import OrderBook
from service.settings import DEFAULT_CONFIG_PATH, DEFAULT_PRICE_DATA
from service.trading import trade_builtin
from tests.integration.scripted_llm import GPT, AppWith
from tests.markets import nasdaq

AppFactory = Callable[..., Flask]
Trigger = Callable[..., dict[str, Any]]
PendingJob = Callable[..., CreatedJob]
Refuse = Callable[[Any, int, str | None], str]


def payload(response: TestResponse) -> Any:
    """A response's JSON body."""
    return json.loads(response.get_data(as_text=True))


class ModelsFile:
    """A models config in a temporary file, starting as the bundled default, to be edited."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.write(json.loads(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")))

    def read(self) -> dict[str, Any]:
        """The file's current content."""
        data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def write(self, data: dict[str, Any]) -> None:
        """Replace the whole file."""
        self.path.write_text(json.dumps(data, indent=2), encoding="utf-8")

    def update_model(self, signature: str, **changes: Any) -> None:
        """Change some fields of one model's entry."""
        data = self.read()
        for model in data["models"]:
            if model["signature"] == signature:
                model.update(changes)
        self.write(data)

    def update_agent(self, **changes: Any) -> None:
        """Change some fields of agent_config."""
        data = self.read()
        data["agent_config"].update(changes)
        self.write(data)


@pytest.fixture
def make_app(database_path: Path) -> Iterator[AppFactory]:
    """Build an app on the test database with some settings overridden; tasks run inline."""

    def build(**overrides: Any) -> Flask:
        built = create_app(
            {"database_path": str(database_path), "huey_immediate": True, **overrides}
        )
        built.config["TESTING"] = True
        return built

    yield build


@pytest.fixture
def models_file(tmp_path: Path) -> ModelsFile:
    """An editable copy of the default models config."""
    return ModelsFile(tmp_path / "models.json")


@pytest.fixture
def custom_app(make_app: AppFactory, models_file: ModelsFile) -> Flask:
    """An app reading its models config from models_file."""
    return make_app(config_path=str(models_file.path))


@pytest.fixture
def price_data() -> PriceData:
    """The bundled prices (Jun-Oct 2025)."""
    return load_prices(DEFAULT_PRICE_DATA)


@pytest.fixture
def enabled_models(app: Flask) -> list[str]:
    """Signatures of the models a trigger without models runs: the enabled models of the
    default market (nasdaq100) in the app's models config, in config order."""
    config = load_models_config(app.config["SETTINGS"].config_path)
    return [m.signature for m in config.models if m.enabled and m.market == DEFAULT_MARKET]


@pytest.fixture
def db(app: Flask) -> Iterator[sqlite3.Connection]:
    """A connection to the app's results database."""
    with closing(connect(app.config["SETTINGS"].database_path)) as conn:
        yield conn


@pytest.fixture
def trigger(client: FlaskClient) -> Trigger:
    """POST /simulate/trigger with the given body fields; the 202 answer (the job ran inline)."""

    def post(**body: Any) -> dict[str, Any]:
        response = client.post("/simulate/trigger", json=body)
        answer: dict[str, Any] = payload(response)
        assert response.status_code == 202, answer
        return answer

    return post


@pytest.fixture
def refuse(client: FlaskClient, db: sqlite3.Connection) -> Refuse:
    """POST a trigger that must fail with code, naming field (None: none), adding no job."""

    def post(body: Any, code: int, field: str | None) -> str:
        jobs_before = db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
        response = client.post("/simulate/trigger", json=body)
        answer = payload(response)
        assert response.status_code == code, answer
        assert field is None or field in answer["errors"]["json"]
        assert db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == jobs_before
        message: str = answer["message"]
        return message

    return post


@pytest.fixture
def pending_job(app: Flask, db: sqlite3.Connection, price_data: PriceData) -> PendingJob:
    """Create a job in the database without queueing it, so that it stays pending."""

    def create(
        end_date: str, start_date: str | None = None, models: tuple[str, ...] = ()
    ) -> CreatedJob:
        settings = app.config["SETTINGS"]
        request = JobRequest(end_date, start_date, list(models))
        config = load_models_config(settings.config_path)
        return create_job(db, nasdaq(price_data), config, request, settings.max_simulation_days)

    return create


@pytest.fixture
def end_of_day(db: sqlite3.Connection) -> Callable[[str], dict[str, float]]:
    """A model's stored end-of-day portfolio values by date."""

    def values(model: str) -> dict[str, float]:
        rows = db.execute(
            "SELECT date, portfolio_value FROM positions AS p WHERE model = ? AND action_id ="
            " (SELECT MAX(action_id) FROM positions WHERE model = p.model AND date = p.date)"
            " ORDER BY date",
            (model,),
        )
        return {row[0]: row[1] for row in rows}

    return values


class Crashes:
    """Built-in strategies that raise on chosen model-days."""

    def __init__(self) -> None:
        self.targets: set[tuple[str | None, str | None]] = set()

    def on(self, model: str | None = None, day: str | None = None) -> None:
        """Crash this model (None: any) on this day (None: any)."""
        self.targets.add((model, day))

    def trade(self, spec: ModelSpec, book: OrderBook, day_number: int) -> DayRecord:
        """trade_builtin, unless the model-day is a target."""
        model, day = spec.signature, book.view.day
        if {(None, None), (model, None), (None, day), (model, day)} & self.targets:
            raise RuntimeError("strategy crashed")
        return trade_builtin(spec, book, day_number)


@pytest.fixture
def crashes(monkeypatch: pytest.MonkeyPatch) -> Crashes:
    """Control which built-in model-days crash (none until told)."""
    crashing = Crashes()
    # run_model_day's trade_day looks trade_builtin up in service.trading on every call.
    monkeypatch.setattr("service.trading.trade_builtin", crashing.trade)
    return crashing


@pytest.fixture
def app_with(models_file: ModelsFile, make_app: AppFactory) -> AppWith:
    """An app whose config adds the scripted priced model (scripted_llm.GPT), changed by the
    given fields, and agent_config changed by agent_config."""

    def build(agent_config: dict[str, Any] | None = None, **changes: Any) -> Flask:
        data = models_file.read()
        data["models"].append({**GPT, **changes})
        data["agent_config"].update({"base_delay": 0, **(agent_config or {})})
        models_file.write(data)
        return make_app(config_path=str(models_file.path), secrets={"TEST_LLM_KEY": "sk-x"})

    return build
