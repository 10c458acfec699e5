"""API key authentication: writes need the key when API_KEY is set, reads optionally."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from service import create_app
from service.db import connect
from service.jobs.creation import create_job
from service.jobs.planning import JobRequest
from service.market.prices import load_prices
from service.models_config import load_models_config
from service.resources.agents.routes import SECURITY_SCHEMES as AGENT_SCHEMES
from service.resources.auth import carries_agent_token
from service.settings import DEFAULT_CONFIG_PATH, DEFAULT_PRICE_DATA
from tests.markets import nasdaq
from tests.security import digest, json_body

pytestmark = pytest.mark.security

KEY = "k3y-7f3a9c1e5b2d4086"
GOOD = {"bearer": {"Authorization": f"Bearer {KEY}"}, "x-api-key": {"X-API-Key": KEY}}
WRONG: dict[str, tuple[dict[str, str], dict[str, str]]] = {  # headers, query string
    "none": ({}, {}),
    "wrong-bearer": ({"Authorization": "Bearer not-the-key"}, {}),
    "wrong-header": ({"X-API-Key": "not-the-key"}, {}),
    "empty-bearer": ({"Authorization": "Bearer "}, {}),
    "basic-scheme": ({"Authorization": f"Basic {KEY}"}, {}),
    "longer": ({"X-API-Key": f"{KEY}x"}, {}),
    "prefix": ({"X-API-Key": KEY[:-1]}, {}),
    "key-in-url": ({}, {"api_key": KEY}),  # a URL ends up in logs: it is no place for a key
    # A wrong Authorization is not saved by a right X-API-Key sent with it.
    "wrong-bearer-right-header": ({"Authorization": "Bearer not-the-key", "X-API-Key": KEY}, {}),
    "other-scheme-right-header": ({"Authorization": "Token abc", "X-API-Key": KEY}, {}),
}
DONE = {"start_date": "2025-09-02", "end_date": "2025-09-04", "models": ["qqq-buy-and-hold"]}
NEW = {**DONE, "models": ["equal-weight-10"]}
ACCEPTED = {"trigger": 202, "replay": 202, "cancel": 200, "delete": 204}
WRITE_OPERATIONS = {
    "/simulate/trigger": "post",
    "/simulate/{job_id}/replay": "post",
    "/simulate/{job_id}/cancel": "post",
    "/jobs/{job_id}": "delete",
}
OPEN_PATHS = ("/health", "/openapi.json", "/docs", "/docs/assets/swagger-ui.css")
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
Build = Callable[..., FlaskClient]


@pytest.fixture
def build(database_path: Path, monkeypatch: pytest.MonkeyPatch) -> Build:
    """A client of an app on the test database with the given settings; tasks run inline."""

    def client(**overrides: Any) -> FlaskClient:
        app = create_app({"database_path": str(database_path), "huey_immediate": True, **overrides})
        app.config["TESTING"] = True
        return app.test_client()

    return client


@pytest.fixture
def jobs(build: Build, database_path: Path) -> dict[str, str]:
    """A finished job (to delete) and a pending one (to cancel)."""
    done = build(api_key=KEY).post("/simulate/trigger", json=DONE, headers=GOOD["bearer"])
    assert done.status_code == 202, done.json
    request = JobRequest("2025-09-04", "2025-09-02", ["momentum-20"])
    config = load_models_config(DEFAULT_CONFIG_PATH)
    with closing(connect(database_path)) as conn:
        pending = create_job(conn, nasdaq(load_prices(DEFAULT_PRICE_DATA)), config, request, 366)
    return {"done": json_body(done)["job_id"], "pending": pending.job_id}


def write(client: FlaskClient, operation: str, jobs: dict[str, str], **kwargs: Any) -> TestResponse:
    """Trigger a new job, replay the finished one, cancel the pending one or delete the finished
    one."""
    if operation == "trigger":
        return client.post("/simulate/trigger", json=NEW, **kwargs)
    if operation == "replay":
        return client.post(f"/simulate/{jobs['done']}/replay", json={}, **kwargs)
    if operation == "cancel":
        return client.post(f"/simulate/{jobs['pending']}/cancel", **kwargs)
    return client.delete(f"/jobs/{jobs['done']}", **kwargs)


def reads(jobs: dict[str, str]) -> list[str]:
    """A URL of every read endpoint."""
    return [
        f"/simulate/status/{jobs['done']}",
        "/simulate/current",
        "/jobs",
        f"/results?job_id={jobs['done']}&detail=full",
        "/portfolio/timeseries?model=qqq-buy-and-hold",
        "/leaderboard",
        "/metrics",
        "/models",
    ]


def assert_unauthorized(response: TestResponse) -> None:
    """401 with a JSON message that echoes no key."""
    assert response.status_code == 401, response.get_data(as_text=True)
    body = json_body(response)
    assert body["code"] == 401 and "API key" in body["message"]
    assert KEY[:-1] not in response.get_data(as_text=True)
    assert "not-the-key" not in response.get_data(as_text=True)


@pytest.mark.parametrize("operation", list(ACCEPTED))
@pytest.mark.parametrize("credentials", list(WRONG))
def test_writes_without_the_key_are_refused_and_change_nothing(
    build: Build, jobs: dict[str, str], database_path: Path, operation: str, credentials: str
) -> None:
    client = build(api_key=KEY)
    before = digest(database_path)
    headers, query = WRONG[credentials]
    assert_unauthorized(write(client, operation, jobs, headers=headers, query_string=query))
    assert digest(database_path) == before


@pytest.mark.parametrize("operation", list(ACCEPTED))
@pytest.mark.parametrize("style", list(GOOD))
def test_writes_with_the_key_are_accepted(
    build: Build, jobs: dict[str, str], operation: str, style: str
) -> None:
    response = write(build(api_key=KEY), operation, jobs, headers=GOOD[style])
    assert response.status_code == ACCEPTED[operation], response.get_data(as_text=True)


def test_the_key_is_checked_before_the_body(build: Build) -> None:
    response = build(api_key=KEY).post("/simulate/trigger", json={"end_date": "nonsense"})
    assert_unauthorized(response)


@pytest.mark.parametrize(
    ("method", "url", "headers"),
    [
        ("GET", "/jobs/{done}", {"X-HTTP-Method-Override": "DELETE"}),
        ("POST", "/jobs/{done}", {"X-HTTP-Method-Override": "DELETE"}),
        ("POST", "/simulate/trigger/", {}),
        ("POST", "//simulate/trigger", {}),
        ("POST", "/health/../simulate/trigger", {}),
        ("POST", "/docs/../simulate/{pending}/cancel", {}),
        ("HEAD", "/jobs/{done}", {}),
    ],
)
def test_no_detour_around_the_key_writes_anything(
    build: Build, jobs: dict[str, str], database_path: Path, method: str, url: str, headers: Any
) -> None:
    before = digest(database_path)
    response = build(api_key=KEY).open(url.format(**jobs), method=method, json=NEW, headers=headers)
    assert response.status_code in (401, 404, 405, 308), response.status_code
    assert digest(database_path) == before


def test_reads_stay_open_by_default(build: Build, jobs: dict[str, str]) -> None:
    client = build(api_key=KEY)
    for url in reads(jobs) + list(OPEN_PATHS):
        assert client.get(url).status_code == 200, url


def test_read_auth_closes_reads_but_not_health_and_docs(build: Build, jobs: dict[str, str]) -> None:
    client = build(api_key=KEY, api_read_auth=True)
    for url in reads(jobs):
        assert_unauthorized(client.get(url))
        assert_unauthorized(client.get(url, headers=WRONG["wrong-header"][0]))
        for headers in GOOD.values():
            assert client.get(url, headers=headers).status_code == 200, url
    for url in OPEN_PATHS:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("operation", list(ACCEPTED))
def test_without_an_api_key_everything_is_open(
    build: Build, jobs: dict[str, str], operation: str
) -> None:
    client = build(api_key=None, api_read_auth=True)
    assert all(client.get(url).status_code == 200 for url in reads(jobs))
    assert write(client, operation, jobs).status_code == ACCEPTED[operation]


def documented_security(build: Build, **settings: Any) -> dict[str, Any]:
    """Each operation's security requirement (None for none) and whether it declares a 401;
    a pull agent's operations, which carry the agent's own tokens whatever the key, apart."""
    document = json_body(build(**settings).get("/openapi.json"))
    found: dict[str, Any] = {"agents": {}}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in HTTP_METHODS:
                declared = (operation.get("security"), "401" in operation["responses"])
                kept = found["agents"] if carries_agent_token(path) else found
                kept[f"{method} {path}"] = declared
    schemes = dict(document["components"].get("securitySchemes", {}))
    assert {name: schemes.pop(name) for name in AGENT_SCHEMES} == AGENT_SCHEMES
    found["schemes"] = schemes or None
    return found


def assert_agents_carry_their_tokens(agents: dict[str, Any]) -> None:
    """Taking a session needs the agent's token, everything after it the session's."""
    assert agents == {
        operation: ([{"agentToken" if "{signature}" in operation else "sessionToken": []}], True)
        for operation in agents
    }
    assert len(agents) == 7


def test_without_an_api_key_no_security_is_declared(build: Build) -> None:
    found = documented_security(build, api_key=None, api_read_auth=True)

    assert_agents_carry_their_tokens(found.pop("agents"))
    assert found.pop("schemes") is None
    assert set(found.values()) == {(None, False)}


@pytest.mark.parametrize("read_auth", [False, True])
def test_security_is_declared_exactly_where_the_key_is_checked(
    build: Build, read_auth: bool
) -> None:
    found = documented_security(build, api_key=KEY, api_read_auth=read_auth)

    assert_agents_carry_their_tokens(found.pop("agents"))
    schemes = found.pop("schemes")
    assert schemes["bearerAuth"]["type"] == "http" and schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["apiKeyHeader"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    writes = {f"{method} {path}" for path, method in WRITE_OPERATIONS.items()}
    for operation, declared in found.items():
        checked = operation in writes or (read_auth and operation != "get /health")
        secured = ([{"bearerAuth": []}, {"apiKeyHeader": []}], True)
        assert declared == (secured if checked else (None, False)), operation
    assert writes <= set(found)


def test_the_documented_401_is_the_answer_given(build: Build) -> None:
    client = build(api_key=KEY, api_read_auth=True)
    document = json_body(client.get("/openapi.json"))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if carries_agent_token(path):
                continue  # their own tokens: tests/integration/test_pull_agents.py
            if method in HTTP_METHODS and "401" in operation["responses"]:
                url = path.replace("{job_id}", "no-such-job")
                assert_unauthorized(client.open(url, method=method.upper()))
                schema = operation["responses"]["401"]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}
