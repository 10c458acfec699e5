"""Models resource: the configured competitors (never their keys)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields

from service.agent.request_options import REASONING_EFFORTS
from service.agent.webhook import public_url
from service.models_config import PROVIDERS
from service.portfolio.positions import timeline_bounds
from service.resources.blueprint import Blueprint
from service.resources.context import get_db, models_config
from service.resources.schemas import RowSchema

blp = Blueprint("models", __name__, url_prefix="/models", description="Configured models")


class ModelRequestOptionsSchema(RowSchema):
    """The request options a model's config sets; options it does not set are left out."""

    temperature = fields.Float()
    top_p = fields.Float()
    seed = fields.Integer()
    max_tokens = fields.Integer()
    reasoning_effort = fields.String(metadata={"enum": list(REASONING_EFFORTS)})
    parallel_tool_calls = fields.Boolean()
    extra_body = fields.Dict(metadata={"description": "Merged into every request body"})
    extra_headers = fields.Dict(
        metadata={
            "description": 'Header name to its value, or to {"env": NAME} when the value is read'
            " from that environment variable (the value is never shown)"
        }
    )


class PricingSchema(RowSchema):
    """USD per million tokens; cached input defaults to input."""

    input = fields.Float()
    cached_input = fields.Float()
    output = fields.Float()


class ModelSchema(RowSchema):
    """One configured model and its stored timeline."""

    signature = fields.String()
    name = fields.String()
    provider = fields.String(metadata={"enum": list(PROVIDERS)})
    basemodel = fields.String(allow_none=True)
    enabled = fields.Boolean()
    strategy = fields.String(allow_none=True)
    params = fields.Dict()
    openai_base_url = fields.String(allow_none=True)
    api_key_env = fields.String(metadata={"description": "Name of the env var with the key"})
    agent_url = fields.String(
        allow_none=True,
        metadata={"description": "A webhook agent's URL, without credentials or query"},
    )
    agent_secret_env = fields.String(
        allow_none=True,
        metadata={
            "description": "Name of the env var with a webhook agent's signing secret, or with a"
            " pull agent's token"
        },
    )
    knowledge_cutoff = fields.String(allow_none=True)
    request_options = fields.Nested(ModelRequestOptionsSchema)
    market = fields.String()
    pricing = fields.Nested(PricingSchema, allow_none=True)
    max_cost_usd_per_day = fields.Float(allow_none=True)
    rate_limit_group = fields.String(
        allow_none=True, metadata={"description": "Models of one group share its limits"}
    )
    max_concurrency = fields.Integer(allow_none=True)
    requests_per_minute = fields.Integer(allow_none=True)
    tokens_per_minute = fields.Integer(allow_none=True)
    first_date = fields.String(allow_none=True, metadata={"description": "Registration day"})
    last_date = fields.String(allow_none=True, metadata={"description": "Last stored day"})


@blp.route("")
class ModelsView(MethodView):
    """Models."""

    @blp.response(200, ModelSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Every configured model with its provider, enabled flag and stored date range."""
        conn = get_db()
        answer = []
        for model in models_config().models:
            bounds = timeline_bounds(conn, model.signature) or (None, None)
            shown = {**model.to_dict(), "first_date": bounds[0], "last_date": bounds[1]}
            if model.agent_url:
                shown["agent_url"] = public_url(model.agent_url)
            answer.append(shown)
        return answer
