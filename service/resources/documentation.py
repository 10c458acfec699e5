"""What the OpenAPI document says of every operation without its view saying it.

Each operation declares the errors every request can meet (401 where a key is checked, 413,
422, 503) in the Error schema, as well as the ones its view declares; enums are named
components; the pagination header is documented as the JSON text it is.
"""

from __future__ import annotations

import enum
import inspect
from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.openapi import OpenAPIConverter
from flask_smorest.error_handler import ErrorSchema
from marshmallow import fields

from service.resources.auth import SECURITY, key_required
from service.settings import Settings

JSON = "application/json"
UNAUTHORIZED = "API_KEY is set and the request has no valid key"
UNAVAILABLE = "The database, the models config or the price data cannot be used right now"
MALFORMED = "Malformed input: the message names the field"
PAGINATION_HEADER = {
    "description": (
        "JSON text of the page's position: total, total_pages, first_page, last_page, page,"
        " previous_page, next_page (the last four only when they exist)"
    ),
    "content": {JSON: {"schema": {"$ref": "#/components/schemas/PaginationMetadata"}}},
}


def too_large(limit: int) -> str:
    """The 413 answer's description for a body limit in bytes."""
    return f"The body is over {limit // 1024} KiB"


def document_conventions(
    doc: dict[str, Any], config: Settings, method: str, path: str, body_limit: int
) -> dict[str, Any]:
    """An operation's documentation with the framework's answers and security added."""
    responses: dict[Any, Any] = doc.setdefault("responses", {})
    if key_required(config, method.upper(), path):
        doc["security"] = SECURITY
        responses.setdefault(401, {"description": UNAUTHORIZED})
    responses.setdefault(413, {"description": too_large(body_limit)})
    if not any(str(code) == "422" for code in responses):
        responses[422] = {"description": MALFORMED}
    responses.setdefault(503, {"description": UNAVAILABLE})
    for code, response in responses.items():
        if str(code).isdigit() and int(code) >= 400 and isinstance(response, dict):
            response.setdefault("content", {JSON: {"schema": ErrorSchema}})
    doc["responses"] = dict(sorted(responses.items(), key=lambda item: str(item[0])))
    return doc


class NamedEnumConverter(OpenAPIConverter):
    """An Enum field refers to a schema component named after its enum class.

    A generated client then has one class per enum, not one per property that uses it.
    """

    def field2property(self, field: fields.Field[Any]) -> dict[str, Any]:
        """The property of a field; a $ref for an Enum field."""
        if isinstance(field, fields.Enum):
            return {"$ref": f"#/components/schemas/{self._enum_component(field)}"}
        properties: dict[str, Any] = super().field2property(field)
        return properties

    def _enum_component(self, field: fields.Enum[Any]) -> str:
        members: type[enum.Enum] = field.enum
        name = members.__name__
        if name not in self.spec.components.schemas:
            values = [m.value for m in members] if field.by_value else list(members.__members__)
            description = " ".join((inspect.getdoc(members) or "").split())
            component = {"type": "string", "enum": values, "description": description}
            self.spec.components.schema(name, component)
        return name


class ServiceMarshmallowPlugin(MarshmallowPlugin):
    """apispec's marshmallow plugin with named enums."""

    Converter = NamedEnumConverter
