"""Where a new job's model-days go: a queue that runs them, as the app is given one (tasks/)."""

from __future__ import annotations

from typing import Protocol

# How often a consumer says it is alive; /health takes three missed beats for a dead worker.
HEARTBEAT_SECONDS = 10.0


class JobQueue(Protocol):
    """Runs model-days: the Huey queue a consumer reads, or inline where they are queued."""

    @property
    def immediate(self) -> bool:
        """Whether model-days run where they are queued, with no consumer."""
        ...

    def enqueue_days(self, job_id: str, days: list[tuple[str, str]]) -> None:
        """Queue the first model-day of each (model, day) of a job."""
        ...

    def last_heartbeat(self) -> float | None:
        """When a consumer last said it was alive (epoch seconds), or None."""
        ...
