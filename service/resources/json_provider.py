"""JSON bodies encoded by orjson: about ten times faster than the standard library's encoder.

Encoding a result page or an equity curve took a fifth of the request's CPU time with `json`.
Keys keep the order the schemas declare; a NaN or infinity becomes null, never invalid JSON.
"""

from __future__ import annotations

from typing import Any, cast

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider

OPTIONS = orjson.OPT_NON_STR_KEYS


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider with orjson's encoder; decoding is left to the standard library."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """obj as JSON text; `indent` gives the readable form."""
        return self._encode(obj, readable=bool(kwargs.get("indent"))).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """A JSON response of the arguments (as flask.jsonify takes them)."""
        obj = self._prepare_response_obj(args, kwargs)
        readable = self.compact is False or (self.compact is None and self._app.debug)
        body = self._encode(obj, readable) + b"\n"
        response_class = cast(type[Response], self._app.response_class)
        return response_class(body, mimetype=self.mimetype)

    def _encode(self, obj: Any, readable: bool) -> bytes:
        option = OPTIONS | orjson.OPT_INDENT_2 if readable else OPTIONS
        return orjson.dumps(obj, default=self.default, option=option)
