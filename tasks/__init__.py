"""Background execution: the Huey instance and its tasks (`huey_consumer tasks.huey`)."""

from service.market.prices import load_prices
from service.settings import from_environment
from tasks.model_days import enqueue_days, model_day_task
from tasks.queue import huey

# A consumer refuses to start on price data it cannot trust (the error names file and line),
# rather than failing every model-day on it later.
load_prices(from_environment().price_data)

__all__ = ["enqueue_days", "huey", "model_day_task"]
