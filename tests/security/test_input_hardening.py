"""Hostile input to every endpoint: a 4xx JSON message, the database unchanged, nothing leaked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from service import create_app
from service.resources.parsing import MAX_PAGE, NOT_A_JSON_OBJECT
from tests.security import digest, json_body

pytestmark = pytest.mark.security

REPO = str(Path(__file__).resolve().parents[2])
LEAKS = ("Traceback", REPO, 'File "', "SELECT ", "INSERT INTO", "sqlite3", "OperationalError")
SEED = {"start_date": "2025-09-02", "end_date": "2025-09-05"}
SEED_MODELS = ["qqq-buy-and-hold", "mock-llm"]
HOSTILE = {
    "sql-or": "' OR 1=1 --",
    "sql-drop": "x'; DROP TABLE positions; --",
    "long": "A" * 10_000,
    "unicode": "名前\u202e😀",
    "null-byte": "a\x00b",
    "traversal": "../../etc/passwd",
    "format": "%s%n{0}",
}
# A body the service would accept (days nobody ran yet): each case spoils one field of it.
FRESH = {"start_date": "2025-09-08", "end_date": "2025-09-10", "models": ["momentum-20"]}
WRONG_TYPES: dict[str, list[Any]] = {
    "start_date": [20250908, True, {}, ["2025-09-08"]],
    "end_date": [20250910, True, None, {}, ["2025-09-10"]],
    "models": ["momentum-20", {"momentum-20": 1}, [1], [None], [["momentum-20"]], 5],
    "replace_existing": ["maybe", 2, [True], {}, None],
}
BAD_SIGNATURES = ["bad sig", "a/b", "-lead", "é", "x" * 65, "sig;", "<script>", ""]
RANGE = ("model", "start_date", "end_date")
QUERY_PARAMS: dict[str, tuple[str, ...]] = {
    "/jobs": ("status", "page", "page_size"),
    "/results": ("job_id", "date", "detail", "page", "page_size", *RANGE),
    "/portfolio/timeseries": RANGE,
    "/leaderboard": ("date",),
    "/metrics": RANGE,
}
REQUIRED_QUERY = {"/portfolio/timeseries": {"model": "qqq-buy-and-hold"}}
PATH_ROUTES = {"GET": "/simulate/status/{}", "POST": "/simulate/{}/cancel", "DELETE": "/jobs/{}"}
# The OpenAPI document as served (test_openapi_snapshot keeps this copy equal to it).
DOCUMENT = json.loads(
    (Path(__file__).parents[1] / "integration" / "openapi.snapshot.json").read_text("utf-8")
)
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
REQUIRED_VALUES = {
    "model": "qqq-buy-and-hold",
    "job_id": "no-such-job",
    "market": "sse50",
    "signature": "no-such-agent",
    "session_id": "no-such-session",
}
# An agent's operations refuse a call without a token before anything else (401).
SOME_TOKEN = {"Authorization": "Bearer some-token"}
BACKWARDS = {"start_date": "2025-09-05", "end_date": "2025-09-02"}


def document_operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every operation of the document: method, path, operation."""
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, operation


def query_names(operation: dict[str, Any], required: bool = False) -> list[str]:
    """The operation's query parameters (only the required ones if required)."""
    return [
        p["name"]
        for p in operation.get("parameters", [])
        if p["in"] == "query" and (p.get("required") or not required)
    ]


def url_of(path: str, operation: dict[str, Any], **query: str) -> str:
    """A URL of the operation: path parameters and required query arguments filled in."""
    url = re.sub(r"{(\w+)}", lambda match: REQUIRED_VALUES[match[1]], path)
    given = {name: REQUIRED_VALUES[name] for name in query_names(operation, required=True)}
    given.update(query)
    return f"{url}?{urlencode(given)}" if given else url


# Every endpoint: method, URL (with what it requires) and the body it reads (trigger: one that
# is well-formed but refused with 400, so nothing runs).
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    (method, url_of(path, operation), BACKWARDS if "requestBody" in operation else None)
    for method, path, operation in document_operations()
]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    """One app for the module on a database that a small job filled; and that job's id."""
    database = tmp_path_factory.mktemp("hardening") / "trader.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_PATH", str(database))
        app = create_app({"database_path": str(database), "huey_immediate": True})
        app.config["TESTING"] = True
        answer = app.test_client().post("/simulate/trigger", json={**SEED, "models": SEED_MODELS})
        assert answer.status_code == 202, answer.json
        assert all(count for count, _ in digest(database).values()), "every table holds rows"
        yield app, json_body(answer)["job_id"]


@pytest.fixture
def api(seeded: tuple[Flask, str]) -> Iterator[FlaskClient]:
    """A client of the seeded app; the test fails if the request changed any stored row."""
    app, _ = seeded
    database = app.config["SETTINGS"].database_path
    before = digest(database)
    yield app.test_client()
    assert digest(database) == before, "a refused request changed the database"


