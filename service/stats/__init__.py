"""Statistics of return series: the bootstrap and inference on Sharpe ratios."""
