"""The real ``shelfwise serve`` as a child process on a free loopback port, for HTTP-level tests.

Template answers (no local LLM) and a high per-client rate limit (``SHELFWISE_RATE_LIMIT``), so
generated traffic exercises the routes rather than the limiter; everything else is the server
exactly as users start it (``benchmarks.loadtest.ServerProcess``, shared with the load benchmark).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.loadtest import ServerProcess, free_port

OPEN_RATE = "100000/60"
__all__ = ["OPEN_RATE", "free_port", "served", "serving", "snapshot"]


@contextmanager
def served(workspace: Path, *, timeout: float = 300.0) -> Iterator[str]:
    """``shelfwise serve --no-ui --llm template`` over ``workspace``; yields its base URL."""
    with serving([workspace], timeout=timeout) as urls:
        yield urls[0]


@contextmanager
def serving(workspaces: list[Path], *, timeout: float = 300.0) -> Iterator[list[str]]:
    """One server per workspace, started together (start-up is mostly model loading)."""
    servers = [ServerProcess(w, llm="template", rate_limit=OPEN_RATE, startup_timeout=timeout) for w in workspaces]
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_healthy()
        yield [server.url for server in servers]
    finally:
        for server in servers:
            server.stop()
            if server.log_path.exists() and "Traceback" in server.log_tail(10**7):
                warnings.warn(f"shelfwise serve logged a traceback; see {server.log_path}", stacklevel=1)
            else:  # keep the server's side of a failure, drop a clean log
                server.log_path.unlink(missing_ok=True)


def snapshot(workspace: Path, skip: tuple[str, ...] = ("logs/",)) -> dict[str, str]:
    """sha256 of every stored file (store, rules, live events, sessions, models, index); files
    under ``skip`` are left out (by default the request logs, which record rejected calls too)."""
    out = {}
    for path in sorted(workspace.rglob("*")):
        name = path.relative_to(workspace).as_posix()
        if path.is_file() and not path.name.endswith(".lock") and not name.startswith(skip):
            out[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out
