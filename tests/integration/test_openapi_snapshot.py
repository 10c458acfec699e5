"""The OpenAPI document is valid and changes only on purpose (compared with a committed copy).

After an intended API change: UPDATE_SNAPSHOTS=1 bin/test tests/integration/test_openapi_snapshot.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.integration
SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")


@pytest.fixture
def spec(client: Any) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").get_json()
    return document


def test_document_is_valid_openapi(spec: dict[str, Any]) -> None:
    validate(spec)


def test_document_matches_the_committed_snapshot(spec: dict[str, Any]) -> None:
    text = json.dumps(spec, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(text)
    assert text == SNAPSHOT.read_text(), "the API changed: review and update the snapshot"
