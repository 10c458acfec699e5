"""Webhook agents (provider http): each model-step's observation is POSTed to the agent's URL.

The request body is the observation as JSON (service/agent/observation.py). It is signed like a
Stripe webhook: the header X-AI-Trader-Signature is "t=<unix seconds>,v1=<hex>", where hex is
HMAC-SHA256 with the model's secret of "<t>.<body>"; an agent recomputes it over the raw body
and refuses a stale t (a replayed request). X-AI-Trader-Model and X-AI-Trader-Step name the model
and the bar key. The agent answers {"orders": [{"action", "symbol", "amount"}], "reasoning"}.

Failures follow the chat client's rules (service/agent/client.py): timeouts, connection errors,
429 and 5xx are retried max_retries times with exponential backoff and jitter (or the server's
Retry-After), then the model-day fails, as it does when retrying would pass
max_seconds_per_day; any other status, and an answer that is not JSON or not
of the answer's form, fails it at once, as a chat answer without choices does. Messages never
hold the secret, nor the URL's credentials or query.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from service.agent.client import (
    RETRYABLE_STATUS,
    RetryingClient,
    backoff_delay,
    json_body,
    provider_message,
    retry_after_seconds,
    shorten,
)

# The chat client's helpers: an agent's failures are read and retried as a provider's are.
from service.agent.loop import TimeLimitExceeded

SIGNATURE_HEADER = "X-AI-Trader-Signature"
MODEL_HEADER = "X-AI-Trader-Model"
STEP_HEADER = "X-AI-Trader-Step"
MAX_ORDERS = 100
MAX_REASONING = 20_000
MAX_SYMBOL = 32


class WebhookError(RuntimeError):
    """The agent could not be reached or answered nonsense; the message never holds the secret."""


@dataclass(frozen=True, slots=True)
class AgentOrder:
    """One order of an agent's answer, before the order book has seen it."""

    action: str
    symbol: str
    amount: float

    @property
    def arguments(self) -> dict[str, Any]:
        """The arguments of the buy or sell tool call the order is."""
        return {"symbol": self.symbol, "amount": self.amount}


@dataclass(frozen=True, slots=True)
class AgentAnswer:
    """An agent's decisions for one model-step."""

    orders: list[AgentOrder]
    reasoning: str


class OrderSchema(Schema):
    """One order; its symbol and amount are the order book's to accept or reject."""

    class Meta:
        unknown = EXCLUDE

    action = fields.String(required=True, validate=validate.OneOf(("buy", "sell")))
    symbol = fields.String(required=True, validate=validate.Length(1, MAX_SYMBOL))
    amount = fields.Float(
        required=True,
        allow_nan=False,
        validate=validate.Range(min=0, min_inclusive=False),
        # Documented as OpenAPI 3.0 says "more than 0" (the Range alone reads "at least 0").
        metadata={"exclusiveMinimum": True},
    )


class AnswerSchema(Schema):
    """The agent's answer; fields it adds besides these are ignored."""

    class Meta:
        unknown = EXCLUDE

    orders = fields.List(
        fields.Nested(OrderSchema), load_default=list, validate=validate.Length(max=MAX_ORDERS)
    )
    reasoning = fields.String(load_default="", validate=validate.Length(max=MAX_REASONING))


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value of body sent at timestamp (unix seconds)."""
    message = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def encode(observation: Mapping[str, Any]) -> bytes:
    """The request body: the observation as compact UTF-8 JSON, the bytes that are signed."""
    return json.dumps(observation, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_answer(body: Any) -> AgentAnswer:
    """The answer of a decoded JSON body; ValidationError names what is wrong."""
    if not isinstance(body, dict):
        raise ValidationError("the answer must be a JSON object")
    data = AnswerSchema().load(body)
    orders = [AgentOrder(item["action"], item["symbol"], item["amount"]) for item in data["orders"]]
    return AgentAnswer(orders, data["reasoning"])


def public_url(url: str) -> str:
    """The URL without credentials, query or fragment: what errors may show of it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class WebhookAgent(RetryingClient):
    """POSTs signed observations to one model's agent and validates its answers."""

    def __init__(
        self,
        url: str,
        secret: str,
        model: str,
        max_retries: int = 3,
        base_delay: float = 1.0,
        timeout: float = 60.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
        max_seconds: float | None = None,
        elapsed: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__(max_retries, base_delay, timeout, session, sleep, rng)
        self.url = url
        self._secret = secret
        self.model = model
        self.clock = clock
        self.max_seconds = max_seconds
        self.elapsed = elapsed
        self._where = f"agent of {model} at {public_url(url)}"

    def decide(self, step: str, observation: Mapping[str, Any]) -> AgentAnswer:
        """The agent's answer to the observation of step; raises WebhookError once retries are
        exhausted or on a hard error."""
        body = encode(observation)
        failure, retry_after = "", None
        started = self.elapsed()
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.sleep(backoff_delay(self.base_delay, attempt - 1, retry_after, self.rng))
            self._check_time(self.elapsed() - started, attempt + 1)
            response, failure, retry_after = self._attempt(step, body)
            if response is not None:
                return self._parse(response)
        raise self._error(f"{failure}; gave up after {self.max_retries + 1} attempts")

    def _check_time(self, seconds: float, attempt: int) -> None:
        """Retries stop at max_seconds_per_day, as an LLM's model calls do."""
        if self.max_seconds is not None and seconds > self.max_seconds:
            raise TimeLimitExceeded(
                f"the model-day ran longer than max_seconds_per_day ({self.max_seconds:g} s):"
                f" stopped after {seconds:.1f} s, before attempt {attempt}"
            )

    def headers(self, step: str, body: bytes) -> dict[str, str]:
        """The headers of one attempt, signed now (each retry gets a fresh timestamp)."""
        return {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self._secret, body, int(self.clock())),
            MODEL_HEADER: self.model,
            STEP_HEADER: step,
        }

    def _attempt(
        self, step: str, body: bytes
    ) -> tuple[requests.Response | None, str, float | None]:
        """A successful response, or why it failed and the server's Retry-After."""
        try:
            response = self.session.post(
                self.url, data=body, headers=self.headers(step, body), timeout=self.timeout
            )
        except (requests.Timeout, requests.ConnectionError) as error:
            return None, f"{self._where}: {type(error).__name__}", None
        except requests.RequestException as error:
            raise self._error(f"{self._where}: {type(error).__name__}") from None
        if response.ok:
            return response, "", None
        detail = provider_message(json_body(response), response.text)
        failure = f"{self._where}: HTTP {response.status_code}: {detail}"
        if response.status_code not in RETRYABLE_STATUS:
            raise self._error(failure)
        return None, failure, retry_after_seconds(response)

    def _parse(self, response: requests.Response) -> AgentAnswer:
        body = json_body(response)
        if body is None:
            raise self._error(f"{self._where}: answer is not JSON: {shorten(response.text)}")
        try:
            return parse_answer(body)
        except ValidationError as error:
            problem = shorten(json.dumps(error.messages))
            raise self._error(f"{self._where}: invalid answer: {problem}") from None

    def mask(self, text: str) -> str:
        """text with the secret masked in any case, should the agent have echoed it (an unknown
        symbol comes back upper-cased in its rejection)."""
        return re.sub(re.escape(self._secret), "***", text, flags=re.IGNORECASE)

    def _error(self, message: str) -> WebhookError:
        return WebhookError(self.mask(message))
