"""Windmill script: the AI-Trader Service leaderboard, optionally on a given day."""

import requests


def main(base_url: str, date: str = "", api_key: str = "") -> dict:
    """GET /leaderboard (latest day when date is empty); api_key for API_READ_AUTH=true."""
    params = {"date": date} if date else {}
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    response = requests.get(
        f"{base_url.rstrip('/')}/leaderboard", params=params, headers=headers, timeout=30
    )
    response.raise_for_status()
    return response.json()
