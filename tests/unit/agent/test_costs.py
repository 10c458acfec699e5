"""Token usage as providers report it, and its price."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from service.agent.costs import add_usage, cost_usd, parse_usage
from service.models_config import ModelsConfigError, parse_models_config

pytestmark = pytest.mark.unit
PRICING = {"input": 3.0, "cached_input": 0.3, "output": 15.0}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (  # OpenAI
            {
                "prompt_tokens": 1200,
                "completion_tokens": 300,
                "total_tokens": 1500,
                "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 256},
            },
            {
                "prompt_tokens": 1200,
                "completion_tokens": 300,
                "cached_tokens": 1024,
                "reasoning_tokens": 256,
            },
        ),
        (  # DeepSeek
            {"prompt_tokens": 90, "completion_tokens": 10, "prompt_cache_hit_tokens": 64},
            {"prompt_tokens": 90, "completion_tokens": 10, "cached_tokens": 64},
        ),
        (  # vLLM / Ollama: no details, details null
            {"prompt_tokens": 50, "completion_tokens": 5, "prompt_tokens_details": None},
            {"prompt_tokens": 50, "completion_tokens": 5},
        ),
        ({"prompt_tokens": -1, "completion_tokens": True, "total_tokens": "9"}, None),
        ("not an object", None),
        (None, None),
    ],
)
def test_usage_keeps_the_counts_a_provider_reports(raw: Any, expected: Any) -> None:
    assert parse_usage(raw) == expected


def test_usages_add_up_key_by_key() -> None:
    first = {"prompt_tokens": 10, "completion_tokens": 2}
    second = {"prompt_tokens": 5, "completion_tokens": 1, "cached_tokens": 4}

    assert add_usage(add_usage(None, first), second) == {
        "prompt_tokens": 15,
        "completion_tokens": 3,
        "cached_tokens": 4,
    }
    assert add_usage(None, None) is None


def test_cost_prices_uncached_cached_and_output_tokens() -> None:
    usage = {"prompt_tokens": 1_000_000, "cached_tokens": 400_000, "completion_tokens": 100_000}
    reasoning = {**usage, "reasoning_tokens": 60_000}

    # 600k x 3 + 400k x 0.3 + 100k x 15, per million
    assert cost_usd(usage, PRICING) == pytest.approx(1.8 + 0.12 + 1.5)
    assert cost_usd(reasoning, PRICING) == cost_usd(usage, PRICING), "paid as output already"
    assert cost_usd(usage, {"input": 3.0, "output": 15.0}) == pytest.approx(3.0 + 1.5)
    assert cost_usd(usage, None) is None
    assert cost_usd(None, PRICING) == 0.0


def test_more_cached_than_prompt_tokens_never_makes_a_negative_cost() -> None:
    assert cost_usd({"prompt_tokens": 10, "cached_tokens": 50}, PRICING) == pytest.approx(3e-6)


def config(**fields: Any) -> dict[str, Any]:
    base = {"signature": "gpt", "basemodel": "gpt-5"}
    return {"models": [{**base, **fields}, {**base, "signature": "gpt-b", "rate_limit_group": "k"}]}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"pricing": {"input": 1, "output": 2, "ouput": 2}},
            "models.0.pricing.ouput: Unknown field.",
        ),
        ({"pricing": {"input": 1}}, "models.0.pricing.output: Missing data for required field."),
        ({"pricing": {"input": -1, "output": 2}}, "models.0.pricing.input: Must be greater"),
        ({"max_cost_usd_per_day": -1}, "models.0.max_cost_usd_per_day: Must be greater"),
        ({"max_concurrency": 0}, "models.0.max_concurrency: Must be greater"),
    ],
)
def test_pricing_and_limits_are_validated_naming_the_field(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ModelsConfigError) as raised:
        parse_models_config(config(**fields), "cfg.json")
    assert str(raised.value).startswith(f"cfg.json: {message}")


def test_models_of_one_rate_limit_group_must_agree_on_its_limits() -> None:
    data = config(rate_limit_group="k", requests_per_minute=60)
    [first, second] = parse_models_config(data, "cfg.json").models
    assert (first.requests_per_minute, second.requests_per_minute) == (60, 60), "shared"
    assert (first.max_concurrency, second.max_concurrency) == (None, None)
    data["models"][1]["requests_per_minute"] = 30

    with pytest.raises(
        ModelsConfigError,
        match="models.1.requests_per_minute: requests_per_minute"
        " 30 differs from 60 set by 'gpt' in rate limit group 'k'",
    ):
        parse_models_config(data, "cfg.json")


README = Path(__file__).parents[3] / "README.md"


def readme_examples(start: str, end: str) -> list[Any]:
    """The JSON examples of one README section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(start) : text.index(end)]
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", section, re.DOTALL)]


def test_the_readmes_limit_and_pricing_examples_load() -> None:
    limits = readme_examples("**Provider limits.**", "**Cost.**")
    priced = readme_examples("**Cost.**", "**Recorded answers")

    assert len(limits) == 2
    for example in limits:
        models = parse_models_config(example, "README.md").models
        assert len({model.rate_limit_group for model in models}) == 1
    [model] = parse_models_config({"models": priced}, "README.md").models
    assert model.pricing and model.max_cost_usd_per_day
