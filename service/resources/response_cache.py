"""Answers of the read endpoints, kept until the data they are made from changes.

Dashboards and workflow steps poll the same URLs, and between two model-days nothing they read
changes. An answer is kept under its URL with the data generation it was made in. Before each
cached read, the thread looks at its own connection: PRAGMA data_version moves when any other
connection (another thread, the consumer, a CLI) commits, total_changes when this one writes.
It also looks at every input file of the service (prices, models config, news) as their loader
does: by modification time and size, never by loading them. Anything that differs from what this
thread saw last starts a new generation, which drops every kept answer: none is ever served
stale, and no view has to say which files it reads.

Every answer of these endpoints carries an ETag; a client that sends it back in If-None-Match
gets 304 Not Modified without a body.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Flask, current_app, make_response, request
from werkzeug.wrappers import Response

from service.filecache import file_version
from service.resources.context import get_db

View = TypeVar("View", bound=Callable[..., Any])
EXTENSION = "response_cache"
FILES = "response_cache_files"
NOT_MODIFIED = "Not Modified: the ETag sent in If-None-Match is still the answer's"
# What an entry costs besides its bytes: the key, the Answer, the header tuples, the LRU links
# (measured: about 900 bytes for a small answer).
ENTRY_OVERHEAD = 1024
UNSEEN = object()  # what a thread saw of a mark before its first look: differs from anything


@dataclass(frozen=True)
class Answer:
    """A kept answer: its body and headers."""

    body: bytes
    headers: list[tuple[str, str]]

    def cost(self, url: str) -> int:
        """Memory the answer takes when kept under url, as counted against the budget."""
        header_bytes = sum(len(name) + len(value) for name, value in self.headers)
        return ENTRY_OVERHEAD + len(url) + len(self.body) + header_bytes


class ResponseCache:
    """Answers by URL for the current data generation, least recently used dropped first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._answers: OrderedDict[str, tuple[Answer, int]] = OrderedDict()
        self._bytes = 0
        self._generation = 0
        self._lock = threading.Lock()
        self._seen = threading.local()

    @property
    def size(self) -> int:
        """Memory counted for the kept answers."""
        return self._bytes

    def observe(self, marks: dict[Hashable, Hashable]) -> int:
        """The current generation; a new one when a mark differs from what this thread saw.

        Each thread compares with its own last look: a first look counts as a change.
        """
        with self._lock:
            seen: dict[Hashable, Hashable] = getattr(self._seen, "marks", {})
            changed = {key: value for key, value in marks.items() if seen.get(key, UNSEEN) != value}
            if changed:
                self._seen.marks = {**seen, **changed}
                self._generation += 1
                self._answers.clear()
                self._bytes = 0
            return self._generation

    def get(self, url: str, generation: int) -> Answer | None:
        """The answer kept for url in this generation, if any."""
        with self._lock:
            kept = self._answers.get(url) if generation == self._generation else None
            if kept is None:
                return None
            self._answers.move_to_end(url)
            return kept[0]

    def put(self, url: str, generation: int, answer: Answer) -> None:
        """Keep an answer made in generation, unless the data changed meanwhile or it is too big."""
        cost = answer.cost(url)
        with self._lock:
            if generation != self._generation or cost > self.max_bytes // 4:
                return
            old = self._answers.pop(url, None)
            self._bytes += cost - (old[1] if old else 0)
            self._answers[url] = (answer, cost)
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._answers.popitem(last=False)
                self._bytes -= dropped


def init_response_cache(app: Flask, max_bytes: int, files: tuple[str, ...]) -> None:
    """Give the app its cache of answers made from the database and files.

    max_bytes 0 keeps nothing; ETags are still sent.
    """
    app.extensions[EXTENSION] = ResponseCache(max_bytes)
    app.extensions[FILES] = files


def _generation(cache: ResponseCache, files: tuple[str, ...]) -> int:
    conn = get_db()
    data_version = conn.execute("PRAGMA data_version").fetchone()[0]
    # The connection itself is part of the mark: a replaced one is a change, and holding it
    # keeps its id from being reused.
    marks: dict[Hashable, Hashable] = {"db": (conn, data_version, conn.total_changes)}
    marks.update((path, file_version(path)) for path in files)
    return cache.observe(marks)


def cached_answer(view: View) -> View:
    """Serve a GET view's 200 answers from the cache while its data is unchanged, with ETags."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        cache: ResponseCache = current_app.extensions[EXTENSION]
        keeping = cache.max_bytes > 0
        generation = _generation(cache, current_app.extensions[FILES]) if keeping else 0
        url = request.full_path
        answer = cache.get(url, generation) if keeping else None
        if answer is not None:
            response = current_app.response_class(answer.body, headers=answer.headers)
            return response.make_conditional(request)
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200:
            response.cache_control.no_cache = True
            response.add_etag()
            if keeping:
                kept = Answer(response.get_data(), list(response.headers))
                cache.put(url, generation, kept)
        return response.make_conditional(request)

    return cast(View, wrapper)
