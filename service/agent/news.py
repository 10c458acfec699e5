"""Offline news in Alpha Vantage NEWS_SENTIMENT format, searchable as of a day or a bar's start.

An article's time_published (20251014T211802) carries no time zone: it is read as the market's
local time, the zone its bar keys are in, and compared with them as it is. A daily market's
model sees what was published before its day; an intraday market's, what was published before
its bar began (calendar.bar_start), so news of 09:45 is not seen on the SSE's 10:30 bar, which
began at 09:30.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from service.filecache import cached_by_version

TIME_FORMATS = ("%Y%m%dT%H%M%S", "%Y%m%dT%H%M")
TOKEN = re.compile(r"[a-z0-9]+")


class NewsDataError(ValueError):
    """A news file that cannot be used; the message names the file."""


@dataclass(frozen=True, slots=True)
class NewsItem:
    """One dated article: what the model is shown and the words it can be found by."""

    published: str
    record: dict[str, Any]
    tokens: frozenset[str]

    @property
    def moment(self) -> str:
        """When the article was published, written like a bar key (YYYY-MM-DD HH:MM:SS)."""
        return self.published.replace("T", " ", 1)

    def matches(self, words: list[str]) -> bool:
        """Whether every word starts some token of the tickers, title or summary."""
        return all(any(token.startswith(word) for token in self.tokens) for word in words)


class NewsIndex:
    """Articles newest first; search never returns anything published on or after a day (or
    after the moment a bar begins)."""

    def __init__(self, items: list[NewsItem]) -> None:
        self.items = sorted(items, key=lambda item: item.published, reverse=True)

    def __len__(self) -> int:
        return len(self.items)

    def search(self, query: str, before: str, limit: int = 10) -> list[dict[str, Any]]:
        """Up to limit articles published before `before` matching all words of query.

        before is a day (YYYY-MM-DD: nothing of that day is returned) or a moment written like a
        bar key (YYYY-MM-DD HH:MM:SS: what was published up to a second before it is). Both
        compare as text with the article's moment: a day sorts before each of its moments.
        """
        words = TOKEN.findall(query.lower())
        found: list[dict[str, Any]] = []
        for item in self.items:
            if len(found) >= limit:
                break
            if item.moment < before and item.matches(words):
                found.append({**item.record, "tickers": list(item.record["tickers"])})
        return found


def _published(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    for time_format in TIME_FORMATS:
        try:
            return datetime.strptime(value.strip(), time_format).isoformat()
        except ValueError:
            continue
    return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _tickers(raw: Any) -> list[str]:
    entries = raw if isinstance(raw, list) else []
    tickers = [entry.get("ticker") for entry in entries if isinstance(entry, dict)]
    return [ticker.strip().upper() for ticker in tickers if isinstance(ticker, str)]


def news_item(raw: Any) -> NewsItem | None:
    """The searchable item of one feed entry; None when it has no usable publication time."""
    published = _published(raw.get("time_published")) if isinstance(raw, dict) else None
    if published is None:
        return None
    title, summary = _text(raw.get("title")), _text(raw.get("summary"))
    tickers = _tickers(raw.get("ticker_sentiment"))
    record = {
        "title": title,
        "source": _text(raw.get("source")),
        "time_published": published,
        "summary": summary,
        "url": _text(raw.get("url")),
        "overall_sentiment_label": _text(raw.get("overall_sentiment_label")) or None,
        "tickers": tickers,
    }
    words = " ".join([*tickers, title, summary]).lower()
    return NewsItem(published, record, frozenset(TOKEN.findall(words)))


def parse_news(document: Any, source: str) -> NewsIndex:
    """An index of a NEWS_SENTIMENT document ({"feed": [...]}) or a bare list of entries."""
    feed = document.get("feed") if isinstance(document, dict) else document
    if not isinstance(feed, list):
        raise NewsDataError(f'{source}: no "feed" list of news items')
    items = [item for item in map(news_item, feed) if item is not None]
    return NewsIndex(items)


def _read(path: Path) -> NewsIndex:
    try:
        with path.open(encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise NewsDataError(f"{path}: cannot read news data: {error.strerror}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise NewsDataError(f"{path}: news data is not valid JSON: {error}") from None
    return parse_news(document, str(path))


EMPTY = NewsIndex([])


_load_file = cached_by_version(
    _read, lambda path: NewsDataError(f"{path}: news data file not found")
)


def load_news(path: str | os.PathLike[str] | None) -> NewsIndex:
    """Load a news file once per file version; None means no news at all."""
    return EMPTY if path is None else _load_file(path)
