"""Schemas of the health resource."""

from __future__ import annotations

import enum

from marshmallow import fields

from service.resources.schemas import RowSchema


class HealthStatus(enum.StrEnum):
    """ok; degraded: jobs wait with no worker, or the prices or the models config cannot be
    used; unavailable: the database cannot be used (503)."""

    OK = "ok"
    DEGRADED = "degraded"
    UNAVAILABLE = "unavailable"


class QueueSchema(RowSchema):
    """The task queue."""

    mode = fields.String(metadata={"description": "immediate (in the web process) or consumer"})
    worker_alive = fields.Boolean()
    last_heartbeat_seconds_ago = fields.Float(allow_none=True)
    waiting_jobs = fields.Integer(metadata={"description": "Jobs pending or running"})


class PriceDataSchema(RowSchema):
    """The price data: its file and range, or why it cannot be used."""

    source = fields.String()
    first_day = fields.String()
    last_day = fields.String()
    trading_days = fields.Integer()
    symbols = fields.Integer()
    error = fields.String()


class ModelsConfigSchema(RowSchema):
    """The models config: how many models, or why it cannot be used."""

    models = fields.Integer()
    enabled = fields.Integer()
    error = fields.String()


class HealthSchema(RowSchema):
    """What is up."""

    status = fields.Enum(HealthStatus, by_value=True)
    database = fields.String(metadata={"description": "ok, or error: and the reason"})
    queue = fields.Nested(QueueSchema)
    price_data = fields.Nested(PriceDataSchema, metadata={"description": "The nasdaq100 market's"})
    markets = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(PriceDataSchema),
        metadata={"description": "Each market's price data"},
    )
    models_config = fields.Nested(ModelsConfigSchema)
    hint = fields.String(allow_none=True, metadata={"description": "What to do about it"})
