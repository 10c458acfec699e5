"""Headless Chromium for the dashboard's end-to-end tests, driven over --remote-debugging-pipe."""

from __future__ import annotations

import base64
import json
import os
import select
import struct
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with no network but the server; its output."""
    command = ["chromium", *QUIET, f"--user-data-dir={profile}", NO_NETWORK, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG, from its header."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


class DevTools:
    """Chromium driven over --remote-debugging-pipe (NUL-separated JSON on fds 3 and 4)."""

    def __init__(self, profile: Path) -> None:
        to_browser, self._writer = os.pipe()
        self._reader, from_browser = os.pipe()

        def wire() -> None:
            os.dup2(to_browser, 3)
            os.dup2(from_browser, 4)

        self.process = subprocess.Popen(
            [
                "chromium",
                *QUIET,
                f"--user-data-dir={profile}",
                NO_NETWORK,
                "--remote-debugging-pipe",
            ],
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

    def wait(
        self,
        wanted: Callable[[dict[str, Any]], bool],
        timeout: float = 30,
        since: int | None = None,
    ) -> dict[str, Any]:
        """Read messages until one is wanted; since: first look at the events kept from there."""
        found = [item for item in self.events[since:] if wanted(item)] if since is not None else []
        if found:
            return dict(found[0])
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
        return [item["params"]["request"]["url"] for item in self.sent()]

    def sent(self) -> list[dict[str, Any]]:
        """Every request event seen while the Network domain was on."""
        return [item for item in self.events if item.get("method") == "Network.requestWillBeSent"]

    def evaluate(self, session: str, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        answer = self.call("Runtime.evaluate", session, expression=expression, returnByValue=True)
        return answer["result"].get("value")

    def until(self, session: str, expression: str, timeout: float = 60) -> Any:
        """Wait until a JavaScript expression is truthy in the page; its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(session, expression)
            if value:
                return value
            time.sleep(0.25)
        raise TimeoutError(f"never true: {expression}")

    def navigate(self, session: str, url: str) -> None:
        """Load url in the tab and wait for its load event."""
        self.load_after(session, lambda: self.call("Page.navigate", session, url=url))

    def click_to_load(self, session: str, action: str) -> None:
        """Run JavaScript that leads to another page (a click, a submit); wait for it to load."""
        self.load_after(session, lambda: self.evaluate(session, action))

    def load_after(self, session: str, action: Callable[[], Any]) -> None:
        """Do something that loads a page in the tab and wait for the load event."""
        mark = len(self.events)
        action()
        self.wait(lambda item: item.get("method") == "Page.loadEventFired", since=mark)

    def screenshot(self, session: str, path: Path) -> Path:
        """A PNG of the whole page (not only the window) at path."""
        size = self.evaluate(
            session,
            "[document.documentElement.clientWidth, document.documentElement.scrollHeight]",
        )
        clip = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
        shot = self.call(
            "Page.captureScreenshot", session, format="png", clip=clip, captureBeyondViewport=True
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


@contextmanager
def tab(profile: Path, url: str, width: int) -> Iterator[tuple[DevTools, str]]:
    """A browser tab width pixels wide (a phone below 600) with url loaded; tab's session."""
    browser = DevTools(profile)
    try:
        target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        browser.call("Network.enable", session)
        browser.call("Page.enable", session)
        metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}
        browser.call("Emulation.setDeviceMetricsOverride", session, **metrics)
        browser.navigate(session, url)
        yield browser, session
    finally:
        browser.close()
