"""The uncertainty of a run's figures in answers: query arguments and schemas shared by
/metrics and /leaderboard."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from service.resources.schemas import Rounded, RowSchema
from service.results.uncertainty import BootstrapOptions
from service.stats.bootstrap import DEFAULT_RESAMPLES, MAX_RESAMPLES, MIN_RESAMPLES

WITH_UNCERTAINTY = "uncertainty"


class UncertaintyArgs:
    """Mixed into a query schema: `with=uncertainty`, `resamples` and `seed`."""

    with_ = fields.String(
        data_key="with",
        validate=validate.OneOf([WITH_UNCERTAINTY]),
        metadata={
            "description": "uncertainty: add bootstrap intervals, Probabilistic Sharpe Ratios "
            "and the test against the benchmark (see the README, Statistics)"
        },
    )
    resamples = fields.Integer(
        validate=validate.Range(MIN_RESAMPLES, MAX_RESAMPLES),
        metadata={
            "description": f"Bootstrap resamples with with=uncertainty (default "
            f"{DEFAULT_RESAMPLES}); more resamples, steadier interval ends"
        },
    )
    seed = fields.Integer(
        validate=validate.Range(0, 2**32 - 1),
        metadata={"description": "Seed of the bootstrap draws (default 0): same seed, same answer"},
    )


def bootstrap_options(args: dict[str, Any]) -> BootstrapOptions | None:
    """The bootstrap a query asks for; None without with=uncertainty."""
    if args.get("with_") != WITH_UNCERTAINTY:
        return None
    defaults = BootstrapOptions()
    return BootstrapOptions(
        resamples=int(args.get("resamples", defaults.resamples)),
        seed=int(args.get("seed", defaults.seed)),
    )


class IntervalSchema(RowSchema):
    """A 95 % interval."""

    low = Rounded(4)
    high = Rounded(4)


def _interval(description: str) -> fields.Nested:
    return fields.Nested(IntervalSchema, allow_none=True, metadata={"description": description})


class UncertaintySchema(RowSchema):
    """How sure the figures are; formulas and sources in the README (Statistics). A null
    figure's reason is in `reasons`."""

    level = fields.Float(metadata={"description": "Of the intervals and the test: 0.95"})
    method = fields.String()
    resamples = fields.Integer()
    seed = fields.Integer()
    periods = fields.Integer(metadata={"description": "Returns resampled (bars or days)"})
    mean_block_length = Rounded(4)
    total_return_pct = _interval("Interval of the total return, percent")
    sharpe = _interval("Interval of the annualised Sharpe ratio")
    excess_return_pct = _interval("Interval of the return over the benchmark's, points")
    excess_p_value = Rounded(4)
    beats_benchmark = fields.Raw(
        allow_none=True,
        metadata={
            "description": "At 95 %, from the paired test of the per-period excess returns",
            "oneOf": [{"type": "boolean"}, {"type": "string", "enum": ["undetermined"]}],
        },
    )
    probabilistic_sharpe = Rounded(4)
    benchmark_sharpe = Rounded(4)
    probabilistic_sharpe_vs_benchmark = Rounded(4)
    min_track_record_periods = Rounded(1)
    reasons = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Why each null figure is null"},
    )


def uncertainty_field() -> fields.Nested:
    """The `uncertainty` field of an answer."""
    return fields.Nested(
        UncertaintySchema,
        allow_none=True,
        metadata={"description": "With with=uncertainty (else null)"},
    )


class SummarySchema(RowSchema):
    """A figure over the runs of a base model; null when a run has none."""

    n = fields.Integer()
    mean = Rounded(4)
    stdev = Rounded(4)
    interval = fields.Nested(
        IntervalSchema,
        allow_none=True,
        metadata={"description": "95 % interval of the mean (Student's t); null for one run"},
    )


def summary_field(description: str) -> fields.Nested:
    """A figure summarised over runs."""
    return fields.Nested(SummarySchema, allow_none=True, metadata={"description": description})


class GroupSchema(RowSchema):
    """The repeats and windows of one base model (formulas in the README, Statistics)."""

    # Required in the answer, so that a client tells a group from a model's metrics.
    rank = fields.Integer(required=True, metadata={"description": "By mean total return"})
    model = fields.String(required=True, metadata={"description": "The base model"})
    runs = fields.Integer(required=True)
    signatures = fields.List(
        fields.String(), required=True, metadata={"description": "Its timelines"}
    )
    total_return_pct = summary_field("Total return of the runs, percent")
    excess_return_pct = summary_field("Return over the benchmark's over each run's span")
    beat_benchmark = fields.Integer(
        allow_none=True, metadata={"description": "Runs whose excess return is above 0"}
    )
    beat_benchmark_share = Rounded(4)
    excess_p_value = Rounded(4)
    tied_with = fields.List(
        fields.String(),
        metadata={"description": "Groups whose return interval overlaps this one's"},
    )
    summary = fields.String(metadata={"description": "The group in one sentence"})


class ComparisonSchema(RowSchema):
    """How often a run of model returns more than a run of other on the same window."""

    model = fields.String()
    other = fields.String()
    probability = Rounded(4)
    pairs = fields.Integer(metadata={"description": "Pairs of runs compared"})


class DeflatedSharpeSchema(RowSchema):
    """The Deflated Sharpe Ratio (Bailey & López de Prado, 2014) of the timeline with the best
    Sharpe ratio, given how many were compared."""

    model = fields.String(allow_none=True)
    sharpe = Rounded(4)
    trials = fields.Integer(metadata={"description": "Timelines compared (runs included)"})
    expected_max_sharpe = Rounded(4)
    probability = Rounded(4)
    reason = fields.String(allow_none=True)


AGGREGATE = fields.Boolean(
    metadata={"description": "Group repeats and windows by base model (see the README)"}
)
