"""Provider limits shared through one SQLite file, by threads and by processes.

Each admitted request records when it ran (just inside its lease); the checks read those spans:
never more running at once, nor more starts (or tokens) in any window, than the limit, and the
limit reached, so the run was not trivially serial.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import responses

from service.agent.client import ChatClient, estimate_tokens
from service.agent.rate_limits import (
    LEASE_MARGIN,
    MAX_SLEEP,
    Lease,
    Limits,
    RateLimiter,
    bucket_name,
    model_limiter,
)
from service.db import connect
from service.market.asof import AsOfView
from service.market.catalog import NASDAQ100
from service.market.prices import PriceData
from service.models_config import AgentConfig, ModelSpec
from service.settings import Settings
from service.trading import chat_client

pytestmark = pytest.mark.unit
FORK = multiprocessing.get_context("fork")
WINDOW = 0.4  # seconds: the window of the tests, instead of a minute
URL = "https://llm.example/v1/chat/completions"
REPLY = {
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
    "usage": {"prompt_tokens": 120, "completion_tokens": 30},
}


@dataclass(frozen=True)
class Plan:
    """Threads taking leases on one bucket, each holding its lease for `hold` seconds."""

    path: str
    limits: Limits
    threads: int = 4
    leases: int = 3  # per thread
    hold: float = 0.03
    tokens: int = 1  # the estimate of each request
    used: int | None = None  # what it records once it has answered
    bucket: str = "group:test"


@dataclass(frozen=True)
class Span:
    """When one admitted request ran, and what it counted for."""

    start: float
    end: float
    tokens: int


def limiter(plan: Plan, **overrides: Any) -> RateLimiter:
    """A limiter of the plan with the short test window and no margin."""
    return RateLimiter(
        plan.path,
        plan.bucket,
        plan.limits,
        **{"lease_seconds": 10.0, "window": WINDOW, "margin": 0.0, **overrides},
    )


def run_threads(plan: Plan) -> list[Span]:
    """Every thread of the plan takes its leases; the spans of all of them."""
    gate = limiter(plan)
    spans: list[Span] = []

    def take_leases() -> None:
        for _ in range(plan.leases):
            with gate.lease(plan.tokens) as lease:
                start = time.time()
                time.sleep(plan.hold)
                if plan.used is not None:
                    lease.record(plan.used)
                spans.append(Span(start, time.time(), lease.tokens))

    threads = [threading.Thread(target=take_leases) for _ in range(plan.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return spans


def _run_in_child(plan: Plan, results: Any) -> None:
    results.put(run_threads(plan))


def run_processes(plan: Plan, processes: int = 3) -> list[Span]:
    """The plan's threads in each of several processes on the same file."""
    results = FORK.Queue()
    children = [FORK.Process(target=_run_in_child, args=(plan, results)) for _ in range(processes)]
    for child in children:
        child.start()
    spans = [span for _ in children for span in results.get(timeout=60)]
    for child in children:
        child.join(timeout=10)
        assert child.exitcode == 0
    return spans


def peak_running(spans: list[Span]) -> int:
    """The most spans running at one moment."""
    events = sorted([(span.start, 1) for span in spans] + [(span.end, -1) for span in spans])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def most_in_a_window(spans: list[Span], window: float) -> tuple[int, int]:
    """The most starts, and the most tokens, of spans starting within any `window` seconds."""
    starts = sorted(spans, key=lambda span: span.start)
    requests = tokens = 0
    for first in starts:
        inside = [span for span in starts if first.start <= span.start < first.start + window]
        requests = max(requests, len(inside))
        tokens = max(tokens, sum(span.tokens for span in inside))
    return requests, tokens


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    """A plan on a fresh file, limits to be set by the test."""
    return Plan(str(tmp_path / "huey.db"), Limits())


