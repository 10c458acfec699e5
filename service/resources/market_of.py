"""Which market a model's answers are read in: the market of its stored timeline."""

from __future__ import annotations

import sqlite3

from service.market.catalog import DEFAULT_MARKET
from service.portfolio.positions import timeline_market
from service.resources.errors import fail


def model_market(
    conn: sqlite3.Connection, model: str, asked: object = None, found_or_404: bool = True
) -> str:
    """The market of model's timeline, which must be the asked one when one is asked.

    When the model has no timeline (or not on the asked market): 404, or with found_or_404
    false the asked market (default nasdaq100), where the model has nothing stored.
    """
    stored = timeline_market(conn, model)
    if stored is not None and asked in (None, stored):
        return stored
    if found_or_404:
        where = f"trades on market {stored!r}, not {asked!r}" if stored else "has no stored days"
        fail(404, f"model {model!r} {where}")
    return str(asked or DEFAULT_MARKET)
