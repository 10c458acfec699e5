"""Tests of the offline news index: loading, look-ahead filtering and search."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service.agent.news import NewsDataError, NewsIndex, load_news, parse_news

ArticleFactory = Callable[..., dict[str, Any]]

SAMPLE = Path(__file__).resolve().parents[3] / "service" / "defaults" / "news_sample_2025-10.json"


def index(*entries: dict[str, Any]) -> NewsIndex:
    """An index of the given feed entries."""
    return parse_news({"feed": list(entries)}, "test")


def titles(items: list[dict[str, Any]]) -> list[Any]:
    """The titles of search results."""
    return [item["title"] for item in items]


class TestLookAhead:
    def test_only_articles_dated_before_the_day_newest_first(
        self, make_article: ArticleFactory
    ) -> None:
        news = index(
            make_article("20250929T100000", "older"),
            make_article("20250930T235959", "late yesterday"),
            make_article("20251001T000001", "just after midnight"),
            make_article("20251003T120000", "future"),
        )
        assert titles(news.search("", before="2025-10-01")) == ["late yesterday", "older"]

    def test_before_a_moment_only_what_was_published_before_it(
        self, make_article: ArticleFactory
    ) -> None:
        # A bar's start, as a bar key: read in the same (market-local) time as time_published.
        news = index(
            make_article("20251001T092959", "a second before"),
            make_article("20251001T093000", "at the start"),
            make_article("20251001T101500", "during the bar"),
            make_article("20250930T235959", "yesterday"),
        )
        found = news.search("", before="2025-10-01 09:30:00")
        assert titles(found) == ["a second before", "yesterday"]
        assert titles(news.search("", before="2025-10-01")) == ["yesterday"]

    @pytest.mark.parametrize("published", [None, "", "yesterday", "2025-09-30", "20259930T1000"])
    def test_undated_or_unparseable_articles_are_never_returned(
        self, make_article: ArticleFactory, published: object
    ) -> None:
        news = index({**make_article("20250930T100000", "undated"), "time_published": published})
        assert len(news) == 0
        assert news.search("", before="2099-01-01") == []

    def test_time_without_seconds_is_accepted(self, make_article: ArticleFactory) -> None:
        found = index(make_article("20250930T1000", "short time")).search("", "2025-10-01")
        assert found[0]["time_published"] == "2025-09-30T10:00:00"


class TestSearch:
    @pytest.fixture
    def catalogue(self, make_article: ArticleFactory) -> NewsIndex:
        """Three articles about chips and Apple."""
        return index(
            make_article(
                "20250926T100000", "Chip demand soars", ("NVDA", "AMD"), "Data centers buy."
            ),
            make_article("20250927T100000", "Apple unveils phone", ("AAPL",), "Record preorders."),
            make_article("20250928T100000", "Markets calm", (), "Nvidia and Apple flat."),
        )

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("nvda", ["Chip demand soars"]),
            ("APPLE", ["Markets calm", "Apple unveils phone"]),
            ("preorder", ["Apple unveils phone"]),
            ("apple nvidia", ["Markets calm"]),
            ("apple tesla", []),
            ("", ["Markets calm", "Apple unveils phone", "Chip demand soars"]),
        ],
    )
    def test_all_words_match_tickers_title_or_summary(
        self, catalogue: NewsIndex, query: str, expected: list[str]
    ) -> None:
        assert titles(catalogue.search(query, before="2025-10-01")) == expected

    def test_limit(self, catalogue: NewsIndex) -> None:
        assert titles(catalogue.search("", "2025-10-01", limit=1)) == ["Markets calm"]

    def test_items_are_trimmed(self, catalogue: NewsIndex) -> None:
        item = catalogue.search("nvda", "2025-10-01")[0]
        assert item == {
            "title": "Chip demand soars",
            "source": "Example Wire",
            "time_published": "2025-09-26T10:00:00",
            "summary": "Data centers buy.",
            "url": "https://news.example/20250926T100000",
            "overall_sentiment_label": "Somewhat-Bullish",
            "tickers": ["NVDA", "AMD"],
        }

    def test_results_are_copies(self, catalogue: NewsIndex) -> None:
        catalogue.search("nvda", "2025-10-01")[0]["tickers"].append("XXX")
        assert catalogue.search("nvda", "2025-10-01")[0]["tickers"] == ["NVDA", "AMD"]


class TestLoad:
    def test_bundled_sample(self) -> None:
        news = load_news(SAMPLE)
        assert len(news) == 20
        found = news.search("NVDA", before="2025-10-03")
        assert found and all(item["time_published"] < "2025-10-03" for item in found)

    def test_none_is_an_empty_index(self) -> None:
        assert load_news(None).search("", "2099-01-01") == []

    def test_missing_file_is_an_error_naming_it(self, tmp_path: Path) -> None:
        missing = tmp_path / "nope.json"
        with pytest.raises(NewsDataError, match=f"{missing}.*not found"):
            load_news(missing)

    @pytest.mark.parametrize(("text", "reason"), [("{", "not valid JSON"), ('{"a": 1}', "feed")])
    def test_unusable_file(self, tmp_path: Path, text: str, reason: str) -> None:
        path = tmp_path / "news.json"
        path.write_text(text)
        with pytest.raises(NewsDataError, match=reason):
            load_news(path)

    def test_cached_until_the_file_changes(
        self, tmp_path: Path, make_article: ArticleFactory
    ) -> None:
        path = tmp_path / "news.json"
        path.write_text(json.dumps({"feed": [make_article("20250930T100000", "one")]}))
        first = load_news(path)
        assert load_news(str(path)) is first
        feed = [make_article("20250930T100000", "two"), make_article("20250930T110000", "three")]
        path.write_text(json.dumps({"feed": feed}))
        os.utime(path, ns=(1, 1))
        assert titles(load_news(path).search("", "2025-10-01")) == ["three", "two"]

    def test_bare_list_of_entries(self, make_article: ArticleFactory) -> None:
        assert len(parse_news([make_article("20250930T100000", "x")], "test")) == 1
