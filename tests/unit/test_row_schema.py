"""RowSchema's fast dump: what it implements matches marshmallow, anything else is refused."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import Schema, fields

import service.resources  # noqa: F401 - registers every resource's schemas
from service import create_app
from service.resources.schemas import Rounded, RowSchema, UnsupportedFieldError

pytestmark = pytest.mark.unit


class Inner(RowSchema):
    name = fields.String()


class Row(RowSchema):
    text = fields.String()
    count = fields.Integer(allow_none=True)
    money = Rounded(2)
    flag = fields.Boolean()
    extra = fields.Dict()
    tags = fields.List(fields.String())
    inner = fields.Nested(Inner)
    inners = fields.List(fields.Nested(Inner))


class PlainRow(Schema):
    text = fields.String()
    count = fields.Integer(allow_none=True)
    flag = fields.Boolean()
    extra = fields.Dict()
    tags = fields.List(fields.String())
    inner = fields.Nested(Inner)
    inners = fields.List(fields.Nested(Inner))


VALUE: dict[str, Any] = {
    "text": "a",
    "count": None,
    "money": 1.23456,
    "flag": True,
    "extra": {"k": 1},
    "tags": ["x"],
    "inner": {"name": "n", "other": 1},
    "inners": [{"name": "m"}],
    "ignored": 5,
}


def test_the_fast_path_dumps_like_marshmallow() -> None:
    fast = Row().dump(VALUE)

    assert fast == {**PlainRow().dump(VALUE), "money": 1.23}
    assert "ignored" not in fast and Row().dump({"text": "b"}) == {"text": "b"}


@pytest.mark.parametrize(
    "field",
    [fields.Date(), fields.Function(lambda row: 1), fields.Decimal(), fields.List(fields.Date())],
)
def test_a_field_it_does_not_implement_is_refused(field: fields.Field[Any]) -> None:
    bad = type("Bad", (RowSchema,), {"when": field})

    with pytest.raises(UnsupportedFieldError, match="Bad.when: a RowSchema does not dump"):
        bad().dump({"when": "2025-01-01"})


def every_row_schema(kind: type[RowSchema] = RowSchema) -> list[type[RowSchema]]:
    found = []
    for sub in kind.__subclasses__():
        found += [sub, *every_row_schema(sub)]
    return found


def test_every_row_schema_of_the_service_is_one_it_can_dump(tmp_path: Any) -> None:
    create_app({"database_path": str(tmp_path / "t.db"), "huey_immediate": True})
    service_schemas = [kind for kind in every_row_schema() if kind.__module__.startswith("service")]

    assert len(service_schemas) > 10
    for kind in service_schemas:
        assert kind().dump({}) == {}
