"""Provider limits shared by every worker on the host: concurrency, requests and tokens per minute.

The state is one table in a local SQLite file (the queue's own file, settings.huey_path), so the
threads of every consumer process on the host see the same requests. A request holds a lease
while it runs; each attempt to take one is a single BEGIN IMMEDIATE transaction (prune, count,
insert), and a caller that does not fit sleeps outside it and tries again: limits make calls
wait, never fail. A killed process releases SQLite's lock with its file handle, and its leases
stop counting as running once `lease_seconds` have passed.

A request counts in the window from the moment it is admitted until `window + margin` seconds
after its answer (or its lease's expiry), so a provider counting requests and tokens when they
arrive or when they finish, over any 60 s, never sees more than the limit.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from service.db import connect, transaction

WINDOW_SECONDS = 60.0
# Between the lease and the provider's clock: connection set-up, the upload of a long prompt.
WINDOW_MARGIN = 1.0
# A live call lasts at most about twice the client's timeout (requests applies it to the
# connection and again to the answer); after that and this margin its holder is presumed dead.
LEASE_MARGIN = 10.0
FIRST_POLL = 0.005  # waiting for a running request to end: polls back off from this...
MAX_POLL = 0.1  # ...to this
MAX_DOUBLINGS = 8
MAX_SLEEP = 1.0  # the longest sleep before looking again (answers may free tokens sooner)
JITTER = 0.01  # added to every sleep, so that waiters woken together do not collide

SCHEMA = (
    # lease_id never reused (AUTOINCREMENT): a late release must not end a newer lease.
    # held_until: running until then (its expiry) while held, the end of the call once released.
    """CREATE TABLE IF NOT EXISTS rate_limit_leases (
        lease_id INTEGER PRIMARY KEY AUTOINCREMENT,
        bucket TEXT NOT NULL,
        held_until REAL NOT NULL,
        tokens INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rate_limit_leases_bucket ON rate_limit_leases (bucket, held_until)",
)
PRUNE = "DELETE FROM rate_limit_leases WHERE bucket = ? AND held_until <= ?"
# After the prune, every row of the bucket is in the window.
USAGE = """SELECT COUNT(*), COALESCE(SUM(tokens), 0),
        COALESCE(SUM(held_until > :now), 0), MIN(CASE WHEN held_until > :now THEN held_until END)
    FROM rate_limit_leases WHERE bucket = :bucket"""
# When enough requests and tokens have left the window: rows leave in held_until order.
LEAVES = """SELECT held_until FROM (
        SELECT held_until, COUNT(*) OVER w AS requests, SUM(tokens) OVER w AS tokens
        FROM rate_limit_leases WHERE bucket = ?
        WINDOW w AS (ORDER BY held_until, lease_id ROWS UNBOUNDED PRECEDING))
    WHERE requests >= ? AND tokens >= ? ORDER BY held_until LIMIT 1"""
INSERT = (
    "INSERT INTO rate_limit_leases (bucket, held_until, tokens) VALUES (?, ?, ?) RETURNING lease_id"
)
RELEASE = "UPDATE rate_limit_leases SET held_until = ?, tokens = ? WHERE lease_id = ?"


@dataclass(frozen=True, slots=True)
class Limits:
    """A provider's limits for one key; None is no limit."""

    max_concurrency: int | None = None
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None

    def any(self) -> bool:
        """Whether anything is limited at all."""
        return any(
            value is not None
            for value in (self.max_concurrency, self.requests_per_minute, self.tokens_per_minute)
        )


@dataclass(frozen=True, slots=True)
class _Usage:
    """A bucket's window at one moment."""

    requests: int
    tokens: int
    running: int
    first_expiry: float | None


@dataclass(slots=True)
class Lease:
    """One admitted request; `tokens` is what it counts for in the window."""

    lease_id: int
    tokens: int

    def record(self, tokens: int) -> None:
        """The tokens the request really used (prompt and completion), once it has answered."""
        self.tokens = tokens