def assert_refused(response: TestResponse, *names: str) -> str:
    """A 4xx JSON error with a message (naming names on a 422) that leaks nothing."""
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:500]
    body = json_body(response)
    assert isinstance(body, dict) and isinstance(body.get("message"), str), body
    assert body["message"].strip()
    text = response.get_data(as_text=True)
    assert not [leak for leak in LEAKS if leak in text], text[:500]
    if response.status_code == 422:
        assert all(name in body["message"] for name in names), body["message"]
    return str(body["message"])


def hostile_query_cases() -> Iterator[Any]:
    """Every query parameter of every endpoint with every hostile value."""
    for path, params in QUERY_PARAMS.items():
        for param in params:
            for label, value in HOSTILE.items():
                yield pytest.param(path, param, value, id=f"{path}-{param}-{label}")


@pytest.mark.parametrize(("path", "param", "value"), list(hostile_query_cases()))
def test_hostile_query_values_are_refused(
    api: FlaskClient, path: str, param: str, value: str
) -> None:
    query = {**REQUIRED_QUERY.get(path, {}), param: value}
    assert_refused(api.get(path, query_string=query), param)


def page_cases() -> Iterator[Any]:
    """Page numbers and sizes that are not positive integers, or absurdly large."""
    for path in ("/jobs", "/results"):
        for param in ("page", "page_size"):
            for value in ("-1", "0", "abc", "1.5", "", "1e3", "0x10", "99999999999999999999"):
                yield pytest.param(path, param, value, id=f"{path}-{param}-{value}")


@pytest.mark.parametrize(("path", "param", "page"), list(page_cases()))
def test_bad_page_numbers_are_refused(api: FlaskClient, path: str, param: str, page: str) -> None:
    assert_refused(api.get(path, query_string={param: page}), param)


@pytest.mark.parametrize(
    ("path", "param", "values"),
    [
        ("/jobs", "status", ["completed", "failed"]),
        ("/jobs", "page", ["1", "2"]),
        ("/results", "detail", ["full", "minimal"]),
        ("/results", "model", ["qqq-buy-and-hold", "mock-llm"]),
        ("/portfolio/timeseries", "model", ["qqq-buy-and-hold", "mock-llm"]),
        ("/leaderboard", "date", ["2025-09-03", "2025-09-04"]),
        ("/metrics", "model", ["qqq-buy-and-hold", "mock-llm"]),
    ],
)
def test_a_scalar_query_argument_given_twice_is_refused(
    api: FlaskClient, path: str, param: str, values: list[str]
) -> None:
    assert_refused(api.get(path, query_string={param: values}), param)


def hostile_path_cases() -> Iterator[Any]:
    """Every job id in a path, hostile, or the real id with SQL appended."""
    values = {**HOSTILE, "sql-suffix": "{job}' OR '1'='1", "sql-comment": "{job}'; --"}
    for method, route in PATH_ROUTES.items():
        for label, value in values.items():
            yield pytest.param(method, route, value, id=f"{method}-{route}-{label}")


@pytest.mark.parametrize(("method", "route", "value"), list(hostile_path_cases()))
def test_hostile_job_ids_in_the_path_are_refused(
    api: FlaskClient, seeded: tuple[Flask, str], method: str, route: str, value: str
) -> None:
    job_id = value.replace("{job}", seeded[1])
    assert_refused(api.open(route.format(quote(job_id, safe="")), method=method))


def trigger_cases() -> Iterator[Any]:
    """Trigger bodies with one field spoiled, and the field to be named."""
    for field in FRESH:
        for label, value in HOSTILE.items():
            spoiled = [value] if field == "models" else value
            yield pytest.param({**FRESH, field: spoiled}, field, id=f"{field}-{label}")
    for field, values in WRONG_TYPES.items():
        for index, value in enumerate(values):
            yield pytest.param({**FRESH, field: value}, field, id=f"{field}-type-{index}")
    for index, signature in enumerate(BAD_SIGNATURES):
        yield pytest.param({**FRESH, "models": [signature]}, "models", id=f"signature-{index}")
    too_many = [f"model-{number}" for number in range(101)]
    yield pytest.param({**FRESH, "models": too_many}, "models", id="101-models")
    yield pytest.param({**FRESH, "surprise": 1}, "surprise", id="unknown-field")


@pytest.mark.parametrize(("body", "field"), list(trigger_cases()))
def test_hostile_trigger_bodies_are_refused(
    api: FlaskClient, body: dict[str, Any], field: str
) -> None:
    response = api.post("/simulate/trigger", json=body)
    assert response.status_code == 422
    assert_refused(response, field)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        pytest.param(json.dumps(FRESH), "text/plain", id="json-as-text"),
        pytest.param(json.dumps(FRESH), None, id="no-content-type"),
        pytest.param("end_date=2025-09-10", "application/x-www-form-urlencoded", id="form"),
        pytest.param(b"\xff\xfe\x00garbage", "application/octet-stream", id="binary"),
        pytest.param("", "application/json", id="empty"),
        pytest.param('{"end_date": "2025-09-10"', "application/json", id="cut-json"),
        pytest.param(b"\xff\xfe\x00", "application/json", id="not-utf8"),
        pytest.param('["2025-09-10"]', "application/json", id="array"),
        pytest.param("null", "application/json", id="null"),
    ],
)
def test_bodies_that_are_not_a_json_object_are_refused_with_one_422(
    api: FlaskClient, data: str | bytes, content_type: str | None
) -> None:
    response = api.post("/simulate/trigger", data=data, content_type=content_type)
    assert response.status_code == 422
    assert assert_refused(response) == NOT_A_JSON_OBJECT
    assert json_body(response)["errors"] == {"json": [NOT_A_JSON_OBJECT]}


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [pytest.param(m, u, b, id=f"{m} {u}") for m, u, b in ENDPOINTS],
)
def test_unknown_query_arguments_are_refused(
    api: FlaskClient, method: str, url: str, body: dict[str, Any] | None
) -> None:
    separator = "&" if "?" in url else "?"
    response = api.open(
        f"{url}{separator}unexpected=1", method=method, json=body, headers=SOME_TOKEN
    )
    assert response.status_code == 422
    assert_refused(response, "unexpected")