class FakeTime:
    """A clock that a sleep moves on: waits without waiting."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        """The current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Move the clock on."""
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> FakeTime:
    """A fake clock and sleep."""
    return FakeTime()


class TestConcurrency:
    def test_threads_never_run_more_than_the_limit_at_once(self, plan: Plan) -> None:
        plan = replace(plan, limits=Limits(max_concurrency=3), threads=8)
        spans = run_threads(plan)
        assert len(spans) == 8 * 3
        assert peak_running(spans) == 3

    def test_processes_share_the_limit(self, plan: Plan) -> None:
        plan = replace(plan, limits=Limits(max_concurrency=4), threads=4, leases=4)
        spans = run_processes(plan)
        assert len(spans) == 3 * 4 * 4
        assert peak_running(spans) == 4

    def test_a_dead_holders_lease_expires(self, plan: Plan) -> None:
        plan = replace(plan, limits=Limits(max_concurrency=1))
        admitted, sender = FORK.Pipe(duplex=False)
        child = FORK.Process(target=_take_and_die, args=(plan, sender))
        child.start()
        assert admitted.poll(30)
        held_since = admitted.recv()
        child.join(timeout=10)
        assert child.exitcode == -signal.SIGKILL

        limiter(plan, lease_seconds=0.5).acquire(1)

        waited = time.time() - held_since
        assert 0.5 <= waited < 1.5

    def test_a_process_killed_inside_its_transaction_neither_blocks_nor_counts(
        self, plan: Plan
    ) -> None:
        plan = replace(plan, limits=Limits(max_concurrency=1))
        gate = limiter(plan)
        gate.release(Lease(gate.acquire(1), 1))  # the table exists
        locked, sender = FORK.Pipe(duplex=False)
        child = FORK.Process(target=_lock_and_hang, args=(plan, sender))
        child.start()
        assert locked.poll(30) and locked.recv() == "locked"
        os.kill(child.pid or 0, signal.SIGKILL)
        child.join(timeout=10)
        started = time.time()
        gate.acquire(1)  # the child's uncommitted lease is gone with it
        assert time.time() - started < 1


def _take_and_die(plan: Plan, admitted: Any) -> None:
    """Take a lease, then die without releasing it."""
    limiter(plan, lease_seconds=0.5).acquire(1)
    admitted.send(time.time())
    os.kill(os.getpid(), signal.SIGKILL)


def _lock_and_hang(plan: Plan, locked: Any) -> None:
    """Hold the file's write lock with an uncommitted lease until killed."""
    conn = connect(plan.path)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO rate_limit_leases (bucket, held_until, tokens) VALUES (?, ?, 1)",
        (plan.bucket, time.time() + 60),
    )
    locked.send("locked")
    time.sleep(60)


class TestRequestsPerWindow:
    def test_processes_never_start_more_than_the_limit_in_a_window(self, plan: Plan) -> None:
        plan = replace(plan, limits=Limits(requests_per_minute=4), threads=2, leases=2, hold=0.01)
        spans = run_processes(plan)
        assert len(spans) == 12, "every request waited its turn, none failed"
        assert most_in_a_window(spans, WINDOW) == (4, 4)
        starts = sorted(span.start for span in spans)
        assert starts[-1] - starts[0] >= 2 * WINDOW, "12 requests need three windows"

    def test_a_request_counts_until_a_window_after_its_answer(
        self, plan: Plan, fake: FakeTime
    ) -> None:
        # A provider counting requests when they finish must not see more than the limit.
        limits = Limits(requests_per_minute=2)
        gate = RateLimiter(plan.path, "b", limits, 100, 60, 1, fake.clock, fake.sleep)
        with gate.lease(1):
            fake.now += 30  # a slow answer
        with gate.lease(1):
            pass
        answered = fake.now
        assert fake.sleeps == []

        with gate.lease(1):
            admitted = fake.now

        assert answered + 61 <= admitted < answered + 61 + 0.1
        assert max(fake.sleeps) <= MAX_SLEEP + 0.01, "it looks again at least every second"


class TestTokensPerWindow:
    def test_threads_never_use_more_tokens_than_the_limit_in_a_window(self, plan: Plan) -> None:
        limits = Limits(tokens_per_minute=100)
        plan = replace(plan, limits=limits, threads=3, leases=3, hold=0.01, tokens=30)
        spans = run_threads(plan)
        assert len(spans) == 9
        assert most_in_a_window(spans, WINDOW) == (3, 90)

    def test_recorded_usage_replaces_the_estimate(self, plan: Plan, fake: FakeTime) -> None:
        gate = RateLimiter(
            plan.path, "b", Limits(tokens_per_minute=100), 100, 60, 1, fake.clock, fake.sleep
        )
        with gate.lease(60) as lease:
            lease.record(10)
        with gate.lease(60):  # 10 + 60 fit: no wait for the first to leave the window
            assert fake.sleeps == []
        with gate.lease(60):  # 70 + 60 do not
            assert fake.now >= 1_000_000.0 + 61

    def test_a_request_over_the_whole_limit_goes_alone(self, plan: Plan, fake: FakeTime) -> None:
        gate = RateLimiter(
            plan.path, "b", Limits(tokens_per_minute=100), 100, 60, 1, fake.clock, fake.sleep
        )
        with gate.lease(500):
            assert fake.sleeps == []
        fake.now += 1
        with gate.lease(1):  # after the first has left the window
            assert fake.now >= 1_000_000.0 + 61


class TestGroups:
    def test_models_of_one_group_share_its_limits(self, tmp_path: Path) -> None:
        limits = Limits(max_concurrency=1)
        first = model_limiter(tmp_path / "huey.db", "model-a", "shared-key", limits, 30)
        second = model_limiter(tmp_path / "huey.db", "model-b", "shared-key", limits, 30)
        other = model_limiter(tmp_path / "huey.db", "model-c", None, limits, 30)
        assert first is not None and second is not None and other is not None
        assert first.bucket == second.bucket == bucket_name("model-a", "shared-key")
        assert first.lease_seconds == 2 * 30 + LEASE_MARGIN
        held = Lease(first.acquire(1), 1)
        waits: list[float] = []

        def release_first(seconds: float) -> None:
            waits.append(seconds)
            first.release(held)

        second.sleep = other.sleep = release_first
        with other.lease(1):
            assert waits == [], "a model without a group has a bucket of its own"
        with second.lease(1):
            assert len(waits) == 1, "model-b waited for model-a's request"

    def test_a_model_named_like_a_group_has_its_own_bucket(self) -> None:
        assert bucket_name("openrouter", None) != bucket_name("x", "openrouter")

    def test_no_limit_no_limiter(self, tmp_path: Path) -> None:
        assert model_limiter(tmp_path / "huey.db", "m", "g", Limits(), 30) is None
        assert not (tmp_path / "huey.db").exists()


