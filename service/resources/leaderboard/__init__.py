"""The leaderboard resource: routes and schemas."""
