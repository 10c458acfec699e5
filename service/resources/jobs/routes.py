"""Jobs resource: list jobs and delete one with everything it stored."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from marshmallow import fields

from service.jobs.catalog import JobDeleteError, delete_job, list_jobs
from service.jobs.states import JobStatus
from service.resources.blueprint import Blueprint
from service.resources.context import get_db
from service.resources.errors import fail
from service.resources.schemas import JobSchema, QueryArgsSchema

blp = Blueprint("jobs", __name__, url_prefix="/jobs", description="Jobs")


class JobsQueryArgsSchema(QueryArgsSchema):
    """GET /jobs arguments."""

    status = fields.Enum(JobStatus, by_value=True)


@blp.route("")
class JobsView(MethodView):
    """All jobs."""

    @blp.arguments(JobsQueryArgsSchema(), location="query")
    @blp.response(200, JobSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: PaginationParameters) -> Any:
        """Jobs, newest first, optionally of one status."""
        jobs, total = list_jobs(
            get_db(),
            args.get("status"),
            pagination_parameters.page_size,
            pagination_parameters.first_item,
        )
        pagination_parameters.item_count = total
        return jobs


@blp.route("/<string:job_id>")
class JobByIdView(MethodView):
    """One job."""

    @blp.response(204)
    @blp.alt_response(404, description="No such job")
    @blp.alt_response(409, description="The job is running, or later jobs continue its days")
    def delete(self, job_id: str) -> None:
        """Delete a job and every row it stored (positions, holdings, logs, tool usage)."""
        try:
            deleted = delete_job(get_db(), job_id)
        except JobDeleteError as error:
            fail(409, str(error))
        if not deleted:
            fail(404, f"job {job_id} not found")
