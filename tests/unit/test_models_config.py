"""The models config: the bundled file, AI-Trader's default_config.json, and named errors."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service.models_config import (
    AgentConfig,
    ModelsConfigError,
    is_valid_signature,
    load_models_config,
    parse_models_config,
)
from service.settings import DEFAULT_CONFIG_PATH

pytestmark = pytest.mark.unit

# The shape of AI-Trader's configs/default_config.json, with keys this service ignores.
AI_TRADER_CONFIG: dict[str, Any] = {
    "agent_type": "BaseAgent",
    "date_range": {"init_date": "2025-10-01", "end_date": "2025-10-21"},
    "models": [
        {
            "name": "claude-3.7-sonnet",
            "basemodel": "anthropic/claude-3.7-sonnet",
            "signature": "claude-3.7-sonnet",
            "enabled": False,
        },
        {
            "name": "gpt-5",
            "basemodel": "openai/gpt-5",
            "signature": "gpt-5",
            "enabled": True,
            "openai_base_url": "https://openrouter.ai/api/v1",
            "openai_api_key": "sk-not-a-real-key",
        },
    ],
    "agent_config": {
        "max_steps": 30,
        "max_retries": 3,
        "base_delay": 1.0,
        "initial_cash": 10000.0,
        "log_path": "./data/agent_data",
    },
    "log_config": {"log_path": "./data/agent_data"},
}
BUILTIN = {"signature": "b", "provider": "builtin", "strategy": "momentum"}


def test_bundled_config_has_enabled_builtin_models_and_a_mock_on_each_market() -> None:
    config = load_models_config(DEFAULT_CONFIG_PATH)
    builtin = [model for model in config.models if model.enabled and model.provider == "builtin"]
    assert {(model.signature, model.market) for model in builtin} == {
        ("qqq-buy-and-hold", "nasdaq100"),
        ("momentum-20", "nasdaq100"),
        ("equal-weight-10", "nasdaq100"),
        ("sse50-buy-and-hold", "sse50"),
        ("sse50-momentum-5", "sse50"),
        ("crypto10-buy-and-hold", "crypto10"),
        ("crypto10-momentum-20", "crypto10"),
        ("nasdaq100_hourly-momentum-12", "nasdaq100_hourly"),
        ("sse50_hourly-momentum-8", "sse50_hourly"),
    }
    assert all(model.strategy for model in builtin)
    mocks = {model.market for model in config.models if model.enabled and model.provider == "mock"}
    assert mocks == {"nasdaq100", "sse50", "crypto10", "nasdaq100_hourly", "sse50_hourly"}
    # Each market's own initial cash (10,000 USD, 100,000 CNY, 50,000 USDT).
    assert config.agent_config == AgentConfig(initial_cash=None)


def test_ai_trader_default_config_loads_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "default_config.json"
    path.write_text(json.dumps(AI_TRADER_CONFIG, indent=2), encoding="utf-8")
    config = load_models_config(path)
    claude, gpt = config.models
    assert (claude.signature, claude.enabled, claude.provider) == (
        "claude-3.7-sonnet",
        False,
        "openai",
    )
    assert (gpt.name, gpt.basemodel, gpt.enabled) == ("gpt-5", "openai/gpt-5", True)
    assert gpt.openai_base_url == "https://openrouter.ai/api/v1"
    assert gpt.api_key_env == "OPENAI_API_KEY"
    assert config.agent_config == AgentConfig(
        max_steps=30, max_retries=3, base_delay=1.0, initial_cash=10000.0
    )


def test_keys_in_the_file_never_reach_the_config() -> None:
    config = parse_models_config(AI_TRADER_CONFIG, "default_config.json")
    snapshot = json.dumps(config.snapshot(["gpt-5"]))
    assert "sk-not-a-real-key" not in snapshot
    assert "sk-not-a-real-key" not in repr(config)
    assert json.loads(snapshot)["models"][0]["signature"] == "gpt-5"


def test_our_fields_are_read() -> None:
    data = {
        "models": [
            {**BUILTIN, "params": {"lookback": 10}, "knowledge_cutoff": "2024-06-01"},
            {"signature": "mock-1", "provider": "mock", "api_key_env": "MY_KEY"},
        ],
        "agent_config": {"fee_bps": 5, "slippage_bps": 2.5, "initial_cash": 5000},
    }
    config = parse_models_config(data, "x")
    builtin, mock = config.models
    assert (builtin.name, builtin.strategy, builtin.params) == ("b", "momentum", {"lookback": 10})
    assert builtin.knowledge_cutoff == "2024-06-01"
    assert (mock.provider, mock.basemodel, mock.api_key_env) == ("mock", None, "MY_KEY")
    agent = config.agent_config
    assert (agent.fee_bps, agent.slippage_bps, agent.initial_cash) == (5.0, 2.5, 5000.0)


Edit = Callable[[dict[str, Any]], None]


def set_model(field: str, value: Any) -> Edit:
    """An edit setting one field of the second model."""
    return lambda data: data["models"][1].__setitem__(field, value)


ERRORS: list[tuple[str, Edit, str]] = [
    ("no-models", lambda data: data.pop("models"), "models: Missing data"),
    ("models-not-list", lambda data: data.__setitem__("models", {}), "models: Not a valid list"),
    ("bad-signature", set_model("signature", "gpt 5/../x"), "models.1.signature"),
    ("empty-signature", set_model("signature", ""), "models.1.signature"),
    ("duplicate", set_model("signature", "claude-3.7-sonnet"), "models: duplicate signatures"),
    ("openai-no-basemodel", set_model("basemodel", None), "models.1.basemodel"),
    ("bad-provider", set_model("provider", "gemini"), "models.1.provider"),
    ("bad-url", set_model("openai_base_url", "ftp://x"), "models.1.openai_base_url"),
    ("bad-cutoff", set_model("knowledge_cutoff", "2024/06/01"), "models.1.knowledge_cutoff"),
    ("bad-key-env", set_model("api_key_env", "MY-KEY"), "models.1.api_key_env"),
    (
        "bad-initial-cash",
        lambda data: data["agent_config"].__setitem__("initial_cash", 0),
        "agent_config.initial_cash",
    ),
]


@pytest.mark.parametrize(("edit", "named"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_error_names_the_field(edit: Edit, named: str) -> None:
    data = copy.deepcopy(AI_TRADER_CONFIG)
    edit(data)
    with pytest.raises(ModelsConfigError, match=f"^cfg.json: {named}"):
        parse_models_config(data, "cfg.json")


def test_builtin_without_strategy_names_strategy() -> None:
    data = {"models": [{**BUILTIN, "strategy": None}]}
    with pytest.raises(ModelsConfigError, match="models.0.strategy: a builtin model needs"):
        parse_models_config(data, "cfg.json")


def test_bad_strategy_params_name_params_and_the_parameter() -> None:
    data = {"models": [{**BUILTIN, "params": {"lookbak": 3}}]}
    with pytest.raises(ModelsConfigError, match="models.0.params: unknown parameter 'lookbak'"):
        parse_models_config(data, "cfg.json")


def test_unknown_strategy_is_rejected_with_the_choices() -> None:
    data = {"models": [{**BUILTIN, "strategy": "martingale"}]}
    with pytest.raises(ModelsConfigError, match="buy_and_hold, equal_weight, momentum, random"):
        parse_models_config(data, "cfg.json")


def test_unknown_strategy_names_the_strategy_field() -> None:
    data = {"models": [{**BUILTIN, "strategy": "martingale"}]}
    with pytest.raises(ModelsConfigError, match="models.0.strategy"):
        parse_models_config(data, "cfg.json")


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(ModelsConfigError, match="missing.json: cannot read models config"):
        load_models_config(missing)
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "models": [,]\n}', encoding="utf-8")
    with pytest.raises(ModelsConfigError, match="broken.json: invalid JSON at line 2"):
        load_models_config(broken)


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        *(("gpt-5", True), ("claude-3.7-sonnet", True), ("a:b_c", True), ("x" * 64, True)),
        *(("-x", False), ("a b", False), ("x" * 65, False), ("../etc", False)),
    ],
)
def test_signature_form(text: str, valid: bool) -> None:
    assert is_valid_signature(text) is valid
