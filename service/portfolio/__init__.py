"""Portfolio engine: orders, valuation, P&L and the stored timeline."""
