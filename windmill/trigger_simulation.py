"""Windmill script: start an AI-Trader Service simulation job and return it."""

import requests


def main(
    base_url: str,
    end_date: str,
    start_date: str = "",
    models: list[str] | None = None,
    replace_existing: bool = False,
    api_key: str = "",
    market: str = "",
) -> dict:
    """POST /simulate/trigger; an empty start_date resumes every model's timeline; the enabled
    models of market join models (with neither, every enabled model of nasdaq100).

    The answer carries end_date so that later steps (the leaderboard) can use the job's day.
    """
    body = {
        "start_date": start_date or None,
        "end_date": end_date,
        "models": models or [],
        "replace_existing": replace_existing,
        "market": market or None,
    }
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    response = requests.post(
        f"{base_url.rstrip('/')}/simulate/trigger", json=body, headers=headers, timeout=30
    )
    if response.status_code != 202:
        raise RuntimeError(f"trigger failed ({response.status_code}): {response.text}")
    job = response.json()
    keys = ("job_id", "status", "end_date", "models", "progress", "message", "warnings")
    return {key: job[key] for key in keys}
