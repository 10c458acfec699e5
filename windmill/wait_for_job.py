"""Windmill script: poll an AI-Trader Service job until it ends, and return its final status."""

import time

import requests

FINAL = ("completed", "partial", "failed", "cancelled")


def progress_line(progress: dict) -> str:
    """Percent and counts, then the ETA, tokens and cost when the service reports them."""
    words = [f"{progress['percent']}% ({progress['completed']}/{progress['total']})"]
    if progress.get("eta_seconds") is not None:
        words.append(f"ETA {progress['eta_seconds']:.0f} s")
    tokens = (progress.get("prompt_tokens") or 0) + (progress.get("completion_tokens") or 0)
    if tokens:
        words.append(f"{tokens:,} tokens")
    if progress.get("cost_usd") is not None:
        words.append(f"${progress['cost_usd']:.4f}")
    return ", ".join(words)


def main(
    base_url: str,
    job_id: str,
    poll_seconds: float = 5.0,
    timeout_seconds: float = 6 * 3600,
    fail_on_error: bool = True,
    api_key: str = "",
) -> dict:
    """GET /simulate/status/{job_id} until the job is final; raise if it failed (optional)."""
    deadline = time.monotonic() + timeout_seconds
    url = f"{base_url.rstrip('/')}/simulate/status/{job_id}"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    while True:
        response = requests.get(url, headers=headers, timeout=30)
        response.raise_for_status()
        job = response.json()
        progress = job["progress"]
        print(f"{job['status']}: {progress_line(progress)}")
        if job["status"] in FINAL:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {job['status']} after {timeout_seconds} s")
        time.sleep(poll_seconds)
    if fail_on_error and job["status"] == "failed":
        raise RuntimeError(f"job {job_id} failed: {job.get('error')}")
    failures = [d for d in job["details"] if d["status"] == "failed"]
    return {"job_id": job_id, "status": job["status"], "progress": progress, "failures": failures}
