"""Bar keys: a bar is named by sortable text, `YYYY-MM-DD` (a day) or `YYYY-MM-DD HH:MM:SS`.

Everything that orders bars compares their keys as text, and a bar's previous and next come from
the calendar of the data (PriceData), never from date arithmetic. Only two questions are about
days as such: which day a bar belongs to, and how many calendar days a range spans (the limit
MAX_SIMULATION_DAYS is in days).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from datetime import date, datetime, timedelta

DAY_KEY = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME_KEY = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?")


def bar_key(text: str) -> str:
    """text as a bar key (a day, or a day and a time with seconds); ValueError when it is not."""
    stripped = text.strip()
    if DAY_KEY.fullmatch(stripped):
        return date.fromisoformat(stripped).isoformat()
    if TIME_KEY.fullmatch(stripped):
        moment = datetime.fromisoformat(stripped)
        return moment.isoformat(sep=" ", timespec="seconds")
    raise ValueError(f"{text!r} is not a bar key (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)")


# Sorts after every bar of a day and before the next day: a day's key followed by it is the end
# of that day's span.
END_OF_DAY = "~"


def is_day(key: str) -> bool:
    """Whether key names a whole day rather than one bar of it."""
    return len(key) == 10


def through(key: str) -> str:
    """The upper bound of key's span for comparisons: after every bar of a day, or the bar."""
    return key + END_OF_DAY if is_day(key) else key


def bar_start(key: str, bar_minutes: int, labelled_by_end: bool) -> str:
    """When the bar named key began: its key, or bar_minutes earlier for a bar labelled by its
    end (a day's bar begins with the day)."""
    if is_day(key) or not labelled_by_end:
        return key
    moment = datetime.fromisoformat(key) - timedelta(minutes=bar_minutes)
    return moment.isoformat(sep=" ", timespec="seconds")


DAY_LENGTH = len("YYYY-MM-DD")  # a bar key begins with its day


def day_of(key: str) -> str:
    """The day (YYYY-MM-DD) a bar key belongs to."""
    return key[:DAY_LENGTH]


def last_bar_of_each_day(keys: Sequence[str]) -> list[int]:
    """The index of each day's last key in keys, sorted bar keys (any bars of a day may be
    missing)."""
    # A search per day rather than a look at every key: a day of six bars costs one search.
    ends, index = [], 0
    while index < len(keys):
        index = bisect_left(keys, keys[index][:DAY_LENGTH] + END_OF_DAY, index)
        ends.append(index - 1)
    return ends


def calendar_days(first: str, last: str) -> int:
    """How many calendar days the bars first..last span, both days counted."""
    return (date.fromisoformat(day_of(last)) - date.fromisoformat(day_of(first))).days + 1
