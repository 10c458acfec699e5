"""Background execution: the Huey instance and its tasks (`huey_consumer tasks.huey`)."""

from tasks.model_days import enqueue_days, model_day_task
from tasks.queue import huey

__all__ = ["enqueue_days", "huey", "model_day_task"]
