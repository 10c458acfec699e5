"""Faults from outside: bad price data, a bad models config, a database that cannot be written."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service import create_app
from service.db import connect
from service.market.prices import PriceDataError
from service.models_config import AgentConfig, ModelsConfigError
from tests.integration.conftest import AppFactory, ModelsFile
from tests.security import digest, json_body

pytestmark = pytest.mark.integration

DAYS = ("2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07", "2025-03-10")
LAST = "2025-03-11"
STEADY = {day: ("100", "101") for day in (*DAYS, LAST)}
# BBB: zero prices on day 2, a zero close on day 4, unusable fields on day 6, gone on day 7.
BBB: dict[str, tuple[str | None, str | None]] = {
    DAYS[0]: ("50", "51"),
    DAYS[1]: ("0", "0.0000"),
    DAYS[2]: ("50.00", "52.00"),
    DAYS[3]: ("53", "0"),
    DAYS[4]: ("54", "55"),
    DAYS[5]: ("", None),
}
# Cash 10000 buys 200 BBB at day 3's open of 50; later days value them at the last real close.
EXPECTED_VALUES = [10000.0, 10000.0, 10400.0, 10400.0, 11000.0, 11000.0, 11000.0]
TRIGGER = {"start_date": "2025-09-02", "end_date": "2025-09-30"}


def holder(symbol: str) -> dict[str, Any]:
    """A built-in model that spends its cash on symbol once, then holds it."""
    spec = {"provider": "builtin", "strategy": "buy_and_hold", "params": {"symbols": [symbol]}}
    return {"signature": f"{symbol.lower()}-holder", **spec}


def price_line(symbol: str, days: Mapping[str, tuple[str | None, str | None]]) -> str:
    """A merged.jsonl line; a None field is left out of its bar."""
    series = {
        day: {
            key: value
            for key, value in (("1. buy price", bar[0]), ("4. sell price", bar[1]))
            if value is not None
        }
        | {"5. volume": "1000"}
        for day, bar in days.items()
    }
    return json.dumps({"Meta Data": {"2. Symbol": symbol}, "Time Series (Daily)": series})


@pytest.fixture
def price_file(tmp_path: Path) -> Path:
    """Three steady symbols and BBB, whose data is faulty in every way."""
    path = tmp_path / "merged.jsonl"
    lines = [price_line(symbol, STEADY) for symbol in ("QQQ", "AAA", "CCC")]
    path.write_text("\n".join([*lines, price_line("BBB", BBB)]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "corrupt",
    [
        '{"Meta Data": {"2. Symbol": "BAD"}, "Time Series (Daily)": {',
        '{"Time Series (Daily)": {}}',
        '{"Meta Data": {"2. Symbol": "BAD"}, "Time Series (Daily)": []}',
        '{"Meta Data": {"2. Symbol": "BAD"}, "Time Series (Daily)": {"2025-13-45": {}}}',
        '{"Meta Data": {"2. Symbol": "BAD"}, "Time Series (Daily)": {"2025-03-03": 7}}',
    ],
    ids=["cut-json", "no-symbol", "series-not-object", "bad-date", "bar-not-object"],
)
def test_a_corrupt_price_line_stops_the_start_naming_file_and_line(
    make_app: AppFactory, price_file: Path, corrupt: str
) -> None:
    lines = price_file.read_text(encoding="utf-8").splitlines()
    price_file.write_text("\n".join([*lines[:2], corrupt, *lines[2:]]), encoding="utf-8")

    with pytest.raises(PriceDataError, match=f"^{re.escape(str(price_file))}, line 3: "):
        make_app(price_data=str(price_file))


def test_a_truncated_gzip_stops_the_start(make_app: AppFactory, price_file: Path) -> None:
    packed = gzip.compress(price_file.read_bytes())
    broken = price_file.with_suffix(".jsonl.gz")
    broken.write_bytes(packed[: len(packed) // 2])

    with pytest.raises(PriceDataError, match=f"^{re.escape(str(broken))}: corrupt file"):
        make_app(price_data=str(broken))


def test_gaps_zeros_and_a_vanishing_symbol_are_never_worth_zero(
    make_app: AppFactory,
    models_file: ModelsFile,
    price_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PRICE_DATA", str(price_file))  # the model-day tasks read it too
    models_file.write({"models": [holder("BBB"), holder("QQQ")]})
    client = make_app(config_path=str(models_file.path)).test_client()

    body = {"start_date": DAYS[0], "end_date": LAST, "models": ["bbb-holder", "qqq-holder"]}
    job = json_body(client.post("/simulate/trigger", json=body))

    assert job["status"] == "completed", job
    results = json_body(client.get("/results?model=bbb-holder&detail=full"))
    assert [row["date"] for row in results] == [*DAYS, LAST]
    assert [row["portfolio_value"] for row in results] == EXPECTED_VALUES
    trades = [trade for row in results for trade in row["trades"]]
    assert [(t["action_type"], t["amount"], t["price"]) for t in trades] == [("buy", 200, 50.0)]
    assert results[-1]["holdings"] == {"BBB": 200}


def test_a_missing_models_config_stops_the_start(make_app: AppFactory, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"

    with pytest.raises(
        ModelsConfigError, match=f"^{re.escape(str(missing))}: cannot read models config"
    ):
        make_app(config_path=str(missing))


def spoil(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit that sets one field of the first model, or of agent_config."""

    def edit(config: dict[str, Any]) -> None:
        agent_field = field in {spec.name for spec in dataclasses.fields(AgentConfig)}
        section = config["agent_config"] if agent_field else config["models"][0]
        section[field] = value

    return edit


