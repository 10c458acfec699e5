"""How requests are read: strict query arguments, JSON object bodies, bounded pages."""

from __future__ import annotations

import functools
import json
from typing import Any

import flask
from flask_smorest.pagination import PaginationParameters
from marshmallow import Schema, ValidationError, fields, validate
from webargs.core import is_json
from webargs.flaskparser import FlaskParser

from service.resources.errors import fail
from service.resources.schemas import Contradiction

# The largest page whose offset still fits an SQLite integer with the largest page size.
MAX_PAGE = 1_000_000
NOT_A_JSON_OBJECT = "a JSON object is expected as the body, sent as Content-Type: application/json"


class StrictParser(FlaskParser):
    """Unknown or repeated query arguments are refused; a body must be a JSON object."""

    # webargs excludes unknown query arguments by default; our schemas say RAISE instead.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None}

    def parse(self, argmap: Any, *args: Any, **kwargs: Any) -> Any:
        """Parse; well-formed arguments that contradict each other are a 400, not a 422."""
        try:
            return super().parse(argmap, *args, **kwargs)
        except Contradiction as error:
            fail(400, str(error), error.field, kwargs.get("location") or "json")

    def load_querystring(self, req: flask.Request, schema: Schema) -> Any:
        """The query arguments; `?detail=full&detail=minimal` is an error, not a guess."""
        proxy = super().load_querystring(req, schema)
        repeated = {
            key: ["given more than once"]
            for key in req.args
            if key not in proxy.multiple_keys and len(req.args.getlist(key)) > 1
        }
        if repeated:
            raise ValidationError(repeated)
        return proxy

    def load_json(self, req: flask.Request, schema: Schema) -> Any:
        """The body as a JSON object; anything else (not JSON, a form, an array) is a 422."""
        body = None
        if is_json(req.mimetype):
            try:
                body = json.loads(req.get_data(cache=True))
            except ValueError:  # not JSON, or not UTF-8
                body = None
        if not isinstance(body, dict):
            raise ValidationError([NOT_A_JSON_OBJECT])
        return body


@functools.cache
def bounded(schema: type[Schema]) -> type[Schema]:
    """flask-smorest's pagination schema with page at most MAX_PAGE, as documented."""
    default = schema._declared_fields["page"].load_default
    page = fields.Integer(load_default=default, validate=validate.Range(min=1, max=MAX_PAGE))
    return type(schema.__name__, (schema,), {"page": page})


class PaginationParser(StrictParser):
    """page and page_size, with page bounded so that its offset fits an SQLite integer."""

    DEFAULT_UNKNOWN_BY_LOCATION = FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION

    def __init__(self) -> None:
        super().__init__()
        self._schemas: dict[type[Schema], Schema] = {}

    def parse(self, argmap: Any, *args: Any, **kwargs: Any) -> PaginationParameters:
        """Parse with the bounded schema; one instance of it serves every request."""
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            if argmap not in self._schemas:
                self._schemas[argmap] = bounded(argmap)()
            argmap = self._schemas[argmap]
        return super().parse(argmap, *args, **kwargs)
