"""OpenAI-compatible chat-completions client with function calling and retries."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from service.agent.costs import parse_usage

MAX_DELAY = 60.0
RETRYABLE_STATUS = frozenset({429}) | frozenset(range(500, 600))
TEXT_LIMIT = 300
CHARS_PER_TOKEN = 4  # a common rule of thumb for English text and JSON
# Closed blocks, then a dangling close tag (the opening one was in the prompt template), then a
# block cut off by max_tokens.
THINK_PATTERNS = (
    re.compile(r"<think>.*?</think>", re.DOTALL),
    re.compile(r"^.*</think>", re.DOTALL),
    re.compile(r"<think>.*$", re.DOTALL),
)


class TokenCount(Protocol):
    """What an admitted request counts for in its provider's token limit."""

    def record(self, tokens: int) -> None:
        """The tokens the request really used, once it has answered."""
        ...


class RequestGate(Protocol):
    """Admits each HTTP attempt under the provider's limits (service.agent.rate_limits)."""

    def lease(self, estimated_tokens: int) -> AbstractContextManager[TokenCount]:
        """Wait until one more request fits, and hold its place while it runs."""
        ...


class _Uncounted:
    """The token count of a client without a gate: nothing to record."""

    def record(self, tokens: int) -> None:
        """Ignore the tokens."""


class LLMError(RuntimeError):
    """The model could not be reached or answered nonsense; the message never holds the key."""


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One function call requested by the model; arguments is None when they were unusable."""

    id: str
    name: str
    arguments: dict[str, Any] | None
    raw_arguments: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ChatResponse:
    """One assistant turn: cleaned text, tool calls, token usage and the message to send back."""

    content: str | None
    raw_content: str | None
    tool_calls: list[ToolCall]
    usage: dict[str, int] | None
    assistant_message: dict[str, Any]


def strip_think(text: str) -> str:
    """Text without <think>...</think> reasoning blocks."""
    for pattern in THINK_PATTERNS:
        text = pattern.sub("", text)
    return text.strip()


def shorten(text: str) -> str:
    """text on one line, cut after TEXT_LIMIT characters: what an error message quotes."""
    text = " ".join(text.split())
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "..."


def _arguments(raw: Any) -> tuple[dict[str, Any] | None, str, str | None]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}, "" if raw is None else raw, None
    if isinstance(raw, dict):
        return raw, json.dumps(raw), None
    if not isinstance(raw, str):
        text = json.dumps(raw)
        return None, text, f"arguments must be a JSON object, got {text}"
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        return None, raw, f"arguments are not valid JSON ({error.msg}): {shorten(raw)}"
    if not isinstance(value, dict):
        return None, raw, f"arguments must be a JSON object, got {shorten(raw)}"
    return value, raw, None


def _tool_call(index: int, item: Any) -> ToolCall:
    item = item if isinstance(item, dict) else {}
    function = item.get("function")
    function = function if isinstance(function, dict) else {}
    name = function.get("name")
    arguments, raw, error = _arguments(function.get("arguments"))
    call_id = item.get("id")
    return ToolCall(
        id=call_id if isinstance(call_id, str) and call_id else f"call_{index}",
        name=name if isinstance(name, str) else "",
        arguments=arguments,
        raw_arguments=raw,
        error=error,
    )


def _wire_call(call: ToolCall) -> dict[str, Any]:
    # Unusable arguments go back as "{}": some servers (Ollama) reject a conversation holding
    # invalid JSON arguments, and the tool error already tells the model what was wrong.
    arguments = json.dumps(call.arguments) if call.arguments is not None else "{}"
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": arguments},
    }


def parse_message(message: dict[str, Any], usage: Any = None) -> ChatResponse:
    """A ChatResponse from an OpenAI-format assistant message and usage object."""
    raw_content = message.get("content")
    raw_content = raw_content if isinstance(raw_content, str) else None
    content = strip_think(raw_content) if raw_content is not None else None
    raw_calls = message.get("tool_calls")
    raw_calls = raw_calls if isinstance(raw_calls, list) else []
    calls = [_tool_call(index, item) for index, item in enumerate(raw_calls)]
    assistant: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        assistant["tool_calls"] = [_wire_call(call) for call in calls]
    return ChatResponse(content, raw_content, calls, parse_usage(usage), assistant)


def provider_message(body: Any, text: str) -> str:
    """The provider's error message from an error body, else the shortened body text."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return shorten(error["message"])
    if isinstance(error, str):
        return shorten(error)
    for key in ("message", "detail"):
        if isinstance(body, dict) and isinstance(body.get(key), str):
            return shorten(body[key])
    return shorten(text) or "(empty body)"


def json_body(response: requests.Response) -> Any:
    """The decoded JSON body, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def estimate_tokens(payload: Mapping[str, Any]) -> int:
    """Tokens a request may use, before it is sent: its JSON size / 4, plus its answer's cap."""
    cap = payload.get("max_tokens", payload.get("max_completion_tokens"))
    cap = cap if isinstance(cap, int) and not isinstance(cap, bool) else 0
    return len(json.dumps(payload)) // CHARS_PER_TOKEN + cap


