"""Results resource: stored model-days, end-of-day state and P&L."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from service.jobs.status import job_row
from service.portfolio.positions import ResultFilter, count_results, end_of_day_results
from service.resources.blueprint import Blueprint
from service.resources.context import get_db, models_config
from service.resources.errors import fail
from service.resources.results.schemas import ResultSchema, ResultsQueryArgsSchema
from service.resources.schemas import START_AFTER_END
from service.results.contamination import cutoffs, is_contaminated
from service.results.detail import add_full_detail

blp = Blueprint("results", __name__, url_prefix="/results", description="Stored results")


def result_filter(args: dict[str, Any]) -> ResultFilter:
    """Query arguments as a filter (days and bars as their keys)."""
    return ResultFilter(**{name: value for name, value in args.items() if name != "detail"})


@blp.route("")
class ResultsView(MethodView):
    """Model-days."""

    @blp.cached
    @blp.arguments(ResultsQueryArgsSchema(), location="query")
    @blp.response(200, ResultSchema(many=True))
    @blp.paginate()
    @blp.alt_response(400, description=START_AFTER_END)
    @blp.alt_response(404, description="No such job (job_id)")
    def get(self, args: dict[str, Any], pagination_parameters: PaginationParameters) -> Any:
        """End-of-day cash, value, P&L and holdings per model-day, by date then model."""
        conn = get_db()
        filters = result_filter(args)
        if filters.job_id and job_row(conn, filters.job_id) is None:
            fail(404, f"job {filters.job_id} not found")
        pagination_parameters.item_count = count_results(conn, filters)
        rows = end_of_day_results(
            conn, filters, pagination_parameters.page_size, pagination_parameters.first_item
        )
        cutoff_by_model = cutoffs(models_config())
        for row in rows:
            row["contaminated"] = is_contaminated(cutoff_by_model, row["model"], row["date"])
        if args["detail"] == "full":
            add_full_detail(conn, rows)
        return rows
