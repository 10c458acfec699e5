"""Simulate resource: trigger a job, follow its progress, cancel it."""

from __future__ import annotations

import functools
from typing import Any

from flask import Response, current_app
from flask.views import MethodView

from service.jobs.creation import JobConflictError, create_job
from service.jobs.lifecycle import FINAL_JOB_STATUSES, cancel_job
from service.jobs.planning import JobRequest, JobRequestError
from service.jobs.status import job_row, job_status, latest_job_id
from service.resources.blueprint import Blueprint
from service.resources.context import get_db, job_queue, markets, models_config, settings
from service.resources.errors import fail
from service.resources.simulate.schemas import (
    CancelResponseSchema,
    JobDetailSchema,
    ReplaySchema,
    TriggerResponseSchema,
    TriggerSchema,
)

# A range every bundled market has data for (SSE-50 from 10-09, NASDAQ-100 to 10-29).
TRIGGER_EXAMPLE = {
    "start_date": "2025-10-09",
    "end_date": "2025-10-29",
    "models": ["momentum-20", "equal-weight-10"],
    "replace_existing": False,
}
blp = Blueprint("simulate", __name__, url_prefix="/simulate", description="Run simulations")
NO_SUCH_JOB = "No such job"


def _link(path: str, method: str, description: str) -> dict[str, Any]:
    """An OpenAPI link from a job in the answer to an operation on it."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {
        "operationRef": f"#/paths/{pointer}/{method}",
        "parameters": {"job_id": "$response.body#/job_id"},
        "description": description,
    }


JOB_LINKS = {
    "status": _link("/simulate/status/{job_id}", "get", "Follow the job's progress"),
    "cancel": _link("/simulate/{job_id}/cancel", "post", "Stop the job"),
    "delete": _link("/jobs/{job_id}", "delete", "Delete the job and everything it stored"),
    "replay": _link(
        "/simulate/{job_id}/replay", "post", "Run the job's models again from its recorded answers"
    ),
}


def start_job(request: JobRequest) -> dict[str, Any]:
    """Create the job, queue its first model-days and answer its status (400 and 409 else)."""
    try:
        created = create_job(
            get_db(), markets(), models_config(), request, settings().max_simulation_days
        )
    except JobRequestError as error:
        fail(400, str(error), error.field_name)
    except JobConflictError as error:
        fail(409, str(error))
    job_queue().enqueue_days(created.job_id, created.first_days)
    answer = status_or_404(created.job_id)
    answer["message"] = f"job queued: {answer['progress']['total']} model-days"
    return answer


def status_or_404(job_id: str) -> dict[str, Any]:
    """The job's status, or a 404 answer."""
    status = job_status(get_db(), job_id)
    if status is None:
        fail(404, f"job {job_id} not found")
    return status


@functools.lru_cache(maxsize=16)
def _ended_status_body(database: str, job_id: str, completed_at: str) -> bytes:
    """A finished job's answer, built once: immutable by construction, so not a kept answer.

    No transition leaves a final status, and the rows the answer shows (the job and its
    model-days) are never written again once the job has its completion time, which is part
    of the key together with the database; a deleted job is a 404 before this is asked.
    """
    return current_app.json.dumps(JobDetailSchema().dump(status_or_404(job_id))).encode()


def status_answer(job_id: str) -> dict[str, Any] | Response:
    """The status answer; an ended job's comes from the cache, a running one's is fresh."""
    job = job_row(get_db(), job_id)
    if job is None:
        fail(404, f"job {job_id} not found")
    if job["status"] in FINAL_JOB_STATUSES and job["completed_at"]:
        body = _ended_status_body(settings().database_path, job_id, job["completed_at"])
        return Response(body, mimetype="application/json")
    return status_or_404(job_id)


@blp.route("/trigger")
class TriggerView(MethodView):
    """Start simulations."""

    @blp.doc(responses={202: {"links": JOB_LINKS}})
    @blp.arguments(TriggerSchema(), example=TRIGGER_EXAMPLE)
    @blp.response(202, TriggerResponseSchema)
    @blp.alt_response(400, description="Dates, models or timelines do not allow this job")
    @blp.alt_response(409, description="A requested model is already in an active job")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Start a job that simulates models over a date range.

        With repeats or windows each model runs as several timelines, each a model of the
        job: `<signature>:r<k>`, `<signature>:w<first day>`, `<signature>:w<day>:r<k>`.
        """
        request = JobRequest(
            end_date=body["end_date"],
            start_date=body["start_date"],
            models=body["models"],
            replace_existing=body["replace_existing"],
            max_cost_usd=body["max_cost_usd"],
            market=body["market"],
            repeats=body["repeats"],
            windows=body.get("windows"),
        )
        return start_job(request)


@blp.route("/status/<string:job_id>")
class StatusView(MethodView):
    """One job."""

    @blp.response(200, JobDetailSchema)
    @blp.alt_response(404, description=NO_SUCH_JOB)
    def get(self, job_id: str) -> dict[str, Any] | Response:
        """Progress of a job and the state of each model-day."""
        return status_answer(job_id)


@blp.route("/current")
class CurrentView(MethodView):
    """The latest job."""

    @blp.response(200, JobDetailSchema)
    @blp.alt_response(404, description="No job yet")
    def get(self) -> dict[str, Any] | Response:
        """The most recently created job, running or not."""
        job_id = latest_job_id(get_db())
        if job_id is None:
            fail(404, "no job yet: POST /simulate/trigger starts one")
        return status_answer(job_id)


@blp.route("/<string:job_id>/cancel")
class CancelView(MethodView):
    """Stop a job."""

    @blp.response(200, CancelResponseSchema)
    @blp.alt_response(404, description=NO_SUCH_JOB)
    @blp.alt_response(409, description="The job has already ended")
    def post(self, job_id: str) -> dict[str, Any]:
        """Cancel a job: pending model-days are skipped, running ones finish."""
        status_or_404(job_id)
        skipped = cancel_job(get_db(), job_id)
        if skipped is None:
            fail(409, f"job {job_id} has already ended")
        return {"job_id": job_id, "status": "cancelled", "cancelled_model_days": skipped}


@blp.route("/<string:job_id>/replay")
class ReplayView(MethodView):
    """Reproduce a job."""

    @blp.doc(responses={202: {"links": JOB_LINKS}})
    @blp.arguments(ReplaySchema(), example={"models": ["mock-llm"]})
    @blp.response(202, TriggerResponseSchema)
    @blp.alt_response(400, description="Not a simulation, unknown models, or dates that do not fit")
    @blp.alt_response(404, description=NO_SUCH_JOB)
    @blp.alt_response(409, description="A replay timeline is already in an active job")
    def post(self, body: dict[str, Any], job_id: str) -> dict[str, Any]:
        """Replay a job from its recorded LLM answers, with no network.

        Its models run again as `<signature>:replay`, with the model, agent config and rules
        the job ran with; a request the recording lacks fails the model-day with
        `replay diverged at step N`.
        """
        source = job_row(get_db(), job_id)
        if source is None:
            fail(404, f"job {job_id} not found")
        request = JobRequest(
            end_date=body["end_date"] or source["end_date"],
            start_date=body["start_date"],
            models=body["models"],
            replace_existing=body["replace_existing"],
            replay_of=job_id,
        )
        return start_job(request)
