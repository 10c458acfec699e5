"""A reasoning log as a conversation: calls paired with results, numbers to two decimals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.resources.dashboard.conversation import conversation, round_text, shown_json

pytestmark = pytest.mark.unit


def row(step: int, role: str, content: str, tool: str | None = None) -> dict[str, Any]:
    """A reasoning_logs row as /results?detail=full lists it."""
    return {"step_number": step, "role": role, "content": content, "tool_name": tool}


def result(**fields: Any) -> str:
    """A tool's JSON answer."""
    return json.dumps(fields)


LOG = [
    row(0, "system", "You trade. Cash: 10000.00"),
    row(0, "user", "Please trade 2025-09-23."),
    row(
        1,
        "assistant",
        'Looking at NFLX.\n[tool call] get_price_local({"symbol": "NFLX"})\n'
        "[tool call] get_portfolio({})",
    ),
    row(1, "tool", result(symbol="NFLX", open=1227.3333333), "get_price_local"),
    row(1, "tool", result(cash=6318.010000001, shares={"NFLX": 3}), "get_portfolio"),
    row(2, "assistant", "Done. <FINISH_SIGNAL>"),
]


def test_each_call_gets_its_result_and_money_is_rounded() -> None:
    system, user, first, last = conversation(LOG)
    assert (system.role, system.text) == ("system", "You trade. Cash: 10000.00")
    assert (user.role, user.text) == ("user", "Please trade 2025-09-23.")
    assert first.text == "Looking at NFLX." and first.step == 1
    assert [(call.name, json.loads(call.arguments)) for call in first.calls] == [
        ("get_price_local", {"symbol": "NFLX"}),
        ("get_portfolio", {}),
    ]
    assert [json.loads(call.result or "") for call in first.calls] == [
        {"symbol": "NFLX", "open": 1227.33},
        {"cash": 6318.01, "shares": {"NFLX": 3}},
    ]
    assert last.text == "Done. <FINISH_SIGNAL>" and last.calls == []


def test_results_are_matched_by_tool_name_within_the_step() -> None:
    log = [
        row(1, "assistant", "[tool call] buy({})\n[tool call] sell({})"),
        row(1, "tool", result(sold=1), "sell"),
        row(1, "tool", result(bought=2), "buy"),
    ]
    (message,) = conversation(log)
    assert [(c.name, c.result and json.loads(c.result)) for c in message.calls] == [
        ("buy", {"bought": 2}),
        ("sell", {"sold": 1}),
    ]


def test_a_result_without_its_call_is_shown_on_its_own() -> None:
    log = [row(1, "assistant", "thinking"), row(1, "tool", "plain text", "search_news")]
    message, orphan = conversation(log)
    assert message.calls == []
    assert (orphan.role, orphan.tool_name, orphan.text) == ("tool", "search_news", "plain text")


def test_a_call_without_result_and_bad_arguments_are_kept_as_written() -> None:
    (message,) = conversation([row(3, "assistant", "[tool call] buy({not json 1.23456)")])
    (call,) = message.calls
    assert (call.name, call.arguments, call.result) == ("buy", "{not json 1.23", None)


def test_a_builtin_summary_is_one_message_in_cents() -> None:
    (message,) = conversation([row(1, "assistant", "momentum: buy 101 WBD at 19.6400")])
    assert message.text == "momentum: buy 101 WBD at 19.64" and message.calls == []


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("at 19.6400; sell 3 at 1227.335", "at 19.64; sell 3 at 1227.34"),
        ("return -0.2658%", "return -0.27%"),
        ("cash 10000.00, 12 shares, 1.5 ratio", "cash 10000.00, 12 shares, 1.5 ratio"),
        (
            "on 2025-09-30, v1.2.345, 1.23456e-05, x0.12345",
            "on 2025-09-30, v1.2.345, 1.23456e-05, x0.12345",
        ),
    ],
)
def test_round_text(text: str, shown: str) -> None:
    assert round_text(text) == shown


def test_shown_json_writes_floats_in_cents_and_keeps_the_rest() -> None:
    text = json.dumps({"a": [1.005001, {"b": 2}], "cash": 10000.0, "d": "9.87654", "e": None})
    shown = shown_json(text)
    assert shown == '{"a": [1.01, {"b": 2}], "cash": 10000.00, "d": "9.87654", "e": null}'
    assert json.loads(shown_json(text, indent=2)) == json.loads(shown)
    assert shown_json(text, indent=2).startswith('{\n  "a": [\n    1.01,')


def test_text_that_is_not_json_is_rounded_as_prose() -> None:
    assert shown_json("error: price 1.23456 too high") == "error: price 1.23 too high"
