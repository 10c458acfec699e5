"""Per-model request options of an OpenAI-compatible model: validated, sent exactly as written."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

REASONING_EFFORTS = ("minimal", "low", "medium", "high")
# extra_body may not replace what the client builds itself, nor ask for a streamed answer it
# cannot read; the named options are set by name, so each value has one place in the config.
RESERVED_BODY_KEYS = frozenset({"model", "messages", "tools", "tool_choice", "stream"})
RESERVED_HEADERS = frozenset({"authorization", "content-type"})
MAX_EXTRA_BODY = 16 * 1024
MAX_HEADERS = 20
HEADER_NAME = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$"
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"


class HeaderValueError(RuntimeError):
    """A header that names an environment variable which is not set."""


class _Typed(fields.Field[Any]):
    """A JSON value of exactly the given types, kept as written (1 stays 1, never 1.0)."""

    def __init__(self, types: tuple[type, ...], label: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.types = types
        self.label = label

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        wrong_bool = isinstance(value, bool) and bool not in self.types
        if wrong_bool or not isinstance(value, self.types):
            raise ValidationError(f"Not a valid {self.label}.")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(f"Not a finite {self.label}.")
        return value


class HeaderValue(fields.Field[Any]):
    """A header's text, or {"env": "VAR"}: the value is read from the environment at run time."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            if "\r" in value or "\n" in value or len(value) > 1000:
                raise ValidationError("A header value is one line of at most 1000 characters.")
            return value
        if isinstance(value, dict) and list(value) == ["env"]:
            validate.Regexp(ENV_NAME, error="Not a valid environment variable name.")(value["env"])
            return {"env": value["env"]}
        raise ValidationError('Not a valid header value: a string or {"env": "VARIABLE_NAME"}.')


def _number(**kwargs: Any) -> _Typed:
    return _Typed((int, float), "number", **kwargs)


def _integer(**kwargs: Any) -> _Typed:
    return _Typed((int,), "integer", **kwargs)


class RequestOptionsSchema(Schema):
    """`request_options` of a model; an unknown key is an error (a typo would go unnoticed)."""

    class Meta:
        unknown = RAISE

    temperature = _number(validate=validate.Range(0, 2))
    top_p = _number(validate=validate.Range(0, 1, min_inclusive=False))
    seed = _integer(validate=validate.Range(-(2**63), 2**63 - 1))
    max_tokens = _integer(validate=validate.Range(1, 1_000_000))
    reasoning_effort = fields.String(validate=validate.OneOf(REASONING_EFFORTS))
    parallel_tool_calls = _Typed((bool,), "boolean")
    extra_body = fields.Dict(keys=fields.String())
    extra_headers = fields.Dict(
        keys=fields.String(validate=validate.Regexp(HEADER_NAME, error="Not a valid header name.")),
        values=HeaderValue(),
        validate=validate.Length(max=MAX_HEADERS),
    )

    @validates("extra_body")
    def check_body(self, value: dict[str, Any], **_: Any) -> None:
        """No key the client or a named option owns; small enough to send on every call."""
        clashes = sorted((RESERVED_BODY_KEYS | set(self.fields)) & set(value))
        if clashes:
            owned = ", ".join(clashes)
            raise ValidationError(f"extra_body may not set {owned}: the client or an option does.")
        try:
            text = json.dumps(value, allow_nan=False)
        except ValueError:
            raise ValidationError("extra_body holds a number JSON cannot carry.") from None
        if len(text) > MAX_EXTRA_BODY:
            raise ValidationError(f"extra_body is over {MAX_EXTRA_BODY} bytes of JSON.")

    @validates("extra_headers")
    def check_headers(self, value: dict[str, Any], **_: Any) -> None:
        """The key and the body's type are the client's own headers."""
        clashes = sorted(name for name in value if name.lower() in RESERVED_HEADERS)
        if clashes:
            raise ValidationError(f"extra_headers may not set {', '.join(clashes)}.")


EXTRAS = ("extra_body", "extra_headers")


def body_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """What the options add to the request body: the named options set, then extra_body."""
    named = {key: value for key, value in options.items() if key not in EXTRAS}
    return {**named, **options.get("extra_body", {})}


def resolve_headers(
    options: Mapping[str, Any], secrets: Mapping[str, str]
) -> tuple[dict[str, str], tuple[str, ...]]:
    """The extra headers to send and the values that came from the environment (to hide).

    A header naming an unset variable is an error, not an omitted header: a request without
    it could reach a different account or route without anyone noticing.
    """
    headers: dict[str, str] = {}
    hidden: list[str] = []
    for name, value in options.get("extra_headers", {}).items():
        if isinstance(value, str):
            headers[name] = value
            continue
        secret = secrets.get(value["env"])
        if not secret:
            raise HeaderValueError(f"header {name}: environment variable {value['env']} is not set")
        headers[name] = secret
        hidden.append(secret)
    return headers, tuple(hidden)
