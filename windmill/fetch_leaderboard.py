"""Windmill script: the AI-Trader Service leaderboard, optionally on a given day."""

import requests


def main(base_url: str, date: str = "") -> dict:
    """GET /leaderboard (latest day when date is empty)."""
    params = {"date": date} if date else {}
    response = requests.get(f"{base_url.rstrip('/')}/leaderboard", params=params, timeout=30)
    response.raise_for_status()
    return response.json()
