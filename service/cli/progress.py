"""A terminal progress bar with count, percent and ETA, for long batch work."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """Redraws one line on a terminal; prints a line every 10% elsewhere (logs, CI)."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.done = 0
        self._last_decile = -1
        # Set by the caller when it knows better than the mean pace (each model's own pace).
        self.eta: float | None = None
        self.note = ""

    def line(self) -> str:
        """The current state as text."""
        fraction = min(self.done / self.total, 1.0)
        elapsed = time.monotonic() - self.started
        eta = self.eta
        if eta is None and self.done:
            eta = elapsed / self.done * (self.total - self.done)
        bar = "#" * round(fraction * WIDTH)
        eta_text = f"ETA {eta:.0f}s" if eta is not None else "ETA -"
        note = f" {self.note}" if self.note else ""
        return (
            f"[{bar:<{WIDTH}}] {self.done}/{self.total} {self.label} "
            f"{fraction * 100:3.0f}% {elapsed:.1f}s {eta_text}{note}"
        )

    def advance(self, count: int = 1, eta: float | None = None, note: str = "") -> None:
        """Count finished work and redraw, with an ETA and a note if the caller has them."""
        self.done += count
        self.eta, self.note = eta, note
        if self.stream.isatty():
            self.stream.write("\r" + self.line())
        elif self.done * 10 // self.total != self._last_decile:
            self._last_decile = self.done * 10 // self.total
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.stream.isatty():
            self.stream.write("\n")
            self.stream.flush()
