"""Windmill script: every result row of an AI-Trader Service job, all pages."""

import json

import requests


def main(
    base_url: str, job_id: str, detail: str = "minimal", page_size: int = 500, api_key: str = ""
) -> list:
    """GET /results?job_id=… page after page (X-Pagination tells when to stop)."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    rows: list = []
    page = 1
    while True:
        response = requests.get(
            f"{base_url.rstrip('/')}/results",
            params={"job_id": job_id, "detail": detail, "page": page, "page_size": page_size},
            headers=headers,
            timeout=60,
        )
        response.raise_for_status()
        rows.extend(response.json())
        pagination = json.loads(response.headers.get("X-Pagination", "{}"))
        if not pagination.get("next_page"):
            return rows
        page = pagination["next_page"]
