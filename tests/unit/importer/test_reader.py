"""Parsing AI-Trader agent data: both log shapes, actions, and errors naming file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service.importer.reader import (
    AgentDataError,
    LogMessage,
    find_agents,
    read_agent,
    read_log,
    read_positions,
)

pytestmark = pytest.mark.unit

REGISTRATION = {"date": "2025-10-01", "id": 0, "positions": {"AAA": 0, "BBB": 0, "CASH": 1000.0}}
BUY_ACTION = {"action": "buy", "symbol": "AAA", "amount": 3}
BUY = {
    "date": "2025-10-02",
    "id": 1,
    "this_action": BUY_ACTION,
    "positions": {"AAA": 3, "BBB": 0, "CASH": 700.5},
}
NO_TRADE = {
    "date": "2025-10-03",
    "id": 2,
    "this_action": {"action": "no_trade", "symbol": "", "amount": 0},
    "positions": {"AAA": 3, "BBB": 0, "CASH": 700.5},
}


def write_lines(path: Path, lines: list[Any]) -> Path:
    """Write lines to path: dicts as JSON, strings as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def positions_file(tmp_path: Path, *lines: Any) -> Path:
    return write_lines(tmp_path / "gpt-5" / "position" / "position.jsonl", list(lines))


def with_changes(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


def test_actions_are_mapped_and_zero_quantities_dropped(tmp_path: Path) -> None:
    lines = read_positions(positions_file(tmp_path, REGISTRATION, BUY, NO_TRADE))

    assert [line.action_type for line in lines] == ["init", "buy", "hold"]
    assert [line.action_id for line in lines] == [0, 1, 2]
    assert (lines[1].symbol, lines[1].amount, lines[1].price) == ("AAA", 3, None)
    assert (lines[2].symbol, lines[2].amount) == (None, None)
    assert [line.cash for line in lines] == [1000.0, 700.5, 700.5]
    assert [line.shares for line in lines] == [{}, {"AAA": 3}, {"AAA": 3}]


def test_a_line_without_this_action_after_registration_is_a_hold(tmp_path: Path) -> None:
    bare = {key: value for key, value in NO_TRADE.items() if key != "this_action"}

    lines = read_positions(positions_file(tmp_path, REGISTRATION, bare))

    assert lines[1].action_type == "hold"


def test_a_price_on_the_line_is_kept(tmp_path: Path) -> None:
    priced = with_changes(BUY, this_action={**BUY_ACTION, "price": 99.5})

    lines = read_positions(positions_file(tmp_path, REGISTRATION, priced))

    assert lines[1].price == 99.5


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ('{"date": "2025-10-02", "id": 1,', "invalid JSON"),
        ("[1, 2]", "not a JSON object"),
        (with_changes(BUY, date="02/10/2025"), "bad date '02/10/2025'"),
        ({"id": 1, "positions": {"CASH": 1.0}}, 'missing "date"'),
        ({"date": "2025-10-02", "positions": {"CASH": 1.0}}, 'missing "id"'),
        ({"date": "2025-10-02", "id": 1}, 'missing "positions"'),
        (with_changes(BUY, id="1"), '"id" must be a non-negative integer'),
        (with_changes(BUY, positions={"AAA": -3, "CASH": 1.0}), "negative quantity -3 of AAA"),
        (with_changes(BUY, positions={"AAA": 1.5, "CASH": 1.0}), "not a whole number"),
        (with_changes(BUY, positions={"AAA": 3}), "no numeric CASH"),
        (with_changes(BUY, this_action={"action": "short", "symbol": "AAA"}), "unknown action"),
        (with_changes(BUY, this_action={"action": "buy", "amount": 3}), "buy without a symbol"),
        (with_changes(BUY, this_action={"action": "sell", "symbol": "A", "amount": 0}), "positive"),
        (with_changes(BUY, price=-1), "price must be a positive number"),
    ],
)
def test_a_malformed_line_is_rejected_with_file_and_line(
    tmp_path: Path, bad_line: Any, reason: str
) -> None:
    path = positions_file(tmp_path, REGISTRATION, NO_TRADE | {"id": 1}, bad_line)

    with pytest.raises(AgentDataError) as error:
        read_positions(path)

    assert str(error.value).startswith(f"{path}, line 3: ")
    assert reason in str(error.value)


