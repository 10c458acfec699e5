"""Config signatures may not look like the runs of repeats and windows (service.run_names)."""

from __future__ import annotations

import pytest

from service.models_config import ModelsConfigError, parse_models_config

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("signature", ["m:r1", "m:r12", "m:w2025-10-09", "m:w2025-10-09:r2"])
def test_a_config_signature_named_like_a_run_is_refused(signature: str) -> None:
    with pytest.raises(ModelsConfigError, match="would make run names ambiguous"):
        parse_models_config({"models": [{"signature": signature, "provider": "mock"}]}, "m.json")


@pytest.mark.parametrize("signature", ["m:replay", "m:r", "m:rx", "m:w2025", "m-r1", "gpt:4o"])
def test_signatures_that_only_look_close_are_kept(signature: str) -> None:
    config = parse_models_config({"models": [{"signature": signature, "provider": "mock"}]}, "m")

    assert config.models[0].signature == signature
