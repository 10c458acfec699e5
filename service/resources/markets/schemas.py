"""Schemas of the markets resource."""

from __future__ import annotations

from marshmallow import fields

from service.resources.health.schemas import PriceDataSchema
from service.resources.schemas import RowSchema


class RulesSchema(RowSchema):
    """What a market's orders, calendar and benchmark follow."""

    label = fields.String()
    currency = fields.String(metadata={"description": "Of cash, prices and values"})
    initial_cash = fields.Float(metadata={"description": "Each timeline's cash on registration"})
    benchmark = fields.String(metadata={"description": "The symbol the models are compared to"})
    unit = fields.String(metadata={"description": "What a quantity counts: share or coin"})
    quantity_step = fields.Float(metadata={"description": "Orders are multiples of this"})
    lot_size = fields.Integer(metadata={"description": "Buys in multiples of this many units"})
    odd_lot_sales = fields.Boolean(
        metadata={"description": "A holding off the step can be sold, but only as a whole"}
    )
    settlement_days = fields.Integer(
        metadata={"description": "T+n: units bought cannot be sold for n trading days"}
    )
    every_day = fields.Boolean(metadata={"description": "Trades every day (else the data's days)"})
    bar_interval = fields.String()
    bars_per_day = fields.Integer()
    trading_days_per_year = fields.Integer()
    periods_per_year = fields.Integer(metadata={"description": "Used to annualise metrics"})
    watchlist = fields.List(fields.String())
    fill = fields.String(metadata={"description": "The price orders fill at"})
    valuation = fields.String(metadata={"description": "The price a portfolio is valued at"})


class MarketSchema(RowSchema):
    """A market: its rules, its data and the models the config has on it."""

    name = fields.String()
    rules = fields.Nested(RulesSchema)
    data = fields.Nested(PriceDataSchema, metadata={"description": "The tradable universe's bars"})
    benchmark_data = fields.Nested(
        PriceDataSchema,
        allow_none=True,
        metadata={"description": "The benchmark's own file; null when it is in the price data"},
    )
    models = fields.List(
        fields.String(), metadata={"description": "Enabled models of the config on this market"}
    )
