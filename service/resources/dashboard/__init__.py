"""The dashboard: server-rendered pages of the leaderboard, equity curves, jobs and model-days."""
