"""Fixtures of the agent tests: a small price universe, order books and news on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from service.agent.news import NewsIndex, parse_news
from service.market.asof import AsOfView
from service.market.catalog import NASDAQ100
from service.market.prices import PriceData, parse_lines
from service.portfolio.engine import Holdings, OrderBook

BookFactory = Callable[..., OrderBook]
ArticleFactory = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Universe:
    """Ten large NASDAQ names over four trading days, `today` being the third."""

    symbols: tuple[str, ...] = (
        *("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL"),
        *("META", "AVGO", "TSLA", "COST", "NFLX"),
    )
    days: tuple[str, ...] = ("2025-09-29", "2025-09-30", "2025-10-01", "2025-10-02")
    today: str = "2025-10-01"

    def bar(self, symbol: str, day: str) -> tuple[float, float]:
        """Open 100 + 10 * symbol index + day index; closes end in .50 before today, .77 after."""
        open_ = 100.0 + 10 * self.symbols.index(symbol) + self.days.index(day)
        return open_, open_ + (0.77 if day >= self.today else 0.5)

    def merged_lines(self) -> list[str]:
        """The universe as merged.jsonl lines."""
        return [
            json.dumps(
                {
                    "Meta Data": {"2. Symbol": symbol},
                    "Time Series (Daily)": {
                        day: {"1. buy price": str(o), "4. sell price": str(c)}
                        for day in self.days
                        for o, c in [self.bar(symbol, day)]
                    },
                }
            )
            for symbol in self.symbols
        ]


@pytest.fixture
def universe() -> Universe:
    """The test universe."""
    return Universe()


@pytest.fixture
def today(universe: Universe) -> str:
    """The trading day of the books and prompts under test."""
    return universe.today


@pytest.fixture
def prices(universe: Universe) -> PriceData:
    """PriceData of the test universe, parsed like a merged.jsonl file."""
    return parse_lines(universe.merged_lines(), "test")


@pytest.fixture
def make_book(prices: PriceData, universe: Universe) -> BookFactory:
    """Factory of an OrderBook on today (or another day) with the given cash and shares."""

    def make(
        cash: float = 10_000.0, shares: dict[str, int] | None = None, day: str | None = None
    ) -> OrderBook:
        """An OrderBook on day (default today)."""
        view = AsOfView(prices, day or universe.today, NASDAQ100)
        return OrderBook(view, Holdings(cash, dict(shares or {})))

    return make


def _article(
    published: Any, title: str, tickers: tuple[str, ...] = (), summary: str = ""
) -> dict[str, Any]:
    return {
        "title": title,
        "url": f"https://news.example/{published}",
        "time_published": published,
        "summary": summary,
        "source": "Example Wire",
        "overall_sentiment_score": 0.2,
        "overall_sentiment_label": "Somewhat-Bullish",
        "ticker_sentiment": [{"ticker": ticker, "relevance_score": "0.5"} for ticker in tickers],
    }


@pytest.fixture
def make_article() -> ArticleFactory:
    """Factory of one feed entry in Alpha Vantage NEWS_SENTIMENT format."""
    return _article


@pytest.fixture
def news() -> NewsIndex:
    """Apple articles from the day before today, today itself and the day after."""
    feed = [
        _article("20250930T160000", "Apple ships more phones", ("AAPL",)),
        _article("20251001T080000", "Apple news from this morning", ("AAPL",)),
        _article("20251002T090000", "Apple news from tomorrow", ("AAPL",)),
    ]
    return parse_news({"feed": feed}, "test")
