"""Schema pieces shared by several resources: strict dates, signatures, job fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from marshmallow import INCLUDE, RAISE, Schema, fields, pre_load, validate, validates_schema

from service.jobs.states import JobStatus
from service.market.calendar import bar_key, through
from service.market.catalog import DEFAULT_MARKET, MARKETS
from service.models_config import SIGNATURE_PATTERN

NOT_A_DAY = "Not a valid date: YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS for one bar."
BAR_KEY_PATTERN = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])( ([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?)?$"
)


class BarKeyField(fields.String):
    """A day (YYYY-MM-DD: every bar of it) or one bar (YYYY-MM-DD HH:MM[:SS]), as the key the
    data names it by (seconds added). Text of that form naming no day of the calendar
    (2025-02-30) is well-formed but cannot be answered: a 400, not a 422."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if re.fullmatch(BAR_KEY_PATTERN, text) is None:
            raise self.make_error("invalid")
        try:
            return bar_key(text)
        except ValueError:
            raise Contradiction(f"{text} is not a day of the calendar", attr or "date") from None


def _with_example(kwargs: dict[str, Any], example: str) -> dict[str, Any]:
    """kwargs whose metadata carries an example for Swagger UI."""
    return {**kwargs, "metadata": {"example": example, **kwargs.get("metadata", {})}}


def Day(**kwargs: Any) -> fields.String:  # noqa: N802 - reads like a field class
    """A day, YYYY-MM-DD (every bar of it), or a bar of an intraday market, YYYY-MM-DD HH:MM:SS."""
    return BarKeyField(
        validate=validate.Regexp(BAR_KEY_PATTERN, error=NOT_A_DAY),
        error_messages={"invalid": NOT_A_DAY},
        # A day every bundled market trades on, so that an example works on any of them.
        **_with_example(kwargs, "2025-10-17"),
    )


def Signature(**kwargs: Any) -> fields.String:  # noqa: N802
    """A model signature: letters, digits and . _ : - , at most 64 characters."""
    validator = validate.Regexp(SIGNATURE_PATTERN, error="not a valid model signature")
    return fields.String(validate=validator, **_with_example(kwargs, "momentum-20"))


def Market(**kwargs: Any) -> fields.String:  # noqa: N802
    """The name of a market (GET /markets lists them)."""
    described = {"description": "The market (see GET /markets)", **kwargs.pop("metadata", {})}
    return fields.String(
        validate=validate.OneOf(MARKETS),
        **_with_example({**kwargs, "metadata": described}, DEFAULT_MARKET),
    )


PAGINATION_ARGS = ("page", "page_size")


class NoQueryArgsSchema(Schema):
    """For operations that take no query arguments: any one given is an error."""

    class Meta:
        unknown = RAISE


class QueryArgsSchema(Schema):
    """Query arguments: a misspelt or unknown one is an error, not silently ignored."""

    class Meta:
        unknown = RAISE

    @pre_load
    def leave_pagination(self, data: Any, **_: Any) -> dict[str, Any]:
        """page and page_size are read by the pagination decorator, not here."""
        return {key: data[key] for key in data if key not in PAGINATION_ARGS}


START_AFTER_END = "start_date is after end_date"