def used_tokens(usage: Mapping[str, int] | None) -> int | None:
    """Prompt plus completion tokens of an answer's usage; None when it reported neither."""
    if not usage or ("prompt_tokens" not in usage and "completion_tokens" not in usage):
        return None
    return usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)


def retry_after_seconds(response: requests.Response) -> float | None:
    """The server's Retry-After in seconds, if it sent a usable one."""
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def backoff_delay(
    base_delay: float, attempt: int, retry_after: float | None, rng: random.Random
) -> float:
    """The wait before retry attempt+1: the server's Retry-After, else base_delay doubled per
    attempt plus as much jitter at most; never more than MAX_DELAY."""
    if retry_after is not None:
        return min(retry_after, MAX_DELAY)
    delay = base_delay * 2.0**attempt
    return min(delay + rng.uniform(0, delay), MAX_DELAY)


class RetryingClient:
    """What a client of a service outside retries with: how often, from which delay, how long a
    request may take, its session, and the sleep and dice of its backoff (replaced in tests)."""

    def __init__(
        self,
        max_retries: int,
        base_delay: float,
        timeout: float,
        session: requests.Session | None,
        sleep: Callable[[float], None],
        rng: random.Random | None,
    ) -> None:
        self.max_retries = max(0, max_retries)
        self.base_delay = base_delay
        self.timeout = timeout
        self.session = session or requests.Session()
        self.sleep = sleep
        self.rng = rng or random.Random()


class ChatClient(RetryingClient):
    """Calls POST {base_url}/chat/completions for one model, retrying transient failures.

    body_extras are added to every request body and headers to its headers, as they are;
    hidden values (secrets other than the key) are masked in errors like the key. With a gate,
    every attempt (retries too) waits for its lease and holds it while the request runs.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        max_retries: int = 3,
        base_delay: float = 1.0,
        timeout: float = 60.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        body_extras: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        hidden: tuple[str, ...] = (),
        gate: RequestGate | None = None,
    ) -> None:
        super().__init__(max_retries, base_delay, timeout, session, sleep, rng)
        self.url = f"{base_url.rstrip('/')}/chat/completions"
        self._api_key = api_key
        self.model = model
        self.body_extras = dict(body_extras or {})
        self.extra_headers = dict(headers or {})
        self._hidden = tuple(value for value in (api_key, *hidden) if value)
        self.gate = gate

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> ChatResponse:
        """One chat completion; raises LLMError once retries are exhausted or on a hard error."""
        payload = {
            "model": self.model,
            "messages": messages,
            "tools": tools,
            "tool_choice": "auto",
            **self.body_extras,
        }
        estimate = estimate_tokens(payload) if self.gate else 0
        failure, retry_after = "", None
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.sleep(self._delay(attempt - 1, retry_after))
            with self._lease(estimate) as lease:
                response, failure, retry_after = self._attempt(payload)
                if response is not None:
                    answer = self._parse(response)
                    tokens = used_tokens(answer.usage)
                    if tokens is not None:
                        # OpenAI counts a request's max_tokens when it arrives: never less.
                        lease.record(max(tokens, estimate))
                    return answer
        raise self._error(f"{failure}; gave up after {self.max_retries + 1} attempts")

    def _attempt(
        self, payload: dict[str, Any]
    ) -> tuple[requests.Response | None, str, float | None]:
        """A successful response, or why it failed and the server's Retry-After."""
        try:
            response = self.session.post(
                self.url, json=payload, headers=self._headers(), timeout=self.timeout
            )
        except (requests.Timeout, requests.ConnectionError) as error:
            detail = f"{type(error).__name__}: {shorten(str(error))}"
            return None, f"{self.model} at {self.url}: {detail}", None
        except requests.RequestException as error:
            raise self._error(f"{self.model} at {self.url}: {shorten(str(error))}") from None
        if response.ok:
            return response, "", None
        failure = self._http_failure(response)
        if response.status_code not in RETRYABLE_STATUS:
            raise self._error(failure)
        return None, failure, retry_after_seconds(response)

    def _lease(self, estimate: int) -> AbstractContextManager[TokenCount]:
        """The gate's lease; a failed attempt counts for its estimate."""
        return self.gate.lease(estimate) if self.gate else nullcontext(_Uncounted())

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", **self.extra_headers}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        return backoff_delay(self.base_delay, attempt, retry_after, self.rng)

    def _http_failure(self, response: requests.Response) -> str:
        detail = provider_message(json_body(response), response.text)
        return f"{self.model} at {self.url}: HTTP {response.status_code}: {detail}"

    def _parse(self, response: requests.Response) -> ChatResponse:
        body = json_body(response)
        if body is None:
            raise self._error(f"{self.model}: response is not JSON: {shorten(response.text)}")
        choices = body.get("choices") if isinstance(body, dict) else None
        if not isinstance(choices, list) or not choices:
            detail = provider_message(body, response.text)
            raise self._error(f"{self.model}: response has no choices: {detail}")
        message = choices[0].get("message") if isinstance(choices[0], dict) else None
        if not isinstance(message, dict):
            raise self._error(f"{self.model}: first choice has no message")
        return parse_message(message, body.get("usage"))

    def _error(self, message: str) -> LLMError:
        for secret in self._hidden:
            message = message.replace(secret, "***")
        return LLMError(message)
