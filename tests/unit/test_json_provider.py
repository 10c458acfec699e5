"""JSON bodies: compact, keys in the order given, never invalid JSON for NaN or infinity."""

from __future__ import annotations

import json

import pytest
from flask import Flask

pytestmark = pytest.mark.unit


def test_bodies_are_compact_and_keep_key_order(app: Flask) -> None:
    with app.test_request_context():
        body = app.json.response({"z": 1, "a": [1.5, None, "é"]}).get_data(as_text=True)
    assert body == '{"z":1,"a":[1.5,null,"é"]}\n'


def test_nan_and_infinity_become_null(app: Flask) -> None:
    with app.test_request_context():
        body = app.json.response({"sharpe": float("nan"), "calmar": float("inf")}).get_data()
    assert json.loads(body) == {"sharpe": None, "calmar": None}


def test_debug_mode_indents_and_dumps_reads_back(app: Flask) -> None:
    app.debug = True
    with app.test_request_context():
        body = app.json.response({"a": {"b": 1}}).get_data(as_text=True)
    assert body == '{\n  "a": {\n    "b": 1\n  }\n}\n'
    assert app.json.loads(app.json.dumps({1: "x"})) == {"1": "x"}
