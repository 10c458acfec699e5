"""Background execution: the Huey queue of model-days, built from one Settings.

The consumer's entry point is tasks.consumer (`huey_consumer tasks.consumer.huey`); the web app
builds its own queue (to enqueue) with build_queue.
"""

from __future__ import annotations

from service.settings import Settings
from tasks.model_days import ModelDayQueue
from tasks.queue import make_huey

__all__ = ["ModelDayQueue", "build_queue"]


def build_queue(settings: Settings) -> ModelDayQueue:
    """The queue and its tasks for these settings."""
    return ModelDayQueue(make_huey(settings), settings)
