"""Schema pieces shared by several resources: strict dates, signatures, job fields."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.models_config import SIGNATURE_PATTERN

JOB_STATUSES = ("pending", "running", "completed", "partial", "failed", "cancelled")


def Day(**kwargs: object) -> fields.Date:  # noqa: N802 - reads like a field class
    """A YYYY-MM-DD date and nothing else."""
    return fields.Date(format="%Y-%m-%d", **kwargs)  # type: ignore[arg-type]


def Signature(**kwargs: object) -> fields.String:  # noqa: N802
    """A model signature: letters, digits and . _ : - , at most 64 characters."""
    validator = validate.Regexp(SIGNATURE_PATTERN, error="not a valid model signature")
    return fields.String(validate=validator, **kwargs)  # type: ignore[arg-type]


class JobSchema(Schema):
    """A job's own fields."""

    job_id = fields.String()
    kind = fields.String(metadata={"description": "simulation or import"})
    status = fields.String(metadata={"enum": list(JOB_STATUSES)})
    start_date = fields.String(allow_none=True)
    end_date = fields.String()
    models = fields.List(fields.String())
    replace_existing = fields.Boolean()
    error = fields.String(allow_none=True)
    warnings = fields.List(fields.String())
    created_at = fields.String()
    started_at = fields.String(allow_none=True)
    completed_at = fields.String(allow_none=True)


class PaginationArgsSchema(Schema):
    """page and page_size."""

    page = fields.Integer(load_default=1, validate=validate.Range(1, 1_000_000))
    page_size = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
