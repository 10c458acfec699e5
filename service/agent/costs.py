"""What an LLM's answers cost: token usage as providers report it, priced per million tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

# prompt_tokens include the cached ones and completion_tokens the reasoning ones, as OpenAI
# counts them; a provider that reports neither detail simply has none.
USAGE_KEYS = ("prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens")
PER_TOKENS = 1_000_000
MAX_PRICE = 10_000.0


class PricingSchema(Schema):
    """A model's `pricing`: USD per million input, cached input and output tokens."""

    class Meta:
        unknown = RAISE

    input = fields.Float(required=True, validate=validate.Range(0, MAX_PRICE))
    cached_input = fields.Float(validate=validate.Range(0, MAX_PRICE))
    output = fields.Float(required=True, validate=validate.Range(0, MAX_PRICE))


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _detail(raw: Mapping[str, Any], group: str, key: str) -> int | None:
    details = raw.get(group)
    return _count(details.get(key)) if isinstance(details, dict) else None


def parse_usage(raw: Any) -> dict[str, int] | None:
    """The token counts of a response's `usage`, with the cached and reasoning details.

    OpenAI and most compatible servers report prompt_tokens_details.cached_tokens and
    completion_tokens_details.reasoning_tokens; DeepSeek reports prompt_cache_hit_tokens.
    """
    if not isinstance(raw, dict):
        return None
    found = {
        "prompt_tokens": _count(raw.get("prompt_tokens")),
        "completion_tokens": _count(raw.get("completion_tokens")),
        "cached_tokens": _detail(raw, "prompt_tokens_details", "cached_tokens")
        or _count(raw.get("prompt_cache_hit_tokens")),
        "reasoning_tokens": _detail(raw, "completion_tokens_details", "reasoning_tokens"),
    }
    usage = {key: value for key, value in found.items() if value is not None}
    return usage or None


def add_usage(
    total: dict[str, int] | None, usage: Mapping[str, int] | None
) -> dict[str, int] | None:
    """The sum of two usages; None only while neither has reported anything."""
    if usage is None:
        return total
    summed = dict(total or {})
    for key, value in usage.items():
        summed[key] = summed.get(key, 0) + value
    return summed


def cost_usd(usage: Mapping[str, int] | None, pricing: Mapping[str, float] | None) -> float | None:
    """USD of the usage at the pricing; None when the model has no pricing.

    cost = (prompt - cached) x input + cached x cached_input + completion x output, per million
    tokens; cached_input defaults to input, and reasoning tokens are paid as output.
    """
    if pricing is None:
        return None
    usage = usage or {}
    prompt = usage.get("prompt_tokens", 0)
    cached = min(usage.get("cached_tokens", 0), prompt)
    cached_price = pricing.get("cached_input", pricing["input"])
    paid = (
        (prompt - cached) * pricing["input"]
        + cached * cached_price
        + usage.get("completion_tokens", 0) * pricing["output"]
    )
    return paid / PER_TOKENS
