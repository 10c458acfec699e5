"""Files read once per version: data loaded from a file is shared until the file changes."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
PathLike = str | os.PathLike[str]


def file_version(path: PathLike) -> tuple[int, int] | None:
    """What tells one content of a file from the next: modification time and size (None: absent)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def cached_by_version(
    read: Callable[[Path], T], missing: Callable[[str], Exception]
) -> Callable[[PathLike], T]:
    """A loader that reads a file again only when its modification time or size changed.

    The loaded value is shared by every caller and thread, so it must never be mutated. One
    lock makes concurrent first callers (a consumer's worker threads) wait for a single read.
    """
    loaded: dict[str, tuple[tuple[int, int], T]] = {}
    lock = threading.Lock()

    def load(path: PathLike) -> T:
        key = os.path.abspath(path)
        version = file_version(key)
        if version is None:
            raise missing(key)
        found = loaded.get(key)
        if found is not None and found[0] == version:
            return found[1]
        with lock:
            found = loaded.get(key)
            if found is None or found[0] != version:
                found = (version, read(Path(key)))
                loaded[key] = found
            return found[1]

    return load
