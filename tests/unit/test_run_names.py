"""Run names: repeats and windows of a base model."""

from __future__ import annotations

import pytest

from service.run_names import RunName, looks_like_a_run, parse_run

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        ("momentum-20", RunName("momentum-20")),
        ("mock:r3", RunName("mock", repeat=3)),
        ("momentum-20:w2025-10-09", RunName("momentum-20", window="2025-10-09")),
        ("m:w2025-10-09:r10", RunName("m", "2025-10-09", 10)),
        ("a:b:r1", RunName("a:b", repeat=1)),  # a colon of the base stays in the base
        ("x:r", RunName("x:r")),
    ],
)
def test_parse_and_format_round_trip(signature: str, expected: RunName) -> None:
    assert parse_run(signature) == expected
    assert expected.signature == signature


def test_config_signatures_that_would_read_as_runs() -> None:
    assert looks_like_a_run("gpt:r2") and looks_like_a_run("gpt:w2025-10-01")
    assert not looks_like_a_run("gpt-5:rev") and not looks_like_a_run("gpt-r2")
