"""Recorded LLM responses: every answer is kept with the hash of the request that produced it.

A model-day run again after a crash asks the provider only for the requests it has no recorded
answer to; a replay asks no provider at all and fails at the first request the recording does
not hold. The hash covers what decides the answer: the model's request identity (its model name
and body options), the messages and the tools; headers, and so keys, are not part of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from service.agent.client import ChatResponse, parse_message
from service.agent.loop import ChatClientProtocol, render_turn, utc_now
from service.db import iso_utc
from service.journal import LogEntry


class ReplayDiverged(RuntimeError):
    """A replayed model-day sent a request its recording has no answer to."""


class ResponseLog(Protocol):
    """Where a model-day's answers are looked up and kept."""

    @property
    def replaying(self) -> bool:
        """True when no provider may be asked: every answer must be recorded."""
        ...

    def recorded(self) -> Mapping[str, str]:
        """Request hash to recorded response (JSON)."""
        ...

    def record(self, entry: LogEntry) -> None:
        """Keep an answer the provider was paid for, at once."""
        ...


def request_hash(identity: Mapping[str, Any], messages: Any, tools: Any) -> str:
    """SHA-256 of the request in canonical JSON."""
    request = {"model": identity, "messages": messages, "tools": tools}
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def response_json(response: ChatResponse) -> str:
    """The answer as an OpenAI-format message with its usage: parsed again, it is the same."""
    message: dict[str, Any] = {"role": "assistant", "content": response.raw_content}
    if response.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.raw_arguments},
            }
            for call in response.tool_calls
        ]
    return json.dumps({"message": message, "usage": response.usage}, ensure_ascii=False)


def response_from_json(text: str) -> ChatResponse:
    """A recorded answer as the client returned it."""
    data = json.loads(text)
    return replace(parse_message(data["message"]), usage=data["usage"])


@dataclass(frozen=True)
class Turn:
    """One model call of the day: the hash of its request and the answer, as recorded."""

    request_hash: str
    response: str

    def pair(self) -> tuple[str, str]:
        """(request_hash, response) as reasoning_logs keeps them."""
        return self.request_hash, self.response


class RecordingClient:
    """Answers from the recording when it holds the request, else from the provider.

    persist keeps each paid answer as soon as it arrives (a provider that costs nothing, the
    offline mock, needs no such haste); `turns` lists every call of the conversation in order.
    A replay has no provider.
    """

    def __init__(
        self,
        provider: ChatClientProtocol | None,
        identity: Mapping[str, Any],
        log: ResponseLog,
        persist: bool = True,
    ) -> None:
        self.provider = provider
        self.identity = dict(identity)
        self.log = log
        self.persist = persist
        self.known = dict(log.recorded())
        self.turns: list[Turn] = []

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> ChatResponse:
        """The recorded answer to this request, or the provider's (recorded at once)."""
        step = len(self.turns) + 1
        key = request_hash(self.identity, messages, tools)
        if key in self.known:
            self.turns.append(Turn(key, self.known[key]))
            return response_from_json(self.known[key])
        if self.provider is None:
            raise ReplayDiverged(
                f"replay diverged at step {step}: the recording has no answer to this request"
            )
        response = self.provider.complete(messages, tools)
        turn = Turn(key, response_json(response))
        self.turns.append(turn)
        if self.persist:
            stamp = iso_utc(utc_now())
            entry = LogEntry(step, "assistant", render_turn(response), None, stamp, *turn.pair())
            self.log.record(entry)
        return response


def with_turns(messages: list[LogEntry], turns: list[Turn]) -> list[LogEntry]:
    """The conversation's log with each assistant row carrying its request hash and answer
    (the loop logs one assistant row per model call, in order)."""
    answers = iter(turns)
    marked = []
    for entry in messages:
        if entry.role == "assistant":
            turn = next(answers)
            entry = replace(entry, request_hash=turn.request_hash, response=turn.response)
        marked.append(entry)
    return marked
