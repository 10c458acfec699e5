"""With API_READ_AUTH the dashboard asks for the key in the browser, then shows the leaderboard;
Swagger UI offers the key and renders offline."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.resources.dashboard.access import KEY_COOKIE
from tests.e2e.browser import DevTools, tab
from tests.e2e.processes import request, running_service

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed"),
]
KEY = "e2e read key/+="
HEADERS = {"X-API-Key": KEY}
MODELS = ["qqq-buy-and-hold", "momentum-20"]


@dataclass(frozen=True)
class Locked:
    """A running server whose reads need the key, with results."""

    base: str
    folder: Path


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Locked]:
    """gunicorn and a consumer with API_KEY and API_READ_AUTH, after a short job."""
    folder = tmp_path_factory.mktemp("dashboard-key")
    env = {"API_KEY": KEY, "API_READ_AUTH": "true"}
    with running_service(folder, env) as service:
        body = {"start_date": "2025-09-22", "end_date": "2025-09-26", "models": MODELS}
        status, job = request(f"{service.base}/simulate/trigger", body, headers=HEADERS)
        assert status == 202, job
        status_url = f"{service.base}/simulate/status/{job['job_id']}"
        deadline = time.monotonic() + 60
        while request(status_url, headers=HEADERS)[1]["status"] != "completed":
            assert time.monotonic() < deadline, "the job did not finish"
            time.sleep(0.2)
        yield Locked(service.base, folder)


def enter(browser: DevTools, session: str, key: str) -> None:
    """Type the key into the prompt and send it; wait for the page it reloads."""
    browser.click_to_load(
        session,
        f"document.getElementById('key-input').value = {key!r};"
        "document.getElementById('key-form').requestSubmit()",
    )


def test_the_page_asks_for_the_key_then_shows_the_leaderboard(locked: Locked) -> None:
    with tab(locked.folder / "profile", locked.base + "/", 1280) as (browser, session):
        asked = browser.evaluate(session, "document.getElementById('key-prompt').innerText")
        browser.screenshot(session, locked.folder / "dashboard-key-prompt.png")
        enter(browser, session, "not the key")
        rejected = browser.evaluate(session, "document.getElementById('key-rejected').innerText")
        browser.screenshot(session, locked.folder / "dashboard-key-rejected.png")
        enter(browser, session, KEY)
        rows = browser.evaluate(
            session, "[...document.querySelectorAll('#leaderboard tr.model-row')].length"
        )
        html = browser.evaluate(session, "document.documentElement.outerHTML")
        stored = browser.evaluate(session, "sessionStorage.getItem('ai-trader-api-key')")
        cookies = browser.call("Network.getCookies", session, urls=[locked.base + "/"])["cookies"]
        browser.screenshot(session, locked.folder / "dashboard-key-accepted.png")
        # The script's own calls carry the key as a header: the job poll is answered.
        polled = browser.until(
            session,
            "performance.getEntriesByType('resource').some(e =>"
            " e.name.endsWith('/simulate/current') && e.responseStatus === 200)",
            20,
        )
        browser.navigate(session, locked.base + "/dashboard/models/momentum-20")
        model_day = browser.evaluate(session, "!!document.getElementById('trades')")
    assert "API_READ_AUTH" in asked
    assert "not accepted" in rejected
    assert rows == len(MODELS) and KEY not in html
    assert stored == KEY
    (cookie,) = [cookie for cookie in cookies if cookie["name"] == KEY_COOKIE]
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["session"] is True  # no Expires: gone with the browser's session
    assert polled is True and model_day is True


def test_the_json_api_still_refuses_the_browser_without_a_header(locked: Locked) -> None:
    with tab(locked.folder / "profile-api", locked.base + "/", 1280) as (browser, session):
        enter(browser, session, KEY)
        browser.navigate(session, locked.base + "/leaderboard")
        answer = browser.evaluate(session, "document.body.innerText")
    assert '"code":401' in answer.replace(" ", "")


def test_swagger_ui_renders_every_operation_offline(locked: Locked) -> None:
    spec = request(locked.base + "/openapi.json")[1]
    verbs = {"get", "post", "put", "patch", "delete"}
    operations = sum(len(verbs & set(item)) for item in spec["paths"].values())
    with tab(locked.folder / "profile-docs", locked.base + "/docs", 1280) as (browser, session):
        shown = browser.until(
            session,
            f"(n => n >= {operations} && n)(document.querySelectorAll('.opblock').length)",
            30,
        )
        authorize = browser.evaluate(session, "!!document.querySelector('.btn.authorize')")
        requested = browser.requests()
    assert shown == operations >= 12
    assert authorize is True  # with API_KEY set, the key's security schemes are offered
    assert [url for url in requested if not url.startswith((locked.base, "data:"))] == []
