"""Fuzzing /openapi.json on a live gunicorn: no 5xx, and every answer matches its schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.result import Ok

from service.db import connect, init_db
from service.jobs.batch import run_job
from service.jobs.creation import create_job
from service.jobs.planning import JobRequest
from service.market.prices import load_prices
from service.models_config import load_models_config
from service.settings import DEFAULT_CONFIG_PATH, DEFAULT_PRICE_DATA
from tests.e2e.processes import free_port, gunicorn, stop, wait_until_up

pytestmark = pytest.mark.e2e
SEED_MODELS = ["qqq-buy-and-hold", "mock-llm"]
OPERATIONS = [
    "POST /simulate/trigger",
    "GET /simulate/status/{job_id}",
    "GET /simulate/current",
    "POST /simulate/{job_id}/cancel",
    "GET /jobs",
    "DELETE /jobs/{job_id}",
    "GET /results",
    "GET /portfolio/timeseries",
    "GET /leaderboard",
    "GET /metrics",
    "GET /models",
    "GET /health",
]
# Nothing of these requests can be invalid (no body, no query, a free-form path string).
NOTHING_TO_SPOIL = {
    "GET /simulate/status/{job_id}",
    "GET /simulate/current",
    "GET /models",
    "GET /health",
}
CASES = [
    pytest.param(label, mode, id=f"{label} {mode.value}")
    for label in OPERATIONS
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or label not in NOTHING_TO_SPOIL
]
FUZZ_SETTINGS = settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def seed(database: Path) -> str:
    """Store one small completed job in the database, run in this process."""
    prices = load_prices(DEFAULT_PRICE_DATA)
    request = JobRequest("2025-09-05", "2025-09-02", SEED_MODELS)
    with closing(connect(database)) as conn:
        init_db(conn)
        created = create_job(conn, prices, load_models_config(DEFAULT_CONFIG_PATH), request, 366)
    run_job(database, prices, created.job_id, created.first_days)
    return created.job_id


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A gunicorn serving a database that holds one finished job."""
    folder = tmp_path_factory.mktemp("schemathesis")
    seed(folder / "trader.db")
    env = {"DATABASE_PATH": str(folder / "trader.db"), "HUEY_PATH": str(folder / "huey.db")}
    port = free_port()
    web = gunicorn(port, env, folder / "web.log")
    try:
        wait_until_up(f"http://127.0.0.1:{port}", web)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(web)


@pytest.fixture(scope="module")
def api_schema(live_server: str) -> BaseSchema:
    """The service's own OpenAPI document, as the server publishes it."""
    return schemathesis.openapi.from_url(f"{live_server}/openapi.json")


def test_every_operation_is_fuzzed(api_schema: BaseSchema) -> None:
    results = list(api_schema.get_all_operations())
    labels = [result.ok().label for result in results if isinstance(result, Ok)]
    assert len(labels) == len(results), "every operation of the document can be tested"
    assert sorted(labels) == sorted(OPERATIONS)


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_no_5xx_and_every_answer_as_documented(
    api_schema: BaseSchema, label: str, mode: GenerationMode
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Case[Any]) -> None:
        case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

    fuzz()
