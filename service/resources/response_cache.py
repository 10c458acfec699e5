"""Answers of the read endpoints, kept until the data they are made from changes.

Dashboards and workflow steps poll the same URLs, and between two model-days nothing they read
changes. An answer is kept under its URL with the data generation it was made in. Before each
cached read, the thread looks at its own connection: PRAGMA data_version moves when any other
connection (another thread, the consumer, a CLI) commits, total_changes when this one writes;
the prices and the models config are compared by identity (reloaded files are new objects).
Any change starts a new generation, which drops every kept answer: none is ever served stale.

Every answer of these endpoints carries an ETag; a client that sends it back in If-None-Match
gets 304 Not Modified without a body.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Flask, current_app, make_response, request
from werkzeug.wrappers import Response

from service.resources.context import get_db, models_config, prices

View = TypeVar("View", bound=Callable[..., Any])
EXTENSION = "response_cache"
NOT_MODIFIED = "Not Modified: the ETag sent in If-None-Match is still the answer's"


@dataclass(frozen=True)
class Answer:
    """A kept answer: its body and headers."""

    body: bytes
    headers: list[tuple[str, str]]


class ResponseCache:
    """Answers by URL for the current data generation, least recently used dropped first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._bytes = 0
        self._generation = 0
        self._lock = threading.Lock()
        self._seen = threading.local()

    @property
    def size(self) -> int:
        """Bytes of the bodies kept."""
        return self._bytes

    def observe(self, sources: tuple[object, ...], counters: tuple[int, ...]) -> int:
        """The current generation; a new one when this thread sees other sources or counters.

        The sources are held while remembered, so their ids cannot be reused by new objects.
        """
        mark = (tuple(id(source) for source in sources), counters)
        with self._lock:
            if getattr(self._seen, "mark", None) != mark:
                self._seen.mark, self._seen.sources = mark, sources
                self._generation += 1
                self._answers.clear()
                self._bytes = 0
            return self._generation

    def get(self, url: str, generation: int) -> Answer | None:
        """The answer kept for url in this generation, if any."""
        with self._lock:
            answer = self._answers.get(url) if generation == self._generation else None
            if answer is not None:
                self._answers.move_to_end(url)
            return answer

    def put(self, url: str, generation: int, answer: Answer) -> None:
        """Keep an answer made in generation, unless the data changed meanwhile or it is too big."""
        size = len(answer.body)
        with self._lock:
            if generation != self._generation or size > self.max_bytes // 4:
                return
            old = self._answers.pop(url, None)
            self._bytes += size - (len(old.body) if old else 0)
            self._answers[url] = answer
            while self._bytes > self.max_bytes:
                _, dropped = self._answers.popitem(last=False)
                self._bytes -= len(dropped.body)


def init_response_cache(app: Flask, max_bytes: int) -> None:
    """Give the app its cache (max_bytes 0 keeps nothing; ETags are still sent)."""
    app.extensions[EXTENSION] = ResponseCache(max_bytes)


def _generation(cache: ResponseCache) -> int:
    conn = get_db()
    data_version = conn.execute("PRAGMA data_version").fetchone()[0]
    return cache.observe((conn, prices(), models_config()), (data_version, conn.total_changes))


def cached_answer(view: View) -> View:
    """Serve a GET view's 200 answers from the cache while the data is unchanged, with ETags."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        cache: ResponseCache = current_app.extensions[EXTENSION]
        keeping = cache.max_bytes > 0
        generation = _generation(cache) if keeping else 0
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
                cache.put(url, generation, Answer(response.get_data(), list(response.headers)))
        return response.make_conditional(request)

    return cast(View, wrapper)
