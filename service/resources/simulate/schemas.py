"""Schemas of the simulate resource: the trigger body and the job status answer."""

from __future__ import annotations

from marshmallow import Schema, fields, validate, validates_schema

from service.jobs.states import JobStatus, ModelDayStatus
from service.resources.schemas import (
    Contradiction,
    Day,
    JobSchema,
    Market,
    RowSchema,
    Signature,
    SpendingFields,
)


def signatures(description: str) -> fields.List[str]:
    """A body's list of models: at most 100 signatures, empty by default."""
    return fields.List(
        Signature(),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": description},
    )


class TriggerSchema(Schema):
    """POST /simulate/trigger body."""

    start_date = Day(
        load_default=None,
        allow_none=True,
        metadata={"description": "First day (YYYY-MM-DD); null resumes each model's timeline"},
    )
    end_date = Day(required=True, metadata={"description": "Last day (YYYY-MM-DD)"})
    models = signatures(
        "Signatures (of any markets: a job may hold several); with no models and no market, "
        "every enabled model of nasdaq100"
    )
    market = Market(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Also run every enabled model of this market (GET /markets lists them)"
        },
    )
    replace_existing = fields.Boolean(
        load_default=False,
        metadata={"description": "Delete and re-run stored days from start_date on"},
    )
    max_cost_usd = fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(0, 1_000_000),
        metadata={
            "description": "Budget of the job in USD: once its model-days cost this much, the"
            " days not yet started are skipped as `budget reached` (needs each LLM model's"
            " pricing)"
        },
    )

    @validates_schema
    def replace_needs_start(self, data: dict[str, object], **_: object) -> None:
        """replace_existing needs a start_date to know what to replace."""
        if data.get("replace_existing") and data.get("start_date") is None:
            raise Contradiction("replace_existing needs a start_date", "replace_existing")


class ModelProgressSchema(SpendingFields):
    """One model of a job: its days, pace and spending so far."""

    model = fields.String()
    completed = fields.Integer()
    remaining = fields.Integer(metadata={"description": "Pending and running days"})
    last_completed_date = fields.String(allow_none=True)
    eta_seconds = fields.Float(
        allow_none=True,
        metadata={"description": "From this model's own mean day; null before it has one"},
    )


class ReplaySchema(Schema):
    """POST /simulate/{job_id}/replay body; every field has a default taken from the job."""

    start_date = Day(
        load_default=None,
        allow_none=True,
        metadata={"description": "First day (YYYY-MM-DD); null: the job's first day"},
    )
    end_date = Day(
        load_default=None,
        allow_none=True,
        metadata={"description": "Last day (YYYY-MM-DD); null: the job's end_date"},
    )
    models = signatures("Models of the job to replay; missing or empty means all")
    replace_existing = fields.Boolean(
        load_default=False,
        metadata={"description": "Delete and replay the replay timelines' stored days again"},
    )


class ProgressSchema(SpendingFields):
    """How far a job is, what it has spent so far, and the same per model."""

    total = fields.Integer()
    pending = fields.Integer()
    running = fields.Integer()
    completed = fields.Integer()
    failed = fields.Integer()
    skipped = fields.Integer()
    percent = fields.Float()
    elapsed_seconds = fields.Float(allow_none=True)
    eta_seconds = fields.Float(allow_none=True)
    last_completed_date = fields.Dict(keys=fields.String(), values=fields.String())
    models = fields.List(fields.Nested(ModelProgressSchema))


class ModelDaySchema(SpendingFields):
    """One model-day of a job."""

    model = fields.String()
    date = fields.String()
    status = fields.Enum(ModelDayStatus, by_value=True)
    reason = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    attempts = fields.Integer()
    started_at = fields.String(allow_none=True)
    completed_at = fields.String(allow_none=True)
    duration_seconds = fields.Float(allow_none=True)


class JobDetailSchema(JobSchema):
    """A job with its progress and model-days."""

    progress = fields.Nested(ProgressSchema)
    details = fields.List(fields.Nested(ModelDaySchema))


class TriggerResponseSchema(JobDetailSchema):
    """A job just created."""

    message = fields.String()


class CancelResponseSchema(RowSchema):
    """What a cancel did."""

    job_id = fields.String()
    status = fields.Enum(JobStatus, by_value=True)
    cancelled_model_days = fields.Integer()
