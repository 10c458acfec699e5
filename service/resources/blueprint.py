"""The Blueprint every resource uses: strict query arguments and bounded pagination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import flask
import flask_smorest
from flask_smorest.pagination import PaginationParameters
from marshmallow import RAISE, Schema, ValidationError
from webargs.flaskparser import FlaskParser

from service.resources.response_cache import NOT_MODIFIED, FileSource, cached_answer

View = TypeVar("View", bound=Callable[..., Any])
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

    def __init__(self) -> None:
        super().__init__()
        self._schemas: dict[type[Schema], Schema] = {}

    def parse(self, argmap: Any, *args: Any, **kwargs: Any) -> Any:
        """Parse, then refuse a page beyond MAX_PAGE."""
        # flask-smorest passes a schema class; one instance serves every request.
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            if argmap not in self._schemas:
                self._schemas[argmap] = argmap()
            argmap = self._schemas[argmap]
        params = super().parse(argmap, *args, **kwargs)
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

    def cached(self, *files: FileSource) -> Callable[[View], View]:
        """Answers kept until the database or these files change, with ETags (outermost)."""

        def decorate(view: View) -> View:
            documented = cast(View, self.alt_response(304, description=NOT_MODIFIED)(view))
            return cached_answer(*files)(documented)

        return decorate

    @staticmethod
    def _make_pagination_metadata(page: int, page_size: int, item_count: int) -> dict[str, int]:
        """The X-Pagination header's content, as flask-smorest builds it but without a schema."""
        metadata = {"total": item_count, "total_pages": 0}
        if item_count == 0:
            return metadata
        last_page = (item_count - 1) // page_size + 1
        metadata.update(total_pages=last_page, first_page=1, last_page=last_page)
        if page <= last_page:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < last_page:
                metadata["next_page"] = page + 1
        return metadata
