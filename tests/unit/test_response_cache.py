"""The response cache's bookkeeping: generations, the memory bound, least recently used first."""

from __future__ import annotations

import threading
from collections.abc import Hashable

import pytest

from service.resources.response_cache import ENTRY_OVERHEAD, Answer, ResponseCache

pytestmark = pytest.mark.unit

MARKS: dict[Hashable, Hashable] = {"db": (1, 0), "prices": (100, 5)}


def answer(size: int) -> Answer:
    """An answer whose body has size bytes."""
    return Answer(b"x" * size, [("Content-Type", "application/json")])


def cost(size: int, url: str = "/a") -> int:
    """What an answer of size bytes counts under url."""
    return answer(size).cost(url)


def test_same_marks_keep_the_generation() -> None:
    cache = ResponseCache(100_000)
    generation = cache.observe(MARKS)
    cache.put("/a", generation, answer(10))
    assert cache.observe(dict(MARKS)) == generation
    assert cache.observe({"db": (1, 0)}) == generation  # a view that reads no file
    assert cache.get("/a", generation) == answer(10)


@pytest.mark.parametrize(
    "marks",
    [{"db": (2, 0)}, {"prices": (101, 5)}, {"prices": None}, {"config": (7, 7)}],
)
def test_any_change_or_new_mark_starts_a_generation_without_answers(
    marks: dict[Hashable, Hashable],
) -> None:
    cache = ResponseCache(100_000)
    generation = cache.observe(MARKS)
    cache.put("/a", generation, answer(10))
    newer = cache.observe(marks)
    assert newer != generation
    assert cache.get("/a", newer) is None
    assert cache.get("/a", generation) is None
    assert cache.size == 0


def test_a_first_look_at_a_missing_file_is_a_change() -> None:
    cache = ResponseCache(100_000)
    generation = cache.observe(MARKS)
    assert cache.observe({"config": None}) != generation


def test_an_answer_made_before_a_change_is_not_kept() -> None:
    cache = ResponseCache(100_000)
    old = cache.observe(MARKS)
    new = cache.observe({"db": (2, 0)})
    cache.put("/a", old, answer(10))
    assert cache.get("/a", new) is None and cache.size == 0


def test_each_thread_compares_with_what_it_saw_itself() -> None:
    cache = ResponseCache(100_000)
    generation = cache.observe(MARKS)
    cache.put("/a", generation, answer(10))
    seen: list[int] = []
    # Another thread has its own connection and counters: its first look is a change.
    worker = threading.Thread(target=lambda: seen.append(cache.observe(MARKS)))
    worker.start()
    worker.join()
    assert seen[0] != generation
    assert cache.get("/a", seen[0]) is None


def test_memory_stays_bounded_and_the_least_recently_used_goes_first() -> None:
    cache = ResponseCache(4 * cost(25))
    generation = cache.observe(MARKS)
    for name in "abcd":
        cache.put(f"/{name}", generation, answer(25))
    assert cache.get("/a", generation) is not None  # now the most recently used
    cache.put("/e", generation, answer(25))
    assert cache.size == 4 * cost(25)
    assert cache.get("/b", generation) is None
    assert all(cache.get(f"/{name}", generation) for name in "acde")


def test_small_answers_count_their_overhead() -> None:
    budget = 100 * ENTRY_OVERHEAD
    cache = ResponseCache(budget)
    generation = cache.observe(MARKS)
    for page in range(1000):
        cache.put(f"/results?page={page}", generation, answer(3))
    # Bodies of 3 bytes alone would let all 1,000 in; with their overhead fewer than 100 fit.
    assert cache.size <= budget
    assert cache.get("/results?page=999", generation) is not None
    assert cache.get("/results?page=900", generation) is None


def test_a_replaced_answer_is_counted_once_and_a_huge_one_not_kept() -> None:
    cache = ResponseCache(4 * cost(100))
    generation = cache.observe(MARKS)
    cache.put("/a", generation, answer(20))
    cache.put("/a", generation, answer(10))
    assert cache.size == cost(10)
    cache.put("/big", generation, answer(101))  # over a quarter of the budget
    assert cache.get("/big", generation) is None and cache.size == cost(10)


def test_a_zero_budget_keeps_nothing() -> None:
    cache = ResponseCache(0)
    generation = cache.observe(MARKS)
    cache.put("/a", generation, answer(1))
    assert cache.get("/a", generation) is None
