"""Results: risk and return metrics of stored timelines."""
