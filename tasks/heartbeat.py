"""The consumer's heartbeat, kept in the queue's storage so that /health can tell it is alive."""

from __future__ import annotations

import threading
import time

from tasks.queue import huey

HEARTBEAT_KEY = "worker-heartbeat"
INTERVAL_SECONDS = 10.0
_started = threading.Event()


def beat() -> None:
    """Record that a consumer is alive now."""
    huey.put(HEARTBEAT_KEY, time.time())


def last_beat() -> float | None:
    """When a consumer last said it was alive (epoch seconds), or None."""
    value = huey.get(HEARTBEAT_KEY, peek=True)
    return float(value) if value is not None else None


def _beat_forever() -> None:
    while True:
        beat()
        time.sleep(INTERVAL_SECONDS)


def start_heartbeat() -> None:
    """Start the heartbeat thread once per consumer process."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_beat_forever, name="heartbeat", daemon=True).start()
