"""Which market a model's answers are read in: the market of its stored timeline."""

from __future__ import annotations

import sqlite3

from service.portfolio.positions import timeline_market
from service.resources.errors import fail


def model_market(conn: sqlite3.Connection, model: str, asked: object = None) -> str:
    """The market of model's timeline; 404 when it has none, or is not on the asked market."""
    stored = timeline_market(conn, model)
    if stored is None:
        fail(404, f"model {model!r} has no stored days")
    if asked is not None and asked != stored:
        fail(404, f"model {model!r} trades on market {stored!r}, not {asked!r}")
    return stored