class RateLimiter:
    """Admits the requests of one bucket (a group of models sharing a key) under its limits.

    Every call opens its own connection, so one limiter may serve any number of threads.
    """

    def __init__(
        self,
        path: str | Path,
        bucket: str,
        limits: Limits,
        lease_seconds: float,
        window: float = WINDOW_SECONDS,
        margin: float = WINDOW_MARGIN,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.path = str(path)
        self.bucket = bucket
        self.limits = limits
        self.lease_seconds = lease_seconds
        self.span = window + margin
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self._ready = False

    @contextmanager
    def lease(self, estimated_tokens: int) -> Iterator[Lease]:
        """Wait until one more request fits, and hold its place while it runs.

        The request counts for estimated_tokens unless the caller records what it used.
        """
        lease = Lease(self.acquire(estimated_tokens), estimated_tokens)
        try:
            yield lease
        finally:
            self.release(lease)

    def acquire(self, tokens: int) -> int:
        """The id of a new lease, once a request of `tokens` fits under every limit."""
        with closing(self._connect()) as conn:
            polls = 0
            while True:
                with transaction(conn):
                    lease_id, wait = self._try(conn, tokens, polls)
                if lease_id is not None:
                    return lease_id
                self.sleep(min(wait, MAX_SLEEP) + self.rng.uniform(0, JITTER))
                polls += 1

    def release(self, lease: Lease) -> None:
        """The request has ended: it stops running and counts with its tokens until it leaves."""
        with closing(self._connect()) as conn, transaction(conn):
            conn.execute(RELEASE, (self.clock(), lease.tokens, lease.lease_id))

    def _try(self, conn: sqlite3.Connection, tokens: int, polls: int) -> tuple[int | None, float]:
        """A new lease's id, or None and how long to wait before trying again."""
        now = self.clock()
        conn.execute(PRUNE, (self.bucket, now - self.span))
        usage = _Usage(*conn.execute(USAGE, {"now": now, "bucket": self.bucket}).fetchone())
        waits = [
            wait
            for wait in (
                self._running_wait(now, usage, polls),
                self._window_wait(conn, now, usage, tokens),
            )
            if wait is not None
        ]
        if waits:
            return None, max(waits)
        row = conn.execute(INSERT, (self.bucket, now + self.lease_seconds, tokens)).fetchone()
        return int(row[0]), 0.0

    def _running_wait(self, now: float, usage: _Usage, polls: int) -> float | None:
        """None when one more request may run at once, else when to look again.

        Running requests end when they answer, which no one can know: look again soon (sooner
        at first), or when the first lease of a dead holder expires.
        """
        limit = self.limits.max_concurrency
        if limit is None or usage.running < limit:
            return None
        poll = min(FIRST_POLL * 2.0 ** min(polls, MAX_DOUBLINGS), MAX_POLL)
        return min(poll, usage.first_expiry - now) if usage.first_expiry is not None else poll

    def _window_wait(
        self, conn: sqlite3.Connection, now: float, usage: _Usage, tokens: int
    ) -> float | None:
        """None when one more request of `tokens` fits in the window, else the wait until it does.

        A request larger than the whole token limit goes alone, once the window is empty.
        """
        requests, excess = 0, 0
        if self.limits.requests_per_minute is not None:
            requests = max(0, usage.requests - self.limits.requests_per_minute + 1)
        if self.limits.tokens_per_minute is not None and usage.tokens:
            excess = max(0, usage.tokens + tokens - self.limits.tokens_per_minute)
            excess = min(excess, usage.tokens)
        if not requests and not excess:
            return None
        leaves = float(conn.execute(LEAVES, (self.bucket, requests, excess)).fetchone()[0])
        return leaves + self.span - now

    def _connect(self) -> sqlite3.Connection:
        conn = connect(self.path)
        if not self._ready:
            _use_wal(conn)
            for statement in SCHEMA:
                conn.execute(statement)
            self._ready = True
        return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    """WAL, as Huey sets it on its file: commits without a sync, readers never blocked.

    Only a file no one else has set yet (Huey on Redis, or in immediate mode) is switched; the
    switch needs the file to itself and gives up at once when another connection is busy, in
    which case a later limiter will try again: it is an optimisation, not a requirement.
    """
    if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    with suppress(sqlite3.OperationalError):
        conn.execute("PRAGMA journal_mode = WAL")


def bucket_name(signature: str, group: str | None) -> str:
    """Where a model's requests are counted: its group's bucket, else its own."""
    return f"group:{group}" if group else f"model:{signature}"


def model_limiter(
    path: str | Path, signature: str, group: str | None, limits: Limits, timeout: float
) -> RateLimiter | None:
    """The limiter of a model whose calls time out after `timeout`; None when nothing is limited."""
    if not limits.any():
        return None
    lease_seconds = 2 * timeout + LEASE_MARGIN
    return RateLimiter(path, bucket_name(signature, group), limits, lease_seconds)
