"""Reading AI-Trader agent data as recorded: every kind of line, notes, errors naming the line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service.importer.jsonl import AgentDataError
from service.importer.reader import (
    LogMessage,
    PositionLine,
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


def lines_of(path: Path) -> list[PositionLine]:
    lines, notes = read_positions(path)
    assert notes == []
    return lines


def test_actions_are_mapped_and_zero_quantities_dropped(tmp_path: Path) -> None:
    lines = lines_of(positions_file(tmp_path, REGISTRATION, BUY, NO_TRADE))

    assert [line.action_type for line in lines] == ["init", "buy", "hold"]
    assert [line.action_id for line in lines] == [0, 1, 2]
    assert [line.number for line in lines] == [1, 2, 3]
    assert (lines[1].symbol, lines[1].amount, lines[1].price) == ("AAA", 3, None)
    assert (lines[2].symbol, lines[2].amount) == (None, None)
    assert [line.cash for line in lines] == [1000.0, 700.5, 700.5]
    assert [line.shares for line in lines] == [{}, {"AAA": 3}, {"AAA": 3}]


def test_a_line_without_this_action_after_registration_is_a_hold(tmp_path: Path) -> None:
    bare = {key: value for key, value in NO_TRADE.items() if key != "this_action"}

    lines = lines_of(positions_file(tmp_path, REGISTRATION, bare))

    assert lines[1].action_type == "hold"


def test_a_price_on_the_line_is_kept(tmp_path: Path) -> None:
    priced = with_changes(BUY, this_action={**BUY_ACTION, "price": 99.5})

    lines = lines_of(positions_file(tmp_path, REGISTRATION, priced))

    assert lines[1].price == 99.5


@pytest.mark.parametrize("amount", [0, 0.0])
@pytest.mark.parametrize("name", ["buy", "sell", "buy_crypto", "sell_crypto"])
def test_a_zero_amount_order_is_a_hold(tmp_path: Path, name: str, amount: float) -> None:
    no_op = with_changes(NO_TRADE, this_action={"action": name, "symbol": "META", "amount": amount})

    lines = lines_of(positions_file(tmp_path, REGISTRATION, BUY, no_op))

    assert (lines[2].action_type, lines[2].symbol, lines[2].amount) == ("hold", None, None)
    assert (lines[2].cash, lines[2].shares) == (700.5, {"AAA": 3})


def test_crypto_orders_and_fractional_quantities_are_read_as_written(tmp_path: Path) -> None:
    crypto = {
        "date": "2025-11-02",
        "this_action": {"action": "sell_crypto", "symbol": "BTC-USDT", "amount": 0.0235},
        "positions": {"BTC-USDT": 0.159, "ETH-USDT": 0.0, "AAA": 3.0, "CASH": 950.25},
        "id": 1,
    }

    line = lines_of(positions_file(tmp_path, REGISTRATION, crypto))[1]

    assert (line.action_type, line.symbol, line.amount) == ("sell", "BTC-USDT", 0.0235)
    assert line.shares == {"AAA": 3, "BTC-USDT": 0.159}
    # Whole quantities stay ints whatever the file wrote: whole shares stay whole shares.
    assert type(line.shares["AAA"]) is int
    assert type(line.amount) is float


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    extra = {**BUY, "signature": "gpt-5", "this_action": {**BUY_ACTION, "reason": "cheap"}}

    assert lines_of(positions_file(tmp_path, REGISTRATION, extra)) == lines_of(
        positions_file(tmp_path, REGISTRATION, BUY)
    )


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ('{"date": "2025-10-02", "id": 1,', "invalid JSON"),
        ("[1, 2]", "not a JSON object"),
        (with_changes(BUY, date="02/10/2025"), "bad date '02/10/2025'"),
        (with_changes(BUY, date="2025-10-02T10:00:00"), "bad date '2025-10-02T10:00:00'"),
        (with_changes(BUY, date="2025-10-02 10:00"), "bad date '2025-10-02 10:00'"),
        (with_changes(BUY, date="2025-10-02 25:00:00"), "bad date '2025-10-02 25:00:00'"),
        (
            with_changes(BUY, date="2025-10-02 10:00:00"),
            "date 2025-10-02 10:00:00 is a bar (a day and a time), the first line's 2025-10-01"
            " is a day",
        ),
        ({"id": 1, "positions": {"CASH": 1.0}}, 'missing "date"'),
        ({"date": "2025-10-02", "id": 1}, 'missing "positions"'),
        (with_changes(BUY, positions=[1.0]), '"positions" is not an object'),
        (with_changes(BUY, positions={"AAA": -3, "CASH": 1.0}), "negative quantity -3 of AAA"),
        (with_changes(BUY, positions={"AAA": "3", "CASH": 1.0}), "quantity of AAA is not a number"),
        (
            with_changes(BUY, positions={"AAA": True, "CASH": 1.0}),
            "quantity of AAA is not a number",
        ),
        (with_changes(BUY, positions={"AAA": 3}), "no numeric CASH"),
        (with_changes(BUY, positions={"AAA": 3, "CASH": "1"}), "no numeric CASH"),
        (with_changes(BUY, this_action="buy"), '"this_action" is not an object'),
        (with_changes(BUY, this_action={**BUY_ACTION, "amount": -3}), "buy amount must be"),
        (with_changes(BUY, this_action={**BUY_ACTION, "amount": "3"}), "buy amount must be"),
        (with_changes(BUY, this_action={"action": "sell", "symbol": "AAA"}), "sell amount must"),
        (with_changes(BUY, price=-1), "price must be a positive number"),
    ],
)
def test_a_line_that_cannot_be_read_is_rejected_with_file_and_line(
    tmp_path: Path, bad_line: Any, reason: str
) -> None:
    path = positions_file(tmp_path, REGISTRATION, NO_TRADE | {"id": 1}, bad_line)

    with pytest.raises(AgentDataError) as error:
        read_positions(path)

    assert str(error.value).startswith(f"{path}, line 3: ")
    assert reason in str(error.value)


def test_dates_must_not_go_back(tmp_path: Path) -> None:
    path = positions_file(tmp_path, REGISTRATION, BUY, with_changes(NO_TRADE, date="2025-10-01"))

    with pytest.raises(AgentDataError) as error:
        read_positions(path)

    assert str(error.value) == (
        f"{path}, line 3: date 2025-10-01 is before the previous line's 2025-10-02"
    )


@pytest.mark.parametrize(
    ("ids", "problems"),
    [
        ([0, 1, 1], {3: "id 1 does not increase (previous id 1)"}),
        ([0, None, 2], {2: 'no "id"'}),
        ([0, "1", 2], {2: "\"id\" '1' is not an integer, 0 or more"}),
        ([3, 4, 5], {1: "the registration has id 3, not 0"}),
        ([0, 5, 2], {3: "id 2 does not increase (previous id 5)"}),
    ],
)
def test_bad_ids_are_replaced_by_the_file_order_with_a_note_each(
    tmp_path: Path, ids: list[Any], problems: dict[int, str]
) -> None:
    records = [REGISTRATION, BUY, NO_TRADE]
    written = [
        {key: value for key, value in record.items() if key != "id"}
        | ({} if action_id is None else {"id": action_id})
        for record, action_id in zip(records, ids, strict=True)
    ]

    lines, notes = read_positions(positions_file(tmp_path, *written))

    assert [line.action_id for line in lines] == [0, 1, 2]
    assert [line.action_type for line in lines] == ["init", "buy", "hold"]
    assert notes == [
        (number, f"{problem}; the actions are numbered in file order")
        for number, problem in problems.items()
    ]


@pytest.mark.parametrize(
    ("this_action", "note"),
    [
        ({"action": "short", "symbol": "AAA", "amount": 3}, "unknown action 'short'"),
        ({"symbol": "AAA", "amount": 3}, "unknown action None"),
        ({"action": "buy", "amount": 3}, "buy of 3 without a symbol"),
        ({"action": "sell", "symbol": " ", "amount": 1.5}, "sell of 1.5 without a symbol"),
    ],
)
def test_an_action_that_is_no_order_is_kept_as_a_hold_with_a_note(
    tmp_path: Path, this_action: dict[str, Any], note: str
) -> None:
    odd = with_changes(BUY, this_action=this_action)

    lines, notes = read_positions(positions_file(tmp_path, REGISTRATION, odd))

    assert (lines[1].action_type, lines[1].symbol, lines[1].amount) == ("hold", None, None)
    assert (lines[1].cash, lines[1].shares) == (700.5, {"AAA": 3})
    assert notes == [(2, f"{note}: stored as hold")]


def test_the_first_line_is_the_registration_whatever_it_carries(tmp_path: Path) -> None:
    lines, notes = read_positions(positions_file(tmp_path, with_changes(BUY, id=0), NO_TRADE))

    assert (lines[0].action_type, lines[0].symbol, lines[0].cash) == ("init", None, 700.5)
    assert lines[0].shares == {"AAA": 3}
    assert [line.action_id for line in lines] == [0, 2]
    assert notes == [(1, "the first line is the registration: its action is not kept")]


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
    assert (data.position_file, data.notes) == (tmp_path / "gpt-5/position/position.jsonl", [])
    assert data.logs == {"2025-10-02": [LogMessage("user", "hi")]}


def test_a_log_folder_that_is_not_a_date_is_rejected(tmp_path: Path) -> None:
    positions_file(tmp_path, REGISTRATION)
    write_lines(tmp_path / "gpt-5" / "log" / "latest" / "log.jsonl", [{"new_messages": []}])

    with pytest.raises(AgentDataError, match="latest: folder name is not a date"):
        read_agent(tmp_path / "gpt-5")


def at_bars(*lines: dict[str, Any]) -> list[dict[str, Any]]:
    """lines dated by bar, as an hourly run dates them: each day at 10:00."""
    return [with_changes(line, date=f"{line['date']} 10:00:00") for line in lines]


def test_an_hourly_run_is_read_by_bar_with_its_logs_in_folders_named_by_bar(
    tmp_path: Path,
) -> None:
    registration = with_changes(REGISTRATION, date="2025-10-01 08:30:00")
    positions_file(tmp_path, registration, *at_bars(BUY, NO_TRADE))
    log = {"signature": "gpt-5", "new_messages": [{"role": "user", "content": "hi"}]}
    write_lines(tmp_path / "gpt-5" / "log" / "2025-10-02 10:00:00" / "log.jsonl", [log])

    data = read_agent(tmp_path / "gpt-5")

    assert [line.date for line in data.positions] == [
        "2025-10-01 08:30:00",
        "2025-10-02 10:00:00",
        "2025-10-03 10:00:00",
    ]
    assert [line.action_type for line in data.positions] == ["init", "buy", "hold"]
    assert (data.intraday, data.notes) == (True, [])
    assert data.logs == {"2025-10-02 10:00:00": [LogMessage("user", "hi")]}
    assert not read_agent(positions_file(tmp_path / "daily", REGISTRATION).parents[1]).intraday


def test_a_run_dated_by_bar_after_a_daily_registration_is_rejected(tmp_path: Path) -> None:
    path = positions_file(tmp_path, REGISTRATION, *at_bars(BUY))

    with pytest.raises(AgentDataError) as error:
        read_positions(path)

    assert str(error.value) == (
        f"{path}, line 2: date 2025-10-02 10:00:00 is a bar (a day and a time), the first line's"
        " 2025-10-01 is a day"
    )


def test_a_log_folder_named_by_a_bar_without_seconds_is_rejected(tmp_path: Path) -> None:
    positions_file(tmp_path, REGISTRATION)
    write_lines(
        tmp_path / "gpt-5" / "log" / "2025-10-02 10:00" / "log.jsonl", [{"new_messages": []}]
    )

    with pytest.raises(AgentDataError, match="10:00: folder name is not a date"):
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


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_ai_trader_sse50_lines_are_read_from_the_holiday_registration_on() -> None:
    data = read_agent(FIXTURES / "ai_trader_sse50" / "gpt-5")

    registration, first_buy = data.positions[:2]
    # 2025-10-01 is in Golden Week: the registration's day is kept as written.
    assert (registration.date, registration.action_type, registration.cash) == (
        "2025-10-01",
        "init",
        100000.0,
    )
    assert registration.shares == {}
    assert (first_buy.date, first_buy.symbol, first_buy.amount) == ("2025-10-09", "600028.SH", 100)
    assert (first_buy.shares, first_buy.cash) == ({"600028.SH": 100}, 99471.0)
    assert (len(data.positions), data.notes) == (12, [])
    assert list(data.logs) == ["2025-10-09"]


def test_ai_trader_crypto_lines_keep_their_decimals() -> None:
    data = read_agent(FIXTURES / "ai_trader_crypto10" / "gpt-5")

    line = data.positions[3]
    assert (line.action_type, line.symbol, line.amount) == ("buy", "BTC-USDT", 0.02382)
    assert line.cash == 20008.1934
    assert line.shares == {"BTC-USDT": 0.159, "ETH-USDT": 3.226}
    assert [p.action_id for p in data.positions] == list(range(12))
    assert data.notes == []


def test_ai_trader_hourly_lines_are_read_by_bar_from_a_registration_before_the_first_bar() -> None:
    data = read_agent(FIXTURES / "ai_trader_sse50_hourly" / "gpt-5-astock-hour")

    registration, first_buy = data.positions[:2]
    # 08:30 is before the 10:30 bar, the day's first: the registration's time is kept as written.
    assert (registration.date, registration.action_type, registration.cash) == (
        "2025-10-09 08:30:00",
        "init",
        100000.0,
    )
    assert (first_buy.date, first_buy.symbol, first_buy.amount) == (
        "2025-10-09 10:30:00",
        "600941.SH",
        100,
    )
    assert (first_buy.shares, first_buy.cash) == ({"600941.SH": 100}, 89584.0)
    assert (len(data.positions), data.notes, data.intraday) == (18, [], True)
    assert list(data.logs) == ["2025-10-09 11:30:00"]
