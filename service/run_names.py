"""Names of the runs of one model: repeats `<signature>:r<k>` and windows `<signature>:w<day>`.

A window's repeats are `<signature>:w<day>:r<k>`. The name is the only link between a run and
its base model: the timelines are independent and each is stored under its own signature, so
a config signature must not look like a run's (models_config refuses those).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RUN_SUFFIX = re.compile(
    r"^(?P<base>.+?)(?::w(?P<window>\d{4}-\d{2}-\d{2}))?(?::r(?P<repeat>\d+))?$"
)
LOOKS_LIKE_A_RUN = re.compile(r":(w\d{4}-\d{2}-\d{2}|r\d+)$")


@dataclass(frozen=True, slots=True)
class RunName:
    """What a timeline's signature says about it: its base model, window and repeat."""

    base: str
    window: str | None = None  # the window's first day
    repeat: int | None = None

    @property
    def signature(self) -> str:
        """The timeline's signature."""
        window = f":w{self.window}" if self.window else ""
        repeat = f":r{self.repeat}" if self.repeat is not None else ""
        return f"{self.base}{window}{repeat}"


def parse_run(signature: str) -> RunName:
    """The base model, window and repeat a signature names (a plain model: itself alone)."""
    match = RUN_SUFFIX.match(signature)
    if match is None:  # only the empty string: RUN_SUFFIX matches any other text
        return RunName(signature)
    repeat = match["repeat"]
    return RunName(match["base"], match["window"], int(repeat) if repeat else None)


def looks_like_a_run(signature: str) -> bool:
    """Whether a signature ends as a repeat's or a window's does (config signatures must not)."""
    return LOOKS_LIKE_A_RUN.search(signature) is not None
