"""Shared plumbing of the browser tests: `shelfwise serve` over a workspace on a free loopback
port, and a chromium page (Debian's binary, driven by Playwright) opened on the app.

Playwright never downloads a browser here: it launches /usr/bin/chromium (installed with
apt-get by .ci/run); callers skip only when that binary is absent.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"shelfwise serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(1.0)
    raise AssertionError(f"shelfwise serve did not come up in {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@contextmanager
def serving(workspace: Path, log_name: str) -> Iterator[str]:
    """`shelfwise serve` (template answers, no token) over ``workspace``; yields its URL and stops
    it afterwards. The server's output goes to ``test-artifacts/<log_name>``."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / log_name
    env = {**os.environ, "SHELFWISE_LLM": "template", "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    env.pop("SHELFWISE_API_TOKEN", None)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--workspace", str(workspace),
             "--host", "127.0.0.1", "--port", str(port), "--llm", "template"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def app_page(url: str) -> Iterator[Any]:
    """A chromium page on the app at ``url`` (``/`` redirects to the UI), the chat box loaded."""
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1300, "height": 1000})
            pg.set_default_timeout(90_000)
            pg.goto(url + "/", wait_until="load")
            pg.locator("#chat-input textarea").wait_for()
            yield pg
        finally:
            browser.close()


@contextmanager
def serving_copy(tmp_path_factory: Any, name: str) -> Iterator[tuple[str, Path]]:
    """(url, workspace): ``shelfwise serve`` over a private copy of the small demo workspace;
    skips when Debian's chromium is not installed."""
    import pytest

    from tests.app_workspace import workspace_copy

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    workspace = workspace_copy(tmp_path_factory.mktemp(name) / "workspace")
    with serving(workspace, f"{name}-serve.log") as url:
        yield url, workspace


def api(url: str, method: str, path: str, body: Any = None) -> Any:
    """A JSON request to the app's REST API at ``url`` (the surface the UI is checked against)."""
    import json

    req = urllib.request.Request(url + path, method=method, headers={"content-type": "application/json"},
                                 data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def box(page: Any, elem_id: str) -> Any:
    """The text box or input inside the Gradio component ``elem_id``."""
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first
