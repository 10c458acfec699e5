"""The consumer's heartbeat, kept in the queue's storage so that /health can tell it is alive."""

from __future__ import annotations

import threading
import time

from huey import Huey

from service.jobs.queueing import HEARTBEAT_SECONDS

HEARTBEAT_KEY = "worker-heartbeat"


def beat(huey: Huey) -> None:
    """Record that a consumer is alive now."""
    huey.put(HEARTBEAT_KEY, time.time())


def last_beat(huey: Huey) -> float | None:
    """When a consumer last said it was alive (epoch seconds), or None."""
    value = huey.get(HEARTBEAT_KEY, peek=True)
    return float(value) if value is not None else None


def start_heartbeat(huey: Huey) -> None:
    """Beat in a thread for as long as the process lives."""

    def beat_forever() -> None:
        while True:
            beat(huey)
            time.sleep(HEARTBEAT_SECONDS)

    threading.Thread(target=beat_forever, name="heartbeat", daemon=True).start()
