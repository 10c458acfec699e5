"""Every error answer goes through flask-smorest's abort, so all share one JSON shape."""

from __future__ import annotations

from typing import NoReturn

from flask_smorest import abort


def fail(code: int, message: str, field: str | None = None, location: str = "json") -> NoReturn:
    """Answer with an error: {code, status, message, errors?}; errors names the field."""
    if field:
        abort(code, message=message, errors={location: {field: [message]}})
    abort(code, message=message)
    raise AssertionError("abort returned")  # pragma: no cover - abort always raises
