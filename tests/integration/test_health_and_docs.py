"""GET /health, the OpenAPI document and Swagger UI served from local assets."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from openapi_schema_validator import OAS30Validator

from service.jobs.states import JobStatus, ModelDayStatus
from service.settings import DEFAULT_PRICE_DATA
from tests.integration.conftest import AppFactory, ModelsFile, Trigger, payload

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
ERROR_CODES = {"400", "401", "404", "409", "413", "422", "503"}
EVERY_REQUEST_MAY_GET = {"413", "422", "503"}
ERROR = {"$ref": "#/components/schemas/Error"}


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


def conforms(spec: dict[str, Any], component: str, value: Any) -> bool:
    """Whether value is valid by a schema component of the document."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": spec["components"]}
    return bool(OAS30Validator(schema).is_valid(value))


def parameter_names(spec: dict[str, Any], path: str, method: str, where: str) -> set[str]:
    """Names of the parameters of an operation in one location, path-level ones included."""
    item = spec["paths"][path]
    declared = item.get("parameters", []) + item[method].get("parameters", [])
    found = [resolve(spec, p["$ref"]) if "$ref" in p else p for p in declared]
    return {p["name"] for p in found if p["in"] == where}


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    """The served OpenAPI document."""
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = payload(response)
    return document


class TestHealth:
    """GET /health."""

    def test_ok_with_the_price_data_range(self, client: FlaskClient, spec: dict[str, Any]) -> None:
        response = client.get("/health")

        assert response.status_code == 200
        body = payload(response)
        assert (body["status"], body["database"], body["hint"]) == ("ok", "ok", None)
        prices = body["price_data"]
        assert (prices["first_day"], prices["last_day"]) == ("2025-06-10", "2025-10-29")
        assert prices["trading_days"] == 99 and prices["symbols"] > 100
        assert body["models_config"] == {"models": 16, "enabled": 14}
        assert conforms(spec, "Health", body)

    def test_a_price_file_that_no_longer_loads_is_reported(
        self, make_app: AppFactory, tmp_path: Path
    ) -> None:
        prices = tmp_path / "prices.jsonl.gz"
        shutil.copy(DEFAULT_PRICE_DATA, prices)
        client = make_app(price_data=str(prices)).test_client()
        prices.write_bytes(b"not gzip at all")

        response = client.get("/health")

        assert response.status_code == 200
        body = payload(response)
        assert body["status"] == "degraded" and body["database"] == "ok"
        assert list(body["price_data"]) == ["error"] and "corrupt" in body["price_data"]["error"]
        assert body["hint"].startswith("the nasdaq100 price data cannot be used: ")
        assert body["models_config"] == {"models": 16, "enabled": 14}
        assert conforms(TestHealth.document(client), "Health", body)

    def test_a_models_config_that_no_longer_loads_is_reported(
        self, custom_app: Any, models_file: ModelsFile
    ) -> None:
        client = custom_app.test_client()
        models_file.path.write_text("{not json", encoding="utf-8")

        response = client.get("/health")

        assert response.status_code == 200
        body = payload(response)
        assert body["status"] == "degraded" and body["price_data"]["trading_days"] == 99
        assert list(body["models_config"]) == ["error"]
        assert body["hint"].startswith("the models config cannot be used: ")
        assert conforms(TestHealth.document(client), "Health", body)

    @staticmethod
    def document(client: FlaskClient) -> dict[str, Any]:
        """The OpenAPI document the client's app serves."""
        answer: dict[str, Any] = payload(client.get("/openapi.json"))
        return answer


class TestOpenApi:
    """GET /openapi.json is a well-formed OpenAPI 3 document covering every route."""

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
        assert set(body["properties"]) == {
            "start_date",
            "end_date",
            "models",
            "market",
            "replace_existing",
            "max_cost_usd",
            "repeats",
            "windows",
        }
        assert body["required"] == ["end_date"]

    def test_results_documents_filters_and_pagination(self, spec: dict[str, Any]) -> None:
        names = parameter_names(spec, "/results", "get", "query")

        assert {"job_id", "model", "date", "start_date", "end_date", "page", "page_size"} <= names
        assert "X-Pagination" in spec["paths"]["/results"]["get"]["responses"]["200"]["headers"]


