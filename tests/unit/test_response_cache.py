"""The response cache's bookkeeping: generations, the memory bound, least recently used first."""

from __future__ import annotations

import threading

import pytest

from service.resources.response_cache import Answer, ResponseCache

pytestmark = pytest.mark.unit

SOURCES = (object(), object())


def answer(size: int) -> Answer:
    """An answer whose body has size bytes."""
    return Answer(b"x" * size, [("Content-Type", "application/json")])


def test_same_sources_and_counters_keep_the_generation() -> None:
    cache = ResponseCache(1000)
    generation = cache.observe(SOURCES, (1, 0))
    cache.put("/a", generation, answer(10))
    assert cache.observe(SOURCES, (1, 0)) == generation
    assert cache.get("/a", generation) == answer(10)


@pytest.mark.parametrize(
    ("sources", "counters"),
    [(SOURCES, (2, 0)), (SOURCES, (1, 1)), ((object(), SOURCES[1]), (1, 0))],
)
def test_any_change_starts_a_generation_without_answers(
    sources: tuple[object, ...], counters: tuple[int, ...]
) -> None:
    cache = ResponseCache(1000)
    generation = cache.observe(SOURCES, (1, 0))
    cache.put("/a", generation, answer(10))
    newer = cache.observe(sources, counters)
    assert newer != generation
    assert cache.get("/a", newer) is None
    assert cache.get("/a", generation) is None
    assert cache.size == 0


def test_an_answer_made_before_a_change_is_not_kept() -> None:
    cache = ResponseCache(1000)
    old = cache.observe(SOURCES, (1, 0))
    new = cache.observe(SOURCES, (2, 0))
    cache.put("/a", old, answer(10))
    assert cache.get("/a", new) is None and cache.size == 0


def test_each_thread_compares_with_what_it_saw_itself() -> None:
    cache = ResponseCache(1000)
    generation = cache.observe(SOURCES, (5, 0))
    cache.put("/a", generation, answer(10))
    seen: list[int] = []
    # Another thread's connection has its own counters: its first look is a change.
    worker = threading.Thread(target=lambda: seen.append(cache.observe(SOURCES, (9, 0))))
    worker.start()
    worker.join()
    assert seen[0] != generation
    assert cache.get("/a", seen[0]) is None


def test_memory_stays_bounded_and_the_least_recently_used_goes_first() -> None:
    cache = ResponseCache(100)
    generation = cache.observe(SOURCES, (1, 0))
    for name in "abcd":
        cache.put(f"/{name}", generation, answer(25))
    assert cache.get("/a", generation) is not None  # now the most recently used
    cache.put("/e", generation, answer(25))
    assert cache.size == 100
    assert cache.get("/b", generation) is None
    assert all(cache.get(f"/{name}", generation) for name in "acde")


def test_a_replaced_answer_is_counted_once_and_a_huge_one_not_kept() -> None:
    cache = ResponseCache(100)
    generation = cache.observe(SOURCES, (1, 0))
    cache.put("/a", generation, answer(20))
    cache.put("/a", generation, answer(10))
    assert cache.size == 10
    cache.put("/big", generation, answer(26))  # over a quarter of the budget
    assert cache.get("/big", generation) is None and cache.size == 10


def test_a_zero_budget_keeps_nothing() -> None:
    cache = ResponseCache(0)
    generation = cache.observe(SOURCES, (1, 0))
    cache.put("/a", generation, answer(1))
    assert cache.get("/a", generation) is None
