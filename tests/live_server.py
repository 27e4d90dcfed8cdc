"""The real ``shelfwise serve`` as a child process on a free loopback port, for HTTP-level tests.

Template answers (no local LLM) and a high per-client rate limit (``SHELFWISE_RATE_LIMIT``), so
generated traffic exercises the routes rather than the limiter; everything else is the server
exactly as users start it.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OPEN_RATE = "100000/60"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(workspace: Path, *, timeout: float = 300.0) -> Iterator[str]:
    """``shelfwise serve --no-ui --llm template`` over ``workspace``; yields its base URL."""
    with serving([workspace], timeout=timeout) as urls:
        yield urls[0]


@contextmanager
def serving(workspaces: list[Path], *, timeout: float = 300.0) -> Iterator[list[str]]:
    """One server per workspace, started together (start-up is mostly model loading)."""
    env = {
        **os.environ,
        "SHELFWISE_RATE_LIMIT": OPEN_RATE,
        "SHELFWISE_LLM": "template",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }
    env.pop("SHELFWISE_API_TOKEN", None)  # loopback without a token: open
    started: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    try:
        for workspace in workspaces:
            port = free_port()
            log = Path(tempfile.mkstemp(prefix="shelfwise-serve-", suffix=".log")[1])
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "assistant.cli",
                        "serve",
                        "--workspace",
                        str(workspace),
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--no-ui",
                        "--llm",
                        "template",
                    ],
                    cwd=REPO,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            started.append((f"http://127.0.0.1:{port}", proc, log))
        for url, proc, log in started:
            _wait_healthy(url, proc, log, timeout)
        yield [url for url, _, _ in started]
    finally:
        for _, proc, log in started:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            if "Traceback" in log.read_text(
                errors="replace"
            ):  # keep the server's side of a failure
                warnings.warn(f"shelfwise serve logged a traceback; see {log}", stacklevel=1)
            else:
                log.unlink(missing_ok=True)


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"shelfwise serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(
        f"shelfwise serve was not healthy after {timeout:.0f} s:\n{log.read_text()[-3000:]}"
    )


def snapshot(workspace: Path, skip: tuple[str, ...] = ("logs/",)) -> dict[str, str]:
    """sha256 of every stored file (store, rules, live events, sessions, models, index); files
    under ``skip`` are left out (by default the request logs, which record rejected calls too)."""
    out = {}
    for path in sorted(workspace.rglob("*")):
        name = path.relative_to(workspace).as_posix()
        if path.is_file() and not path.name.endswith(".lock") and not name.startswith(skip):
            out[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out
