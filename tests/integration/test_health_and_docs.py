"""GET /health, the OpenAPI document and Swagger UI served from local assets."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.integration.conftest import AppFactory, payload

pytestmark = pytest.mark.integration

ROUTES = {
    "/simulate/trigger": "post",
    "/simulate/status/{job_id}": "get",
    "/simulate/current": "get",
    "/simulate/{job_id}/cancel": "post",
    "/results": "get",
    "/leaderboard": "get",
    "/health": "get",
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def refs(node: Any) -> list[str]:
    """Every $ref in a JSON document."""
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def resolve(spec: dict[str, Any], ref: str) -> Any:
    """The node a local $ref points to (KeyError when it points nowhere)."""
    assert ref.startswith("#/"), ref
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of every operation."""
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def parameter_names(spec: dict[str, Any], path: str, method: str, where: str) -> set[str]:
    """Names of the parameters of an operation in one location, path-level ones included."""
    item = spec["paths"][path]
    declared = item.get("parameters", []) + item[method].get("parameters", [])
    found = [resolve(spec, p["$ref"]) if "$ref" in p else p for p in declared]
    return {p["name"] for p in found if p["in"] == where}


class TestHealth:
    """GET /health."""

    def test_ok_with_the_price_data_range(self, client: FlaskClient) -> None:
        response = client.get("/health")

        assert response.status_code == 200
        body = payload(response)
        assert (body["status"], body["database"]) == ("ok", "ok")
        prices = body["price_data"]
        assert (prices["first_day"], prices["last_day"]) == ("2025-06-10", "2025-10-29")
        assert prices["trading_days"] == 99 and prices["symbols"] > 100


class TestOpenApi:
    """GET /openapi.json is a well-formed OpenAPI 3 document covering every route."""

    @pytest.fixture
    def spec(self, client: FlaskClient) -> dict[str, Any]:
        response = client.get("/openapi.json")
        assert response.status_code == 200
        document: dict[str, Any] = payload(response)
        return document

    def test_header(self, spec: dict[str, Any]) -> None:
        assert re.fullmatch(r"3\.\d+\.\d+", spec["openapi"])
        assert spec["info"]["title"] == "AI-Trader Service" and spec["info"]["version"]

    @pytest.mark.parametrize(("path", "method"), sorted(ROUTES.items()))
    def test_route_is_documented(self, spec: dict[str, Any], path: str, method: str) -> None:
        operation = spec["paths"][path][method]

        assert operation["summary"] and operation["responses"]
        assert parameter_names(spec, path, method, "path") == set(re.findall(r"{(\w+)}", path))

    def test_every_operation_is_well_formed(self, spec: dict[str, Any]) -> None:
        for path, method, operation in operations(spec):
            for code, response in operation["responses"].items():
                assert code == "default" or re.fullmatch(r"[1-5]\d\d", code), (path, code)
                answer = resolve(spec, response["$ref"]) if "$ref" in response else response
                assert answer["description"], (path, method, code)
            names = set(re.findall(r"{(\w+)}", path))
            assert parameter_names(spec, path, method, "path") == names, (path, method)

    def test_every_reference_resolves(self, spec: dict[str, Any]) -> None:
        for ref in refs(spec):
            assert resolve(spec, ref) is not None

    def test_trigger_documents_its_answers_and_body(self, spec: dict[str, Any]) -> None:
        operation = spec["paths"]["/simulate/trigger"]["post"]

        assert {"202", "400", "409", "422"} <= set(operation["responses"])
        body = resolve(
            spec, operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        )
        assert set(body["properties"]) == {"start_date", "end_date", "models", "replace_existing"}
        assert body["required"] == ["end_date"]

    def test_results_documents_filters_and_pagination(self, spec: dict[str, Any]) -> None:
        names = parameter_names(spec, "/results", "get", "query")

        assert {"job_id", "model", "date", "start_date", "end_date", "page", "page_size"} <= names
        assert "X-Pagination" in spec["paths"]["/results"]["get"]["responses"]["200"]["headers"]


class TestSwaggerUi:
    """GET /docs serves Swagger UI from this service, never from a CDN."""

    def test_page_uses_local_assets(self, client: FlaskClient) -> None:
        response = client.get("/docs")

        assert response.status_code == 200 and response.mimetype == "text/html"
        page = response.text
        assert 'src="/docs/assets/swagger-ui-bundle.js"' in page
        assert 'href="/docs/assets/swagger-ui.css"' in page
        assert '"/openapi.json"' in page
        assert not re.search(r"(src|href)=\"(https?:)?//", page)
        assert not re.search(r"cdn|unpkg|jsdelivr|cloudflare", page, re.IGNORECASE)

    @pytest.mark.parametrize(
        ("asset", "mimetype"),
        [("swagger-ui-bundle.js", "javascript"), ("swagger-ui.css", "text/css")],
    )
    def test_assets_are_served(self, client: FlaskClient, asset: str, mimetype: str) -> None:
        response = client.get(f"/docs/assets/{asset}")

        assert response.status_code == 200
        assert mimetype in response.content_type and len(response.data) > 1000

    @pytest.mark.parametrize("asset", ["missing.js", "../__init__.py", "%2e%2e/__init__.py"])
    def test_nothing_else_is_served(self, client: FlaskClient, asset: str) -> None:
        assert client.get(f"/docs/assets/{asset}").status_code == 404


@pytest.mark.parametrize("path", ["/health", "/openapi.json", "/docs"])
def test_open_when_an_api_key_is_set(make_app: AppFactory, path: str) -> None:
    client = make_app(api_key="s3cret").test_client()

    assert client.get(path).status_code == 200
    assert client.post("/simulate/trigger", json={"end_date": "2025-09-05"}).status_code == 401
