"""AI-Trader agent data (position.jsonl and daily log.jsonl files) in and out of the database."""
