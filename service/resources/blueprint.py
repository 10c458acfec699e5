"""The Blueprint every resource uses: strict query arguments and bounded pagination."""

from __future__ import annotations

from typing import Any

import flask
import flask_smorest
from flask_smorest.pagination import PaginationParameters
from marshmallow import RAISE, Schema, ValidationError
from webargs.flaskparser import FlaskParser

# The largest page whose offset still fits an SQLite integer with the largest page size.
MAX_PAGE = 1_000_000


class StrictParser(FlaskParser):
    """Unknown query arguments are refused, and so is a single-valued one given twice."""

    # webargs excludes unknown query arguments by default; our schemas say RAISE instead.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None}

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


class PaginationParser(StrictParser):
    """page and page_size, with page bounded so that its offset fits an SQLite integer."""

    DEFAULT_UNKNOWN_BY_LOCATION = FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        """Parse, then refuse a page beyond MAX_PAGE."""
        params = super().parse(*args, **kwargs)
        if isinstance(params, PaginationParameters) and params.page > MAX_PAGE:
            message = f"Must be at most {MAX_PAGE}."
            flask_smorest.abort(422, errors={"query": {"page": [message]}})
        return params


class NoQueryArgsSchema(Schema):
    """For operations that take no query arguments: any one given is an error."""

    class Meta:
        unknown = RAISE


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    """The Blueprint every resource uses."""

    ARGUMENTS_PARSER = StrictParser()
    PAGINATION_ARGUMENTS_PARSER = PaginationParser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 100, "max_page_size": 1000}
