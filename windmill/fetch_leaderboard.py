"""Windmill script: an AI-Trader Service market's leaderboard, optionally on a given day."""

import requests


def main(base_url: str, date: str = "", api_key: str = "", market: str = "") -> dict:
    """GET /leaderboard of market (empty: nasdaq100) on date (empty: its latest day); api_key
    for API_READ_AUTH=true."""
    params = {name: value for name, value in (("date", date), ("market", market)) if value}
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    response = requests.get(
        f"{base_url.rstrip('/')}/leaderboard", params=params, headers=headers, timeout=30
    )
    response.raise_for_status()
    return response.json()