INVALID_CONFIGS = {
    "provider": (spoil("provider", "skynet"), "models.0.provider"),
    "signature": (spoil("signature", "bad sig"), "models.0.signature"),
    "strategy-params": (spoil("params", {"symbols": "QQQ"}), "models.0.params"),
    "max-steps": (spoil("max_steps", 0), "agent_config.max_steps"),
    "initial-cash": (spoil("initial_cash", "lots"), "agent_config.initial_cash"),
    "no-models": (lambda config: config.pop("models"), "models"),
}


@pytest.mark.parametrize(("edit", "field"), INVALID_CONFIGS.values(), ids=INVALID_CONFIGS)
def test_an_invalid_models_config_stops_the_start_naming_the_field(
    make_app: AppFactory, models_file: ModelsFile, edit: Callable[..., Any], field: str
) -> None:
    config = models_file.read()
    edit(config)
    models_file.write(config)

    with pytest.raises(ModelsConfigError, match=f"^{re.escape(str(models_file.path))}: {field}"):
        make_app(config_path=str(models_file.path))


@pytest.mark.parametrize(("edit", "field"), INVALID_CONFIGS.values(), ids=INVALID_CONFIGS)
def test_a_config_spoiled_after_start_answers_503_naming_the_field(
    custom_app: Flask,
    models_file: ModelsFile,
    database_path: Path,
    edit: Callable[..., Any],
    field: str,
) -> None:
    config = models_file.read()
    edit(config)
    models_file.write(config)
    client = custom_app.test_client()
    before = digest(database_path)

    for response in (client.post("/simulate/trigger", json=TRIGGER), client.get("/models")):
        assert response.status_code == 503
        answer = json_body(response)
        assert answer["code"] == 503 and f": {field}" in answer["message"]
    assert digest(database_path) == before


def read_only(path: str | Path) -> sqlite3.Connection:
    """The database opened read-only, as on a read-only volume."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def full_disk(path: str | Path) -> sqlite3.Connection:
    """The database on a disk with no free page left."""
    conn = connect(path)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    return conn


def fresh_server_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the connections server threads keep, so the next request opens a faulty one."""
    monkeypatch.setattr("service.resources.context._local", threading.local())


FAULTS = {
    "read-only": (read_only, "readonly"),
    "disk-full": (full_disk, "full"),
}


@pytest.fixture
def seeded(make_app: AppFactory) -> FlaskClient:
    """A client of an app whose database already holds a finished job.

    Not pytest-flask's client: its pushed context would keep one connection for every request.
    """
    client = make_app().test_client()
    body = {"start_date": "2025-09-02", "end_date": "2025-09-05", "models": ["momentum-20"]}
    assert client.post("/simulate/trigger", json=body).status_code == 202
    return client


@pytest.mark.parametrize("fault", FAULTS)
def test_an_unwritable_database_answers_503_and_stores_nothing(
    seeded: FlaskClient, database_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    monkeypatch.setattr("service.resources.context.connect", FAULTS[fault][0])
    fresh_server_thread(monkeypatch)
    before = digest(database_path)

    response = seeded.post("/simulate/trigger", json=TRIGGER)

    assert response.status_code == 503
    answer = json_body(response)
    assert answer["code"] == 503 and "nothing was changed" in answer["message"]
    assert digest(database_path) == before
    assert seeded.get("/jobs").status_code == 200  # reads go on


@pytest.mark.parametrize(
    "fault",
    ["read-only", "disk-full"],
)
def test_the_503_message_says_what_is_wrong(
    seeded: FlaskClient, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    connector, words = FAULTS[fault]
    monkeypatch.setattr("service.resources.context.connect", connector)
    fresh_server_thread(monkeypatch)

    assert words in json_body(seeded.post("/simulate/trigger", json=TRIGGER))["message"]


def test_health_is_503_when_the_database_path_is_a_folder(
    make_app: AppFactory, tmp_path: Path
) -> None:
    database = tmp_path / "data" / "trader.db"
    client = make_app(database_path=str(database)).test_client()
    database.unlink()
    database.mkdir()

    response = client.get("/health")

    assert response.status_code == 503
    answer = json_body(response)
    assert answer["status"] == "unavailable" and answer["database"].startswith("error: ")


def test_health_is_503_when_the_database_folder_became_a_file(tmp_path: Path) -> None:
    database = tmp_path / "data" / "trader.db"
    app = create_app({"database_path": str(database)})
    shutil.rmtree(database.parent)
    database.parent.write_text("not a folder", encoding="utf-8")

    response = app.test_client().get("/health")

    assert response.status_code == 503
    assert json_body(response)["status"] == "unavailable"
