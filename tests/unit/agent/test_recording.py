"""Recorded answers: what a request's hash covers, and answering from a recording."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.agent.client import ChatResponse, parse_message
from service.agent.recording import (
    RecordingClient,
    ReplayDiverged,
    Turn,
    request_hash,
    response_from_json,
    response_json,
    with_turns,
)
from service.journal import LogEntry

pytestmark = pytest.mark.unit
IDENTITY = {"model": "gpt-5", "temperature": 0}
MESSAGES = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
TOOLS = [{"type": "function", "function": {"name": "buy"}}]
MESSAGE = {
    "role": "assistant",
    "content": "<think>hmm</think>Buying.",
    "tool_calls": [
        {"id": "a", "type": "function", "function": {"name": "buy", "arguments": '{"x": 1}'}},
        {"id": "b", "type": "function", "function": {"name": "sell", "arguments": "{bad"}},
        {"type": "function", "function": {"name": "get_portfolio", "arguments": {"y": 2}}},
    ],
}
USAGE = {"prompt_tokens": 10, "completion_tokens": 2, "cached_tokens": 4}


class Log:
    """A ResponseLog in memory."""

    def __init__(self, recorded: dict[str, str] | None = None, replaying: bool = False) -> None:
        self.known = recorded or {}
        self.replaying = replaying
        self.kept: list[LogEntry] = []

    def recorded(self) -> dict[str, str]:
        return self.known

    def record(self, entry: LogEntry) -> None:
        self.kept.append(entry)


class Provider:
    """Answers every request with MESSAGE and counts them."""

    def __init__(self) -> None:
        self.calls = 0

    def complete(self, messages: Any, tools: Any) -> ChatResponse:
        self.calls += 1
        return parse_message(MESSAGE, {**USAGE, "prompt_tokens_details": {"cached_tokens": 4}})


def test_the_hash_changes_with_everything_that_decides_the_answer() -> None:
    same = request_hash(IDENTITY, MESSAGES, TOOLS)

    assert same == request_hash(dict(reversed(IDENTITY.items())), MESSAGES, TOOLS)
    assert same != request_hash({**IDENTITY, "temperature": 1}, MESSAGES, TOOLS)
    assert same != request_hash(IDENTITY, [*MESSAGES[:1], {"role": "user", "content": "V"}], TOOLS)
    assert same != request_hash(IDENTITY, MESSAGES, [])
    assert len(same) == 64 and int(same, 16) >= 0


def test_a_recorded_answer_reads_back_as_the_same_response() -> None:
    original = parse_message(MESSAGE, None)
    original = ChatResponse(
        original.content,
        original.raw_content,
        original.tool_calls,
        USAGE,
        original.assistant_message,
    )

    assert response_from_json(response_json(original)) == original


def test_a_paid_answer_is_kept_at_once_and_the_same_request_is_not_paid_twice() -> None:
    provider, log = Provider(), Log()
    client = RecordingClient(provider, IDENTITY, log)

    first = client.complete(MESSAGES, TOOLS)

    assert provider.calls == 1 and len(log.kept) == 1
    kept = log.kept[0]
    assert (kept.step_number, kept.role) == (1, "assistant")
    assert kept.request_hash == request_hash(IDENTITY, MESSAGES, TOOLS)
    assert kept.content.startswith("<think>hmm</think>Buying.\n[tool call] buy(")
    resumed = RecordingClient(Provider(), IDENTITY, Log({kept.request_hash: kept.response or ""}))
    again = resumed.complete(MESSAGES, TOOLS)
    assert again == first
    assert resumed.turns == [Turn(kept.request_hash, kept.response or "")]


def test_an_offline_provider_is_recorded_with_the_day_only() -> None:
    log = Log()
    client = RecordingClient(Provider(), IDENTITY, log, persist=False)

    client.complete(MESSAGES, TOOLS)

    assert log.kept == [] and len(client.turns) == 1


def test_a_replay_asks_nobody_and_names_the_step_it_diverged_at() -> None:
    recorded = RecordingClient(Provider(), IDENTITY, Log())
    recorded.complete(MESSAGES, TOOLS)
    answers = {turn.request_hash: turn.response for turn in recorded.turns}
    replay = RecordingClient(None, IDENTITY, Log(answers, replaying=True))

    replay.complete(MESSAGES, TOOLS)
    with pytest.raises(ReplayDiverged, match="^replay diverged at step 2: "):
        replay.complete([*MESSAGES, {"role": "user", "content": "more"}], TOOLS)


def test_each_assistant_row_gets_its_turn_in_order() -> None:
    rows = [
        LogEntry(0, "system", "S", None, "t"),
        LogEntry(1, "assistant", "one", None, "t"),
        LogEntry(1, "tool", "result", "buy", "t"),
        LogEntry(2, "assistant", "two", None, "t"),
    ]
    turns = [Turn("h1", json.dumps({"n": 1})), Turn("h2", json.dumps({"n": 2}))]

    marked = with_turns(rows, turns)

    assert [(row.request_hash, row.response) for row in marked] == [
        (None, None),
        ("h1", '{"n": 1}'),
        (None, None),
        ("h2", '{"n": 2}'),
    ]