def test_ids_must_increase_through_the_file(tmp_path: Path) -> None:
    path = positions_file(tmp_path, REGISTRATION, BUY, with_changes(NO_TRADE, id=1))

    with pytest.raises(AgentDataError, match=r", line 3: id 1 does not increase \(previous id 1\)"):
        read_positions(path)


def test_dates_must_not_go_back(tmp_path: Path) -> None:
    path = positions_file(tmp_path, REGISTRATION, BUY, with_changes(NO_TRADE, date="2025-10-01"))

    with pytest.raises(AgentDataError, match=", line 3: date 2025-10-01 is before"):
        read_positions(path)


def test_the_first_line_must_be_the_registration(tmp_path: Path) -> None:
    path = positions_file(tmp_path, BUY, NO_TRADE)

    with pytest.raises(AgentDataError, match=", line 1: the first line must be the registration"):
        read_positions(path)


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    path = positions_file(tmp_path, REGISTRATION, "", "not json")

    with pytest.raises(AgentDataError, match=", line 3: invalid JSON"):
        read_positions(path)


def test_an_empty_positions_file_is_rejected(tmp_path: Path) -> None:
    path = positions_file(tmp_path, "")

    with pytest.raises(AgentDataError, match="no position lines"):
        read_positions(path)


def test_log_accepts_a_list_or_a_single_message(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "log.jsonl",
        [
            {"signature": "m", "new_messages": [{"role": "user", "content": "go"}]},
            {"signature": "m", "new_messages": {"role": "assistant", "content": "done"}},
            {
                "signature": "m",
                "new_messages": [
                    {"role": "tool", "content": {"price": 1.5}, "name": "get_price_local"},
                    {"role": "assistant", "content": None},
                ],
            },
        ],
    )

    assert read_log(path) == [
        LogMessage("user", "go"),
        LogMessage("assistant", "done"),
        LogMessage("tool", '{"price": 1.5}', "get_price_local"),
        LogMessage("assistant", ""),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ({"signature": "m"}, 'missing "new_messages"'),
        ({"new_messages": ["hello"]}, "a message is not a JSON object"),
        ({"new_messages": {"content": "hello"}}, 'a message has no "role"'),
    ],
)
def test_a_malformed_log_line_names_file_and_line(
    tmp_path: Path, line: dict[str, Any], reason: str
) -> None:
    path = write_lines(tmp_path / "log.jsonl", [{"new_messages": []}, line])

    with pytest.raises(AgentDataError) as error:
        read_log(path)

    assert str(error.value) == f"{path}, line 2: {reason}"


def test_read_agent_takes_the_signature_from_the_folder_and_logs_by_day(tmp_path: Path) -> None:
    positions_file(tmp_path, REGISTRATION, BUY)
    log = {"signature": "gpt-5", "new_messages": {"role": "user", "content": "hi"}}
    write_lines(tmp_path / "gpt-5" / "log" / "2025-10-02" / "log.jsonl", [log])

    data = read_agent(tmp_path / "gpt-5")

    assert data.signature == "gpt-5"
    assert len(data.positions) == 2
    assert data.logs == {"2025-10-02": [LogMessage("user", "hi")]}


def test_a_log_folder_that_is_not_a_date_is_rejected(tmp_path: Path) -> None:
    positions_file(tmp_path, REGISTRATION)
    write_lines(tmp_path / "gpt-5" / "log" / "latest" / "log.jsonl", [{"new_messages": []}])

    with pytest.raises(AgentDataError, match="latest: folder name is not a date"):
        read_agent(tmp_path / "gpt-5")


def test_an_invalid_signature_folder_is_rejected(tmp_path: Path) -> None:
    write_lines(tmp_path / "bad name" / "position" / "position.jsonl", [REGISTRATION])

    with pytest.raises(AgentDataError, match="'bad name' is not a valid signature"):
        read_agent(tmp_path / "bad name")


def test_find_agents_lists_folders_with_positions_or_the_named_ones(tmp_path: Path) -> None:
    positions_file(tmp_path, REGISTRATION)
    write_lines(tmp_path / "b-model" / "position" / "position.jsonl", [REGISTRATION])
    (tmp_path / "notes").mkdir()

    assert find_agents(tmp_path) == [tmp_path / "b-model", tmp_path / "gpt-5"]
    assert find_agents(tmp_path, ["gpt-5"]) == [tmp_path / "gpt-5"]
    with pytest.raises(AgentDataError, match="no agent data"):
        find_agents(tmp_path / "notes")
    with pytest.raises(AgentDataError, match="not a directory"):
        find_agents(tmp_path / "missing")
