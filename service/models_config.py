"""The models config: AI-Trader's default_config.json plus our provider and strategy fields."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates

from service.agent.costs import PricingSchema
from service.agent.request_options import RequestOptionsSchema
from service.filecache import cached_by_version
from service.market.catalog import DEFAULT_MARKET, MARKETS, market_rules
from service.market.rules import MarketRules
from service.run_names import looks_like_a_run
from service.strategies import STRATEGIES, check_strategy

SIGNATURE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
PROVIDERS = ("openai", "builtin", "mock", "http", "external")
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class ModelsConfigError(ValueError):
    """A models config that cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class AgentConfig:
    """Settings shared by every model of a job."""

    max_steps: int = 30
    max_retries: int = 3
    base_delay: float = 1.0
    initial_cash: float | None = None  # None: the market's initial cash
    fee_bps: float = 0.0
    slippage_bps: float = 0.0
    sell_tax_bps: float = 0.0  # on the proceeds of sells only, like a stamp duty
    timeout: float = 60.0
    max_seconds_per_day: float | None = None  # a longer model-day fails


@dataclass(frozen=True)
class ModelSpec:
    """One competitor. Keys are never part of it: only the name of the env var holding one."""

    signature: str
    name: str
    provider: str = "openai"
    basemodel: str | None = None
    enabled: bool = True
    strategy: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    openai_base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    knowledge_cutoff: str | None = None
    market: str = DEFAULT_MARKET
    # Only the options the config sets; a header from the environment stays {"env": NAME}.
    request_options: dict[str, Any] = field(default_factory=dict)
    pricing: dict[str, float] | None = None  # USD per million tokens
    max_cost_usd_per_day: float | None = None
    # Provider limits, shared by the models of one group (one API key) across processes.
    rate_limit_group: str | None = None
    max_concurrency: int | None = None
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    # A webhook agent (provider http): where each model-step is POSTed, and the env var holding
    # the secret its requests are signed with (never the secret itself). A pull agent (provider
    # external) has no URL: the env var holds the token it polls for its sessions with.
    agent_url: str | None = None
    agent_secret_env: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)


@dataclass(frozen=True)
class ModelsConfig:
    """The models and the agent settings."""

    models: tuple[ModelSpec, ...]
    agent_config: AgentConfig = AgentConfig()

    def by_signature(self) -> dict[str, ModelSpec]:
        """Models keyed by signature."""
        return {model.signature: model for model in self.models}

    def snapshot(
        self, signatures: list[str], rules_of: Callable[[str], MarketRules] = market_rules
    ) -> dict[str, Any]:
        """The part of the config a job runs with, stored in the job (never keys).

        The rules of the models' markets (rules_of a name) are part of it: a job keeps the
        rules it started with.
        """
        chosen = [self.by_signature()[signature] for signature in signatures]
        markets = {spec.market: rules_of(spec.market).to_dict() for spec in chosen}
        return {
            "models": [spec.to_dict() for spec in chosen],
            "agent_config": asdict(self.agent_config),
            "markets": markets,
        }


def snapshot_run(
    snapshot: dict[str, Any], signature: str
) -> tuple[ModelSpec, AgentConfig, MarketRules]:
    """What one model of a job runs with: its spec, the agent config and its market's rules.

    Jobs stored before markets existed carry no rules: theirs are the catalog's.
    """
    spec = next(ModelSpec(**item) for item in snapshot["models"] if item["signature"] == signature)
    stored = snapshot.get("markets", {}).get(spec.market)
    rules = MarketRules.from_dict(stored) if stored else market_rules(spec.market)
    return spec, AgentConfig(**snapshot["agent_config"]), rules


class AgentConfigSchema(Schema):
    """agent_config; unknown AI-Trader keys (log paths and the like) are ignored."""

    class Meta:
        unknown = EXCLUDE

    max_steps = fields.Integer(validate=validate.Range(1, 200))
    max_retries = fields.Integer(validate=validate.Range(0, 20))
    base_delay = fields.Float(validate=validate.Range(0, 600))
    initial_cash = fields.Float(allow_none=True, validate=validate.Range(min=1))
    fee_bps = fields.Float(validate=validate.Range(0, 1000))
    slippage_bps = fields.Float(validate=validate.Range(0, 1000))
    sell_tax_bps = fields.Float(validate=validate.Range(0, 1000))
    timeout = fields.Float(validate=validate.Range(1, 3600))
    max_seconds_per_day = fields.Float(allow_none=True, validate=validate.Range(1, 86_400))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> AgentConfig:
        """Build the dataclass."""
        return AgentConfig(**data)


