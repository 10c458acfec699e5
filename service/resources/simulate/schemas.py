"""Schemas of the simulate resource: the trigger body and the job status answer."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields, post_load, validate, validates_schema

from service.jobs.planning import DayRange, WindowRule
from service.jobs.runs import MAX_WINDOWS
from service.jobs.states import JobStatus, ModelDayStatus
from service.market.calendar import through
from service.resources.schemas import (
    Contradiction,
    Day,
    JobSchema,
    Market,
    RowSchema,
    Signature,
    SpendingFields,
)

MAX_REPEATS = 50
MAX_WINDOW_DAYS = 1000  # trading days; MAX_SIMULATION_DAYS limits a window's calendar days
# Inside 2025-10-09..2025-10-29, which every bundled market has data for.
WINDOW_LIST_EXAMPLE = [
    {"start_date": "2025-10-09", "end_date": "2025-10-17"},
    {"start_date": "2025-10-20", "end_date": "2025-10-29"},
]
WINDOW_RULE_EXAMPLE = {"length_days": 5, "step_days": 5}


def signatures(description: str) -> fields.List[str]:
    """A body's list of models: at most 100 signatures, empty by default."""
    return fields.List(
        Signature(),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": description},
    )


class WindowSchema(Schema):
    """One window of a list: a timeline of its own from its first trading day."""

    start_date = Day(
        required=True,
        metadata={"description": "The window's first day", "example": "2025-10-09"},
    )
    end_date = Day(
        required=True,
        metadata={"description": "The window's last day", "example": "2025-10-17"},
    )

    @validates_schema
    def ordered(self, data: dict[str, str], **_: object) -> None:
        """A window's start must not be after its end."""
        if data["start_date"] > through(data["end_date"]):
            window = f"{data['start_date']}..{data['end_date']}"
            raise Contradiction(f"window {window}: start_date is after end_date", "windows")

    @post_load
    def make(self, data: dict[str, str], **_: object) -> DayRange:
        """Build the dataclass."""
        return DayRange(**data)


class WindowRuleSchema(Schema):
    """Rolling windows over the request's range, counted in trading days of each market."""

    length_days = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(1, MAX_WINDOW_DAYS),
        metadata={"description": "Trading days of each window"},
    )
    step_days = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(1, MAX_WINDOW_DAYS),
        metadata={"description": "Trading days from a window's first day to the next one's"},
    )

    @post_load
    def make(self, data: dict[str, int], **_: object) -> WindowRule:
        """Build the dataclass."""
        return WindowRule(**data)


def _inline(schema: type[Schema]) -> dict[str, Any]:
    """A schema's JSON schema, to be written inline where a property is documented by hand."""
    plugin = MarshmallowPlugin()
    APISpec("inline", "1", "3.0.3", plugins=[plugin])  # the version of the app's document
    converter = plugin.converter
    assert converter is not None  # set by the spec
    converted: dict[str, Any] = converter.schema2jsonschema(schema)  # type: ignore[no-untyped-call]
    return converted


class WindowsField(fields.Field[tuple[DayRange, ...] | WindowRule]):
    """A list of windows, or a rule that makes them: one field of two shapes (a oneOf)."""

    default_error_messages = {
        "invalid": "Not a list of windows nor a window rule (length_days and step_days).",
        "length": f"A list of 1 to {MAX_WINDOWS} windows is expected.",
    }
    WINDOWS = WindowSchema(many=True)
    RULE = WindowRuleSchema()

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> tuple[DayRange, ...] | WindowRule:
        if isinstance(value, dict):
            rule: WindowRule = self.RULE.load(value)
            return rule
        if not isinstance(value, list):
            raise self.make_error("invalid")
        if not 1 <= len(value) <= MAX_WINDOWS:
            raise self.make_error("length")
        try:
            return tuple(self.WINDOWS.load(value))
        except Contradiction as error:  # a window's date naming no day: the field is windows
            raise Contradiction(str(error), attr or "windows") from None


WINDOWS_DOC = {
    "description": "Rolling windows: each window is an independent timeline of each model,"
    " `<signature>:w<first trading day>`, registered on that day (with repeats,"
    " `<signature>:w<day>:r<k>`). Either a list of windows inside start_date..end_date, or a"
    " rule: windows of length_days trading days, one starting every step_days trading days"
    " from start_date (required then), the whole windows that end by end_date. Each window is"
    " held to MAX_SIMULATION_DAYS; the range may be longer",
    "oneOf": [
        {
            "type": "array",
            "items": _inline(WindowSchema),
            "minItems": 1,
            "maxItems": MAX_WINDOWS,
            "example": WINDOW_LIST_EXAMPLE,
        },
        {**_inline(WindowRuleSchema), "example": WINDOW_RULE_EXAMPLE},
    ],
    "example": WINDOW_LIST_EXAMPLE,
}


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

    repeats = fields.Integer(
        load_default=1,
        strict=True,
        validate=validate.Range(1, MAX_REPEATS),
        metadata={
            "description": "Independent timelines of each model: above 1, `<signature>:r1` to"
            " `:rN`, each seeded differently (a built-in's seed parameter, an LLM's"
            " request_options seed where its config sets one; the mock by its signature)",
            "example": 3,
        },
    )
    windows = WindowsField(metadata=WINDOWS_DOC)

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
    awaiting_agent = fields.Integer(
        metadata={"description": "Model-steps waiting for a pull agent to close its session"}
    )
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
