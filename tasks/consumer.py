"""The consumer's entry point: `huey_consumer tasks.consumer.huey`.

The one place the consumer reads its environment. It refuses to start on price data it cannot
trust (the error names file and line) rather than failing every model-day on it later.
"""

from service.logs import configure_logging
from service.market.prices import load_prices
from service.settings import from_environment
from tasks import build_queue

settings = from_environment()
configure_logging(settings.log_format)
load_prices(settings.price_data)
huey = build_queue(settings).huey