class ModelSpecSchema(Schema):
    """One entry of `models`."""

    class Meta:
        unknown = EXCLUDE

    signature = fields.String(required=True, validate=validate.Regexp(SIGNATURE_PATTERN))
    name = fields.String(validate=validate.Length(max=200))
    provider = fields.String(load_default="openai", validate=validate.OneOf(PROVIDERS))
    basemodel = fields.String(allow_none=True, validate=validate.Length(max=200))
    enabled = fields.Boolean(load_default=True)
    strategy = fields.String(allow_none=True, validate=validate.OneOf(tuple(STRATEGIES)))
    params = fields.Dict(keys=fields.String(), load_default=dict)
    openai_base_url = fields.Url(allow_none=True, require_tld=False, schemes={"http", "https"})
    api_key_env = fields.String(load_default="OPENAI_API_KEY", validate=validate.Regexp(ENV_NAME))
    knowledge_cutoff = fields.Date(format="%Y-%m-%d", allow_none=True)
    market = fields.String(load_default=DEFAULT_MARKET, validate=validate.OneOf(tuple(MARKETS)))
    request_options = fields.Nested(RequestOptionsSchema, load_default=dict)
    pricing = fields.Nested(PricingSchema, allow_none=True)
    max_cost_usd_per_day = fields.Float(allow_none=True, validate=validate.Range(0, 1_000_000))
    rate_limit_group = fields.String(
        allow_none=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
    )
    max_concurrency = fields.Integer(allow_none=True, validate=validate.Range(1, 1000))
    requests_per_minute = fields.Integer(allow_none=True, validate=validate.Range(1, 1_000_000))
    tokens_per_minute = fields.Integer(allow_none=True, validate=validate.Range(1, 1_000_000_000))
    agent_url = fields.Url(allow_none=True, require_tld=False, schemes={"http", "https"})
    agent_secret_env = fields.String(allow_none=True, validate=validate.Regexp(ENV_NAME))

    @validates("signature")
    def not_a_run(self, value: str, **_: Any) -> None:
        """A run's signature is its model's plus :w<day> or :r<k> (service.run_names): a model
        named like one would make the runs' names ambiguous."""
        if looks_like_a_run(value):
            raise ValidationError(
                f"{value!r} ends as the signature of a window (:wYYYY-MM-DD) or a repeat (:r<k>)"
                " does, which would make run names ambiguous; rename the model"
            )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> ModelSpec:
        """Build the dataclass; check provider-specific fields."""
        if data.get("knowledge_cutoff") is not None:
            data["knowledge_cutoff"] = data["knowledge_cutoff"].isoformat()
        data.setdefault("name", data["signature"])
        if data["provider"] == "builtin" and not data.get("strategy"):
            raise ValidationError("a builtin model needs a strategy", "strategy")
        if data["provider"] == "openai" and not data.get("basemodel"):
            raise ValidationError("an openai model needs a basemodel", "basemodel")
        needed = {"http": ("agent_url", "agent_secret_env"), "external": ("agent_secret_env",)}
        for name in needed.get(data["provider"], ()):
            if not data.get(name):
                raise ValidationError(f"an {data['provider']} model needs an {name}", name)
        return ModelSpec(**data)


class ModelsConfigSchema(Schema):
    """The whole file."""

    class Meta:
        unknown = EXCLUDE

    models = fields.List(fields.Nested(ModelSpecSchema), required=True)
    agent_config = fields.Nested(AgentConfigSchema, load_default=AgentConfig)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> ModelsConfig:
        """Build the dataclass; signatures must be unique."""
        signatures = [model.signature for model in data["models"]]
        duplicates = sorted({s for s in signatures if signatures.count(s) > 1})
        if duplicates:
            raise ValidationError(f"duplicate signatures: {', '.join(duplicates)}", "models")
        models = _share_rate_limits(data["models"])
        return ModelsConfig(tuple(models), data["agent_config"])


RATE_LIMITS = ("max_concurrency", "requests_per_minute", "tokens_per_minute")


def _share_rate_limits(models: list[ModelSpec]) -> list[ModelSpec]:
    """The models of one rate_limit_group share one key, so each has all the group's limits:
    those its models set, which must agree (a model may leave one to the others)."""
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    for index, model in enumerate(models):
        for name in RATE_LIMITS:
            value = getattr(model, name)
            if model.rate_limit_group is None or value is None:
                continue
            first = seen.setdefault((model.rate_limit_group, name), (model.signature, value))
            if first[1] != value:
                raise ValidationError(
                    f"{name} {value} differs from {first[1]} set by {first[0]!r} in rate limit"
                    f" group {model.rate_limit_group!r}",
                    f"models.{index}.{name}",
                )
    shared: dict[str, dict[str, Any]] = {}
    for (group, name), (_, value) in seen.items():
        shared.setdefault(group, {})[name] = value
    return [replace(model, **shared.get(model.rate_limit_group or "", {})) for model in models]


def _first_error(messages: Any, path: str = "") -> str:
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        return _first_error(value, f"{path}.{key}" if path else str(key))
    if isinstance(messages, list) and messages:
        return (
            f"{path}: {messages[0]}"
            if isinstance(messages[0], str)
            else _first_error(messages[0], path)
        )
    return f"{path}: {messages}"


def parse_models_config(data: Any, source: str) -> ModelsConfig:
    """Validate a decoded config; errors name the source and the field path."""
    try:
        config: ModelsConfig = ModelsConfigSchema().load(data)
    except ValidationError as error:
        raise ModelsConfigError(f"{source}: {_first_error(error.messages)}") from None
    for index, model in enumerate(config.models):
        if model.provider == "builtin":
            problem = check_strategy(model.strategy or "", model.params)
            if problem:
                raise ModelsConfigError(f"{source}: models.{index}.params: {problem}")
    return config


def _read_models_config(path: Path) -> ModelsConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ModelsConfigError(f"{path}: cannot read models config: {error.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        message = f"{path}: invalid JSON at line {error.lineno}: {error.msg}"
        raise ModelsConfigError(message) from None
    return parse_models_config(data, str(path))


load_models_config = cached_by_version(
    _read_models_config,
    lambda path: ModelsConfigError(f"{path}: cannot read models config: file not found"),
)
"""Read and validate the models config file (again only when it changed)."""


def is_valid_signature(text: str) -> bool:
    """Whether text has the allowed form of a signature."""
    return re.fullmatch(SIGNATURE_PATTERN, text) is not None