class RecordingGate:
    """A gate that records its leases and what happens inside them."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    @contextmanager
    def lease(self, estimated_tokens: int) -> Iterator[Lease]:
        """Record the lease's estimate on entry and its tokens on exit."""
        lease = Lease(len(self.events), estimated_tokens)
        self.events.append(("lease", estimated_tokens))
        try:
            yield lease
        finally:
            self.events.append(("release", lease.tokens))


class TestChatClient:
    MESSAGES = [{"role": "user", "content": "hi"}]

    def test_every_attempt_takes_a_lease_around_its_post(self) -> None:
        gate = RecordingGate()
        client = ChatClient(
            "https://llm.example/v1", None, "m", max_retries=2, sleep=lambda _: None, gate=gate
        )

        def post(status: int, body: dict[str, Any]) -> Any:
            def answer(_: Any) -> tuple[int, dict[str, str], str]:
                gate.events.append(("post", len(gate.events)))
                return status, {}, json.dumps(body)

            return answer

        estimate = estimate_tokens(
            {"model": "m", "messages": self.MESSAGES, "tools": [], "tool_choice": "auto"}
        )
        with responses.RequestsMock() as mocked:
            mocked.add_callback(responses.POST, URL, callback=post(503, {"error": "busy"}))
            mocked.add_callback(responses.POST, URL, callback=post(200, REPLY))
            client.complete(self.MESSAGES, [])

        assert gate.events == [
            ("lease", estimate),
            ("post", 1),
            ("release", estimate),  # the failed attempt counts for its estimate
            ("lease", estimate),
            ("post", 4),
            ("release", 150),  # the answer's prompt and completion tokens
        ]

    def test_an_answer_under_its_max_tokens_counts_for_the_cap(self) -> None:
        gate = RecordingGate()
        client = ChatClient(
            "https://llm.example/v1", None, "m", gate=gate, body_extras={"max_tokens": 4000}
        )
        with responses.RequestsMock() as mocked:
            mocked.post(URL, json=REPLY)
            client.complete(self.MESSAGES, [])

        [lease, release] = gate.events
        assert lease[1] > 4000 and release == ("release", lease[1]), "as OpenAI counts it"

    def test_the_estimate_adds_the_answers_cap(self) -> None:
        payload: dict[str, Any] = {"messages": [{"role": "user", "content": "x" * 400}]}
        assert estimate_tokens(payload) == len(json.dumps(payload)) // 4
        payload["max_tokens"] = 1000
        assert estimate_tokens(payload) == len(json.dumps(payload)) // 4 + 1000

    def test_a_real_limiter_keeps_the_answers_tokens(self, plan: Plan) -> None:
        gate = limiter(replace(plan, limits=Limits(tokens_per_minute=10_000)))
        client = ChatClient("https://llm.example/v1", None, "m", gate=gate)
        with responses.RequestsMock() as mocked:
            mocked.post(URL, json=REPLY)
            client.complete(self.MESSAGES, [])
        with closing(sqlite3.connect(plan.path)) as conn:
            rows = conn.execute("SELECT bucket, tokens FROM rate_limit_leases").fetchall()
        assert rows == [(plan.bucket, 150)]


class TestWiring:
    def spec(self, **limits: Any) -> ModelSpec:
        return ModelSpec("m1", "m1", basemodel="b", rate_limit_group="or-key", **limits)

    def client(self, spec: ModelSpec, tmp_path: Path, prices: PriceData) -> ChatClient:
        view = AsOfView(prices, "2025-10-01", NASDAQ100)
        settings = Settings(huey_path=str(tmp_path / "huey.db"))
        made = chat_client(spec, AgentConfig(timeout=20), view, settings)
        assert isinstance(made, ChatClient)
        return made

    def test_an_llm_model_with_limits_gets_its_groups_limiter(
        self, tmp_path: Path, prices: PriceData
    ) -> None:
        spec = self.spec(max_concurrency=2, tokens_per_minute=9)
        gate = self.client(spec, tmp_path, prices).gate
        assert isinstance(gate, RateLimiter)
        assert (gate.path, gate.bucket) == (str(tmp_path / "huey.db"), "group:or-key")
        assert gate.limits == Limits(2, None, 9)
        assert gate.lease_seconds == 2 * 20 + LEASE_MARGIN

    def test_a_model_without_limits_has_no_gate(self, tmp_path: Path, prices: PriceData) -> None:
        assert self.client(self.spec(), tmp_path, prices).gate is None
