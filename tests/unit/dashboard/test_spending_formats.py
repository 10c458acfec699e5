"""How the dashboard writes costs and token counts: readable, and a dash when unknown."""

from __future__ import annotations

import pytest

from service.resources.dashboard.page import (
    format_tokens,
    format_usd,
    token_detail,
    total_tokens,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        (0.0, "$0.00"),
        (0.00004, "<$0.0001"),
        (0.0001, "$0.0001"),
        (0.0123, "$0.0123"),
        (0.99994, "$0.9999"),
        (0.99996, "$1.00"),
        (12.345, "$12.35"),
        (1234.5, "$1,234.50"),
    ],
)
def test_format_usd(value: float | None, shown: str) -> None:
    assert format_usd(value) == shown


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (None, "—"),
        (0, "0"),
        (999, "999"),
        (1000, "1.0k"),
        (4800, "4.8k"),
        (123_456, "123.5k"),
        (999_960, "1.0M"),
        (12_345_678, "12.3M"),
        (2_500_000_000, "2.5B"),
    ],
)
def test_format_tokens(count: int | None, shown: str) -> None:
    assert format_tokens(count) == shown


def test_the_total_is_prompt_and_completion_with_the_details_in_the_tooltip() -> None:
    spent = {"prompt_tokens": 4000, "completion_tokens": 800, "cached_tokens": 1600}
    assert total_tokens(spent) == 4800
    assert token_detail({**spent, "reasoning_tokens": None}) == (
        "4,800 tokens: 4,000 prompt (1,600 cached), 800 completion"
    )


def test_no_tokens_known() -> None:
    empty = {"prompt_tokens": None, "completion_tokens": None}
    assert (total_tokens(empty), token_detail(empty)) == (None, "")