class TestOpenApiForClients:
    """What a generated client needs: typed errors, named enums, honest headers, links."""

    def test_every_error_answer_has_the_error_schema(self, spec: dict[str, Any]) -> None:
        for path, method, operation in operations(spec):
            codes = set(operation["responses"]) & ERROR_CODES
            assert EVERY_REQUEST_MAY_GET <= codes, (method, path)
            for code in codes:
                answer = operation["responses"][code]
                answer = resolve(spec, answer["$ref"]) if "$ref" in answer else answer
                schema = answer["content"]["application/json"]["schema"]
                own = (path, code) == ("/health", "503")
                assert schema == ({"$ref": "#/components/schemas/Health"} if own else ERROR)

    @pytest.mark.parametrize(
        ("component", "values"),
        [("JobStatus", list(JobStatus)), ("ModelDayStatus", list(ModelDayStatus))],
    )
    def test_statuses_are_named_enums(
        self, spec: dict[str, Any], component: str, values: list[str]
    ) -> None:
        enum = spec["components"]["schemas"][component]
        assert (enum["type"], enum["enum"]) == ("string", values)

    def test_status_fields_refer_to_the_enums(self, spec: dict[str, Any]) -> None:
        schemas = spec["components"]["schemas"]
        job_status = {"$ref": "#/components/schemas/JobStatus"}
        for name in ("Job", "JobDetail", "TriggerResponse", "CancelResponse"):
            assert schemas[name]["properties"]["status"] == job_status, name
        day_status = {"$ref": "#/components/schemas/ModelDayStatus"}
        assert schemas["ModelDay"]["properties"]["status"] == day_status
        status = [p for p in spec["paths"]["/jobs"]["get"]["parameters"] if p["name"] == "status"]
        assert [p["schema"] for p in status] == [job_status]

    def test_no_inline_enum_takes_a_component_name(self, spec: dict[str, Any]) -> None:
        """A generator names an inline enum after its model and property, e.g. JobStatus."""
        schemas = spec["components"]["schemas"]
        for name, schema in schemas.items():
            for prop, definition in schema.get("properties", {}).items():
                if "enum" in definition:
                    derived = name + "".join(part.title() for part in prop.split("_"))
                    assert derived not in schemas, (name, prop)

    def test_the_leaderboard_benchmark_is_a_plain_reference(self, spec: dict[str, Any]) -> None:
        benchmark = spec["components"]["schemas"]["Leaderboard"]["properties"]["benchmark"]
        assert benchmark == {"$ref": "#/components/schemas/Benchmark"}

    def test_x_pagination_is_documented_as_json_text(
        self, client: FlaskClient, trigger: Trigger, spec: dict[str, Any]
    ) -> None:
        trigger(models=["momentum-20"], start_date="2025-09-02", end_date="2025-09-05")
        for path in ("/jobs", "/results"):
            header = spec["paths"][path]["get"]["responses"]["200"]["headers"]["X-Pagination"]
            header = resolve(spec, header["$ref"])
            assert "schema" not in header
            schema = header["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/PaginationMetadata"}
            sent = json.loads(
                client.get(path, query_string={"page_size": 1}).headers["X-Pagination"]
            )
            assert conforms(spec, "PaginationMetadata", sent) and sent["total"] >= 1, sent

    @pytest.mark.parametrize("operation", ["/simulate/trigger", "/simulate/{job_id}/replay"])
    def test_a_new_job_links_to_status_cancel_replay_and_delete(
        self, spec: dict[str, Any], operation: str
    ) -> None:
        links = spec["paths"][operation]["post"]["responses"]["202"]["links"]
        targets = set()
        for link in links.values():
            assert link["parameters"] == {"job_id": "$response.body#/job_id"}
            path, _, method = link["operationRef"].removeprefix("#/paths/").rpartition("/")
            path = path.replace("~1", "/").replace("~0", "~")
            assert "job_id" in parameter_names(spec, path, method, "path")
            targets.add((method, path))
        assert targets == {
            ("get", "/simulate/status/{job_id}"),
            ("post", "/simulate/{job_id}/cancel"),
            ("post", "/simulate/{job_id}/replay"),
            ("delete", "/jobs/{job_id}"),
        }
        assert "job_id" in spec["components"]["schemas"]["TriggerResponse"]["properties"]


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