@pytest.mark.parametrize(
    ("method", "url"),
    [pytest.param(m, u, id=f"{m} {u}") for m, u, _ in ENDPOINTS],
)
def test_bodies_over_64_kib_are_refused_with_413(api: FlaskClient, method: str, url: str) -> None:
    padding = json.dumps({**FRESH, "padding": "x" * 64 * 1024})
    response = api.open(url, method=method, data=padding, content_type="application/json")
    assert response.status_code == 413
    assert "exceeds the limit of 65536 bytes" in assert_refused(response)
    assert response.headers["Connection"] == "close"


RANGES = [
    pytest.param(method, path, operation, id=f"{method} {path}")
    for method, path, operation in document_operations()
    if {"start_date", "end_date"} <= set(query_names(operation))
]


def test_every_range_of_the_api_is_checked_here() -> None:
    ranges = {param.id for param in RANGES}
    assert {"GET /results", "GET /portfolio/timeseries", "GET /metrics"} <= ranges


@pytest.mark.parametrize(("method", "path", "operation"), RANGES)
def test_a_start_after_the_end_is_a_400_naming_both_dates(
    api: FlaskClient, method: str, path: str, operation: dict[str, Any]
) -> None:
    response = api.open(url_of(path, operation, **BACKWARDS), method=method)

    assert response.status_code == 400
    message = assert_refused(response)
    assert message == "start_date 2025-09-05 is after end_date 2025-09-02"
    assert json_body(response)["errors"] == {"query": {"start_date": [message]}}


def test_a_trigger_starting_after_its_end_is_the_same_400(api: FlaskClient) -> None:
    response = api.post("/simulate/trigger", json=BACKWARDS)

    assert response.status_code == 400
    assert assert_refused(response) == "start_date 2025-09-05 is after end_date 2025-09-02"


@pytest.mark.parametrize("path", sorted(DOCUMENT["paths"]))
def test_a_method_not_allowed_is_a_405_naming_the_allowed_ones(api: FlaskClient, path: str) -> None:
    documented = {method.upper() for method in DOCUMENT["paths"][path] if method in HTTP_METHODS}
    url = re.sub(r"{(\w+)}", "no-such-job", path)

    response = api.open(url, method="TRACE")

    assert response.status_code == 405
    assert "not allowed" in assert_refused(response)
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    implicit = {"OPTIONS", "HEAD"} if "GET" in documented else {"OPTIONS"}
    assert allowed == documented | implicit


@pytest.mark.parametrize("path", ["/jobs", "/results"])
def test_the_largest_page_is_the_documented_one(api: FlaskClient, path: str) -> None:
    parameters = DOCUMENT["paths"][path]["get"]["parameters"]
    assert [p["schema"]["maximum"] for p in parameters if p["name"] == "page"] == [MAX_PAGE]
    assert api.get(path, query_string={"page": MAX_PAGE}).status_code == 200
    response = api.get(path, query_string={"page": MAX_PAGE + 1})
    assert response.status_code == 422
    assert f"less than or equal to {MAX_PAGE}" in assert_refused(response, "page")


@pytest.mark.parametrize(
    ("target", "method", "url", "body"),
    [
        ("service.resources.jobs.routes.list_jobs", "GET", "/jobs", None),
        ("service.resources.simulate.routes.create_job", "POST", "/simulate/trigger", FRESH),
        ("service.resources.results.routes.end_of_day_results", "GET", "/results", None),
    ],
)
def test_an_unexpected_error_answers_500_json_without_details(
    api: FlaskClient,
    seeded: tuple[Flask, str],
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    method: str,
    url: str,
    body: dict[str, Any] | None,
) -> None:
    def boom(*_: Any, **__: Any) -> None:
        raise RuntimeError("boom /secret/path")

    monkeypatch.setattr(target, boom)
    monkeypatch.setitem(seeded[0].config, "TESTING", False)  # answer instead of propagating
    response = api.open(url, method=method, json=body)
    assert response.status_code == 500
    assert json_body(response)["message"]
    text = response.get_data(as_text=True)
    assert "boom" not in text and "/secret/path" not in text
    assert not [leak for leak in LEAKS if leak in text]
