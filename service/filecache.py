"""Files read once per version: data loaded from a file is shared until the file changes."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
PathLike = str | os.PathLike[str]


def cached_by_version(
    read: Callable[[Path], T], missing: Callable[[str], Exception]
) -> Callable[[PathLike], T]:
    """A loader that reads a file again only when its modification time or size changed.

    The loaded value is shared by every caller and thread, so it must never be mutated.
    """

    @functools.lru_cache(maxsize=8)
    def load_version(path: str, mtime_ns: int, size: int) -> T:
        return read(Path(path))

    def load(path: PathLike) -> T:
        resolved = Path(path).resolve()
        try:
            stat = resolved.stat()
        except OSError:
            raise missing(str(path)) from None
        return load_version(str(resolved), stat.st_mtime_ns, stat.st_size)

    return load
