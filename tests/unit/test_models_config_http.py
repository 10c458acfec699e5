"""The models config of webhook agents (provider http): their URL and the secret's variable."""

from __future__ import annotations

from typing import Any

import pytest

from service.models_config import ModelsConfigError, parse_models_config

pytestmark = pytest.mark.unit

AGENT: dict[str, Any] = {
    "signature": "my-agent",
    "provider": "http",
    "agent_url": "https://agent.example/decide",
    "agent_secret_env": "MY_AGENT_SECRET",
}


def test_an_http_model_is_read_with_its_url_and_secret_variable() -> None:
    (model,) = parse_models_config({"models": [AGENT]}, "cfg.json").models
    assert (model.provider, model.agent_url, model.agent_secret_env) == (
        "http",
        "https://agent.example/decide",
        "MY_AGENT_SECRET",
    )
    assert model.pricing is None and model.basemodel is None


def test_other_models_have_no_agent() -> None:
    data = {"models": [{"signature": "m", "provider": "mock"}]}
    (model,) = parse_models_config(data, "cfg.json").models
    assert model.agent_url is None and model.agent_secret_env is None


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"agent_url": None}, "models.0.agent_url: an http model needs an agent_url"),
        ({"agent_url": "ftp://agent.example/x"}, "models.0.agent_url"),
        ({"agent_url": "not a url"}, "models.0.agent_url"),
        ({"agent_secret_env": None}, "models.0.agent_secret_env: an http model needs"),
        ({"agent_secret_env": "MY-SECRET"}, "models.0.agent_secret_env"),
    ],
)
def test_errors_name_the_field(changes: dict[str, Any], named: str) -> None:
    with pytest.raises(ModelsConfigError, match=f"^cfg.json: {named}"):
        parse_models_config({"models": [{**AGENT, **changes}]}, "cfg.json")


def test_a_secret_in_the_file_never_reaches_the_config() -> None:
    data = {"models": [{**AGENT, "agent_secret": "whsec-in-the-file"}]}
    (model,) = parse_models_config(data, "cfg.json").models
    assert "whsec-in-the-file" not in repr(model.to_dict())
