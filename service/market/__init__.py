"""Market data: daily prices, the trading-day calendar and the as-of view a model sees."""
