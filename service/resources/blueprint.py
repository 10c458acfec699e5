"""The Blueprint every resource uses: the API's conventions applied to each of its operations.

Query arguments are strict on every operation (one that reads none refuses any), pages are
bounded, and the documentation of each operation gets the answers and security that the
framework, not the view, decides (see service.resources.documentation).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import flask
import flask_smorest
from flask.views import MethodView
from marshmallow import Schema

from service.resources.documentation import document_conventions
from service.resources.parsing import PaginationParser, StrictParser, bounded
from service.resources.response_cache import NOT_MODIFIED, cached_answer
from service.resources.schemas import NoQueryArgsSchema, QueryArgsSchema

View = TypeVar("View", bound=Callable[..., Any])


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    """The Blueprint every resource uses."""

    ARGUMENTS_PARSER = StrictParser()
    PAGINATION_ARGUMENTS_PARSER = PaginationParser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 100, "max_page_size": 1000}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_conventions_doc)

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Any = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register a view; its methods that read no query arguments refuse any."""
        if isinstance(view_func, type) and issubclass(view_func, MethodView):
            for method in view_func.methods or ():
                name = method.lower()
                setattr(view_func, name, self._strict_query(getattr(view_func, name)))
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)

    def _strict_query(self, view: View) -> View:
        doc = getattr(view, "_apidoc", {})
        if any(p["in"] == "query" for p in doc.get("arguments", {}).get("parameters", [])):
            return view
        # page and page_size are read by the pagination decorator.
        schema: Schema = QueryArgsSchema() if "pagination" in doc else NoQueryArgsSchema()

        @functools.wraps(view)
        def refusing(*args: Any, **kwargs: Any) -> Any:
            self.ARGUMENTS_PARSER.parse(schema, flask.request, location="query")
            return view(*args, **kwargs)

        return cast(View, refusing)

    def paginate(self, *args: Any, **kwargs: Any) -> Callable[[View], View]:
        """flask-smorest's pagination, documenting the bound on page that is enforced."""
        paginate = super().paginate(*args, **kwargs)

        def decorate(view: View) -> View:
            paginated = paginate(view)
            parameters = paginated._apidoc["pagination"]["parameters"]
            parameters["schema"] = bounded(parameters["schema"])
            return cast(View, paginated)

        return decorate

    def cached(self, view: View) -> View:
        """Answers kept until the database or an input file changes, with ETags (outermost)."""
        documented = cast(View, self.alt_response(304, description=NOT_MODIFIED)(view))
        return cached_answer(documented)

    def _prepare_conventions_doc(
        self,
        doc: dict[str, Any],
        _doc_info: dict[str, Any],
        *,
        app: flask.Flask,
        method: str,
        **_: Any,
    ) -> dict[str, Any]:
        limit = int(app.config["MAX_CONTENT_LENGTH"])
        prefix = self.url_prefix or ""
        return document_conventions(doc, app.config["SETTINGS"], method, prefix, limit)

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
