"""The dashboard in headless Chromium, served by gunicorn with results from a real consumer."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import struct
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from service.dashboard.chart import COMPACT_WIDTH, SVG_NAMESPACE
from tests.e2e.processes import request, running_service, wait_for_job

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed"),
]
MODELS = ["qqq-buy-and-hold", "momentum-20", "equal-weight-10", "mock-llm"]
# Every host name resolves to nothing except the server's own address: a request to anywhere
# else fails, so the page must render fully from the server alone.
NO_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
QUIET = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass(frozen=True)
class Live:
    """A running server with stored results, and a folder for the browser's files."""

    base: str
    folder: Path


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """gunicorn and a consumer on a temporary database, after a short job of four models."""
    folder = tmp_path_factory.mktemp("dashboard")
    with running_service(folder) as service:
        body = {"start_date": "2025-09-15", "end_date": "2025-09-30", "models": MODELS}
        status, job = request(f"{service.base}/simulate/trigger", body)
        assert status == 202, job
        assert wait_for_job(service.base, job["job_id"])["status"] == "completed"
        yield Live(service.base, folder)


def chromium(live: Live, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with no network but the server; its output."""
    command = ["chromium", *QUIET, f"--user-data-dir={live.folder / 'profile'}", NO_NETWORK, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG, from its header."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("width", [1280, 375])
def test_screenshot(live: Live, width: int) -> None:
    shot = live.folder / f"dashboard-{width}.png"
    result = chromium(live, f"--window-size={width},900", f"--screenshot={shot}", live.base + "/")
    assert shot.is_file(), result.stderr
    assert png_size(shot) == (width, 900)
    # A blank or error page compresses to a few kilobytes; the dashboard has a chart and text.
    assert shot.stat().st_size > 25_000


def test_rendered_page_has_the_table_and_the_chart(live: Live) -> None:
    result = chromium(live, "--window-size=1280,900", "--dump-dom", live.base + "/dashboard")
    dom = result.stdout
    assert 'id="leaderboard"' in dom, result.stderr
    rows = re.findall(r'<tr class="model-row" data-model="([^"]+)"', dom)
    assert sorted(rows) == sorted(MODELS)
    assert '<tr class="benchmark-row">' in dom
    chart = re.search(r'<svg[^>]*class="equity-chart".*?</svg>', dom, re.S)
    assert chart
    assert len(re.findall(r"<path ", chart.group(0))) == len(MODELS) + 1
    assert 'id="job-status">completed<' in dom


class DevTools:
    """Chromium driven over --remote-debugging-pipe (NUL-separated JSON on fds 3 and 4)."""

    def __init__(self, live: Live) -> None:
        to_browser, self._writer = os.pipe()
        self._reader, from_browser = os.pipe()

        def wire() -> None:
            os.dup2(to_browser, 3)
            os.dup2(from_browser, 4)

        profile = f"--user-data-dir={live.folder / 'devtools-profile'}"
        self.process = subprocess.Popen(
            ["chromium", *QUIET, profile, NO_NETWORK, "--remote-debugging-pipe"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=wire,  # the fds must be 3 and 4 in the browser, whatever they are here
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send a command and wait for its answer; events seen meanwhile are kept."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._writer, json.dumps(message).encode() + b"\0")
        answer = self.wait(lambda item: item.get("id") == self._next_id)
        result: dict[str, Any] = answer.get("result", {})
        return result

    def wait(self, wanted: Callable[[dict[str, Any]], bool], timeout: float = 30) -> dict[str, Any]:
        """Read messages until one is wanted."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                item = json.loads(raw)
                self.events.append(item)
                if wanted(item):
                    return dict(item)
            if select.select([self._reader], [], [], 0.5)[0]:
                chunk = os.read(self._reader, 1 << 16)
                if not chunk:
                    raise ConnectionError("Chromium closed the pipe")
                self._buffer += chunk
        raise TimeoutError("Chromium did not answer")

    def close(self) -> None:
        """Close the browser."""
        try:
            self.call("Browser.close")
        except (OSError, TimeoutError):
            self.process.kill()
        self.process.wait(timeout=15)
        os.close(self._writer)
        os.close(self._reader)

    def requests(self) -> list[str]:
        """Every URL the browser was asked to load while the Network domain was on."""
        return [
            item["params"]["request"]["url"]
            for item in self.events
            if item.get("method") == "Network.requestWillBeSent"
        ]

    def evaluate(self, session: str, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        answer = self.call("Runtime.evaluate", session, expression=expression, returnByValue=True)
        return answer["result"]["value"]


@contextmanager
def loaded(live: Live, url: str, width: int) -> Iterator[tuple[DevTools, str]]:
    """A browser tab width pixels wide (a phone below 600) with url loaded; tab's session."""
    browser = DevTools(live)
    try:
        target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        browser.call("Network.enable", session)
        browser.call("Page.enable", session)
        metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}
        browser.call("Emulation.setDeviceMetricsOverride", session, **metrics)
        browser.call("Page.navigate", session, url=url)
        browser.wait(lambda item: item.get("method") == "Page.loadEventFired")
        yield browser, session
    finally:
        browser.close()


def test_nothing_is_fetched_from_outside_the_server(live: Live) -> None:
    with urllib.request.urlopen(live.base + "/") as response:  # noqa: S310 - loopback only
        html = response.read().decode()
        policy = response.headers["Content-Security-Policy"]
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) - {SVG_NAMESPACE} == set()
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    with loaded(live, live.base + "/", 1280) as (browser, _):
        requested = browser.requests()
    assert requested[0] == live.base + "/"
    # data: is the date input's calendar icon, drawn by Chromium itself.
    assert [url for url in requested if not url.startswith((live.base, "data:"))] == []


def test_phone_width(live: Live) -> None:
    with loaded(live, live.base + "/", 375) as (browser, session):
        page_width = browser.evaluate(session, "document.documentElement.scrollWidth")
        table = browser.evaluate(
            session,
            "(w => w.scrollWidth > w.clientWidth)(document.querySelector('.table-wrap'))",
        )
        wide_shown = browser.evaluate(
            session, "!!document.querySelector('.chart.wide').offsetParent"
        )
        compact = browser.evaluate(
            session, "document.querySelector('.chart.compact svg').getBoundingClientRect().width"
        )
    assert page_width <= 375  # nothing sticks out of the screen: the table scrolls in its box
    assert table is True
    assert wide_shown is False
    # The compact chart's 13-unit text is drawn at least 10 px high on the phone's screen.
    assert compact * 13 / COMPACT_WIDTH >= 10


def test_swagger_ui_renders_every_operation_offline(live: Live) -> None:
    spec = request(live.base + "/openapi.json")[1]
    verbs = {"get", "post", "put", "patch", "delete"}
    operations = sum(len(verbs & set(item)) for item in spec["paths"].values())
    with loaded(live, live.base + "/docs", 1280) as (browser, session):
        deadline, shown = time.monotonic() + 30, 0
        while time.monotonic() < deadline and shown < operations:
            shown = browser.evaluate(session, "document.querySelectorAll('.opblock').length")
            time.sleep(0.2)
        authorize = browser.evaluate(session, "!!document.querySelector('.btn.authorize')")
        requested = browser.requests()
    assert shown == operations >= 12
    assert authorize is True  # the API key security scheme is offered
    assert [url for url in requested if not url.startswith((live.base, "data:"))] == []
