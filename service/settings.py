"""Settings from the environment, with defaults that work on a fresh clone (SPEC §7)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULTS_DIR = PACKAGE_DIR / "defaults"
DEFAULT_PRICE_DATA = DEFAULTS_DIR / "nasdaq100_daily_2025-06-10_2025-10-29.jsonl.gz"
DEFAULT_NEWS_DATA = DEFAULTS_DIR / "news_sample_2025-10.json"
DEFAULT_CONFIG_PATH = DEFAULTS_DIR / "models.json"
TRUE_WORDS = {"1", "true", "yes", "on"}


class SettingsError(ValueError):
    """An environment variable with a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment."""

    database_path: str = "data/trader.db"
    huey_path: str = "data/huey.db"
    huey_url: str | None = None
    price_data: str = str(DEFAULT_PRICE_DATA)  # the nasdaq100 market's
    markets_config: str | None = None  # JSON overriding markets' files and rules
    news_data: str = str(DEFAULT_NEWS_DATA)
    config_path: str = str(DEFAULT_CONFIG_PATH)
    api_key: str | None = field(default=None, repr=False)
    api_read_auth: bool = False
    max_simulation_days: int = 366
    risk_free_rate: float = 0.0
    response_cache_mb: int = 16
    api_port: int = 8080
    openai_api_base: str = "https://api.openai.com/v1"
    log_format: str = "text"
    # Model-steps run where they are queued (tests, bin/simulate) instead of in a consumer.
    huey_immediate: bool = False
    # The environment as it was at start-up, where models find their API keys (api_key_env).
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def input_files(self) -> tuple[str, ...]:
        """Every file the answers are made from besides the database."""
        files = (self.price_data, self.config_path, self.news_data)
        return files + ((self.markets_config,) if self.markets_config else ())

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with some fields replaced (tests and the CLI use this)."""
        return replace(self, **dict(overrides))


def _convert(name: str, raw: str, kind: Any) -> Any:
    try:
        if kind in ("bool", bool):
            return raw.strip().lower() in TRUE_WORDS
        if kind in ("int", int):
            return int(raw)
        if kind in ("float", float):
            return float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a valid {kind}") from None
    return raw or None


def from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from environment variables named like the fields in upper case."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {"secrets": dict(env)}
    for spec in fields(Settings):
        if spec.name == "secrets":
            continue
        name = spec.name.upper()
        if name in env and env[name] != "":
            values[spec.name] = _convert(name, env[name], spec.type)
    # A platform's PORT wins over API_PORT (SPEC §7).
    if env.get("PORT"):
        values["api_port"] = _convert("PORT", env["PORT"], "int")
    settings = Settings(**values)
    if settings.max_simulation_days < 1:
        raise SettingsError("MAX_SIMULATION_DAYS must be at least 1")
    if settings.response_cache_mb < 0:
        raise SettingsError("RESPONSE_CACHE_MB must be 0 (off) or more")
    return settings