class Contradiction(ValueError):
    """Arguments that are each well-formed but contradict each other (answered with 400)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class DateRangeQueryArgsSchema(QueryArgsSchema):
    """An optional date range; a start after the end is refused, not answered with nothing."""

    start_date = Day(metadata={"description": "From this day (default: the first stored)"})
    end_date = Day(metadata={"description": "To this day (default: the last stored)"})

    @validates_schema
    def ordered(self, data: dict[str, object], **_: object) -> None:
        """start_date must not be after end_date."""
        start, end = data.get("start_date"), data.get("end_date")
        if isinstance(start, str) and isinstance(end, str) and start > through(end):
            raise Contradiction(f"start_date {start} is after end_date {end}", "start_date")


class RangeQueryArgsSchema(DateRangeQueryArgsSchema):
    """A model and an optional date range."""

    model = Signature(required=True)


class Rounded(fields.Float):
    """A number stored unrounded and shown rounded (cents for money, 4 places for percents)."""

    def __init__(self, digits: int = 2, **kwargs: Any) -> None:
        super().__init__(allow_none=True, **kwargs)
        self.digits = digits

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else round(float(value), self.digits)


class RowSchema(Schema):
    """An output schema for plain dicts of JSON values, dumped without per-field machinery.

    marshmallow spends about 2 µs per field and value; a job status with thousands of model-days
    spent most of its time there. Declared fields still document the answer in OpenAPI; values
    are copied as they are, Rounded ones rounded, nested row schemas dumped the same way, and
    keys the row does not have are left out, as marshmallow does. A field of any other kind
    (a date, a method, a decimal...) is refused when the schema is first used, rather than
    dumped wrong.
    """

    _plan: list[tuple[str, str, Callable[[Any], Any] | None]] | None = None

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        """The row (or rows) restricted to the declared fields."""
        if self._plan is None:
            self._plan = [
                (field.attribute or name, field.data_key or name, _converter(field))
                for name, field in self.dump_fields.items()
            ]
        if self.many if many is None else many:
            return [self._row(item, self._plan) for item in obj]
        return self._row(obj, self._plan)

    @staticmethod
    def _row(
        item: dict[str, Any], plan: list[tuple[str, str, Callable[[Any], Any] | None]]
    ) -> dict[str, Any]:
        row = {}
        for key, out, convert in plan:
            if key in item:
                value = item[key]
                row[out] = convert(value) if convert and value is not None else value
        return row


class FreeFormSchema(Schema):
    """An object whose shape is documented elsewhere (a tool's answer, a JSON Schema), dumped
    as it is."""

    class Meta:
        unknown = INCLUDE

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        """The object itself."""
        return obj


# Fields whose row value already is its JSON (a str-valued enum from SQL included).
PASS_THROUGH = (
    fields.String,
    fields.Integer,
    fields.Float,
    fields.Boolean,
    fields.Dict,
    fields.Raw,
    fields.Enum,
)


class UnsupportedFieldError(TypeError):
    """A RowSchema field its fast path does not implement: use a plain Schema for it."""


def _converter(field: fields.Field[Any]) -> Callable[[Any], Any] | None:
    """How a field's value is turned into JSON; None when it is already; refuse the others."""
    if isinstance(field, Rounded):
        digits = field.digits
        return lambda value: round(float(value), digits)
    if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
        inner = field.inner.schema
        return lambda value: inner.dump(value, many=True)
    if isinstance(field, fields.Nested):
        nested = field.schema
        return lambda value: nested.dump(value)
    kind = field.inner if isinstance(field, fields.List) else field
    if isinstance(kind, PASS_THROUGH) and not isinstance(kind, Rounded):
        return None
    raise UnsupportedFieldError(
        f"{type(field.parent).__name__}.{field.name}: a RowSchema does not dump "
        f"{type(kind).__name__} fields"
    )


class SpendingFields(RowSchema):
    """Tokens and cost; null where no model-day reported any (a model without pricing)."""

    prompt_tokens = fields.Integer(allow_none=True)
    completion_tokens = fields.Integer(allow_none=True)
    cached_tokens = fields.Integer(
        allow_none=True, metadata={"description": "Of prompt_tokens, those the provider had cached"}
    )
    reasoning_tokens = fields.Integer(
        allow_none=True, metadata={"description": "Of completion_tokens, those spent reasoning"}
    )
    cost_usd = fields.Float(allow_none=True, metadata={"description": "USD at the models' pricing"})


class TimelineSpendingFields(SpendingFields):
    """What a timeline's days cost, and what its return was per dollar."""

    return_pct_per_usd = Rounded(
        4, metadata={"description": "Return in percent per USD spent; null when nothing was paid"}
    )


class JobSchema(RowSchema):
    """A job's own fields."""

    job_id = fields.String()
    kind = fields.String(metadata={"description": "simulation or import"})
    status = fields.Enum(JobStatus, by_value=True)
    start_date = fields.String(allow_none=True)
    end_date = fields.String()
    models = fields.List(fields.String())
    replace_existing = fields.Boolean()
    max_cost_usd = fields.Float(allow_none=True, metadata={"description": "The job's budget"})
    replay_of = fields.String(
        allow_none=True, metadata={"description": "The job whose recorded answers this replays"}
    )
    replayed = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Each replay timeline and the model it replays"},
    )
    error = fields.String(allow_none=True)
    warnings = fields.List(fields.String())
    created_at = fields.String()
    started_at = fields.String(allow_none=True)
    completed_at = fields.String(allow_none=True)
