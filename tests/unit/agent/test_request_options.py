"""Request options of a model: validation with named fields, the body and headers they make."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from service.agent.request_options import HeaderValueError, body_options, resolve_headers
from service.models_config import ModelsConfigError, parse_models_config, snapshot_run

pytestmark = pytest.mark.unit

OPTIONS: dict[str, Any] = {
    "temperature": 0.3,
    "top_p": 0.9,
    "seed": 42,
    "max_tokens": 2048,
    "reasoning_effort": "low",
    "parallel_tool_calls": False,
    "extra_body": {"provider": {"order": ["DeepInfra"], "allow_fallbacks": False}, "top_k": 40},
    "extra_headers": {"X-Title": "AI-Trader", "X-Route-Token": {"env": "ROUTE_TOKEN"}},
}


def config_with(options: Any) -> dict[str, Any]:
    """A config whose second model has these request options."""
    models = [
        {"signature": "mock-1", "provider": "mock"},
        {"signature": "gpt", "basemodel": "openai/gpt-5", "request_options": options},
    ]
    return {"models": models}


def load_options(options: Any) -> dict[str, Any]:
    """The options of the second model as the config holds them."""
    return parse_models_config(config_with(options), "cfg.json").models[1].request_options


def test_options_are_kept_exactly_as_written() -> None:
    assert load_options(OPTIONS) == OPTIONS
    kept = load_options({"temperature": 1, "top_p": 1, "seed": -3})
    assert kept == {"temperature": 1, "top_p": 1, "seed": -3}
    assert type(kept["temperature"]) is int, "1 stays 1, never 1.0"


def test_no_options_means_none_are_set() -> None:
    data = config_with(None)
    del data["models"][1]["request_options"]
    assert parse_models_config(data, "cfg.json").models[1].request_options == {}
    assert body_options({}) == {} and resolve_headers({}, {}) == ({}, ())


def test_unknown_key_names_the_field_path() -> None:
    with pytest.raises(
        ModelsConfigError, match=r"^cfg.json: models.1.request_options.temprature: Unknown field.$"
    ):
        load_options({"temprature": 0.2})


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"temperature": 2.5}, "temperature"),
    ({"temperature": -0.1}, "temperature"),
    ({"temperature": "0.5"}, "temperature: Not a valid number"),
    ({"temperature": True}, "temperature: Not a valid number"),
    ({"temperature": float("nan")}, "temperature: Not a finite number"),
    ({"top_p": 0}, "top_p"),
    ({"top_p": 1.01}, "top_p"),
    ({"seed": 1.5}, "seed: Not a valid integer"),
    ({"seed": False}, "seed: Not a valid integer"),
    ({"max_tokens": 0}, "max_tokens"),
    ({"max_tokens": 1_000_001}, "max_tokens"),
    ({"reasoning_effort": "extreme"}, "reasoning_effort: Must be one of: minimal, low"),
    ({"parallel_tool_calls": "yes"}, "parallel_tool_calls: Not a valid boolean"),
    ({"extra_body": [1]}, "extra_body: Not a valid mapping"),
    (
        {"extra_body": {"messages": [], "model": "x"}},
        "extra_body: extra_body may not set messages, model",
    ),
    ({"extra_body": {"tools": [], "tool_choice": "none"}}, "may not set tool_choice, tools"),
    ({"extra_body": {"stream": True}}, "may not set stream"),
    ({"extra_body": {"temperature": 1}}, "may not set temperature"),
    ({"extra_body": {"blob": "x" * 17000}}, "extra_body is over 16384 bytes"),
    ({"extra_body": {"x": float("inf")}}, "extra_body holds a number JSON cannot carry"),
    ({"extra_headers": {"Authorization": "Bearer x"}}, "may not set Authorization"),
    ({"extra_headers": {"content-type": "text/plain"}}, "may not set content-type"),
    ({"extra_headers": {"Bad Name": "x"}}, "extra_headers.Bad Name.key: Not a valid header name"),
    (
        {"extra_headers": {"X-A": "a\r\nX-B: b"}},
        "extra_headers.X-A.value: A header value is one line",
    ),
    ({"extra_headers": {"X-A": {"env": "1BAD"}}}, "Not a valid environment variable name"),
    ({"extra_headers": {"X-A": {"env": "A", "b": 1}}}, "X-A.value: Not a valid header value"),
    ({"extra_headers": {"X-A": 5}}, "X-A.value: Not a valid header value"),
    ({"extra_headers": {f"X-{n}": "v" for n in range(21)}}, "extra_headers: Longer than maximum"),
]


@pytest.mark.parametrize(("options", "named"), INVALID)
def test_invalid_options_are_refused_naming_the_field(options: dict[str, Any], named: str) -> None:
    with pytest.raises(ModelsConfigError) as caught:
        load_options(options)
    message = str(caught.value)
    assert message.startswith("cfg.json: models.1.request_options.")
    assert named in message


def test_limits_themselves_are_allowed() -> None:
    edges = {"temperature": 2, "top_p": 1, "max_tokens": 1_000_000, "parallel_tool_calls": True}
    assert load_options(edges) == edges
    assert load_options({"temperature": 0, "max_tokens": 1}) == {"temperature": 0, "max_tokens": 1}


def test_snapshot_stores_the_options_and_only_the_variable_name() -> None:
    config = parse_models_config(config_with(OPTIONS), "cfg.json")
    snapshot = json.loads(json.dumps(config.snapshot(["gpt"])))
    assert snapshot["models"][0]["request_options"] == OPTIONS
    spec, _, _ = snapshot_run(snapshot, "gpt")
    assert spec.request_options == OPTIONS


def test_snapshot_of_a_job_stored_before_options_runs_without_them() -> None:
    config = parse_models_config(config_with(OPTIONS), "cfg.json")
    snapshot = config.snapshot(["gpt"])
    del snapshot["models"][0]["request_options"]
    assert snapshot_run(snapshot, "gpt")[0].request_options == {}


def test_body_options_are_the_named_ones_then_extra_body() -> None:
    assert body_options(OPTIONS) == {
        "temperature": 0.3,
        "top_p": 0.9,
        "seed": 42,
        "max_tokens": 2048,
        "reasoning_effort": "low",
        "parallel_tool_calls": False,
        "provider": {"order": ["DeepInfra"], "allow_fallbacks": False},
        "top_k": 40,
    }


def test_headers_from_the_environment_are_resolved_and_hidden() -> None:
    headers, hidden = resolve_headers(OPTIONS, {"ROUTE_TOKEN": "tok-9", "OTHER": "x"})
    assert headers == {"X-Title": "AI-Trader", "X-Route-Token": "tok-9"}
    assert hidden == ("tok-9",)


@pytest.mark.parametrize("secrets", [{}, {"ROUTE_TOKEN": ""}])
def test_unset_variable_is_an_error_naming_header_and_variable(secrets: dict[str, str]) -> None:
    with pytest.raises(HeaderValueError, match="^header X-Route-Token: environment variable "):
        resolve_headers(OPTIONS, secrets)
    with pytest.raises(HeaderValueError, match="ROUTE_TOKEN is not set$"):
        resolve_headers(OPTIONS, secrets)


def test_readme_examples_load() -> None:
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Request options.**") : readme.index("**Provider limits.**")]
    examples = re.findall(r"```json\n(.*?)```", section, re.DOTALL)
    assert len(examples) == 2
    for example in examples:
        spec = parse_models_config({"models": [json.loads(example)]}, "README.md").models[0]
        assert {"temperature", "max_tokens", "extra_body", "extra_headers"} <= set(
            spec.request_options
        )
