"""Loopback load test of the REST API: start ``shelfwise serve``, drive it with concurrent clients.

``ServerProcess`` runs the real server as a subprocess on 127.0.0.1 (free port, its own rate
limit through ``SHELFWISE_RATE_LIMIT``) and reports its resident memory; ``Workload`` draws
realistic requests (real user and product ids, shoppers' search queries, product titles,
policy and why-ranked questions) from a workspace; ``run_load`` sends them from N concurrent
clients for a bounded time and count and ``summarise`` turns the samples into throughput,
latency percentiles and errors. Any non-2xx answer (429 included) or exception is an error.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import httpx

ENDPOINTS = ("search", "recommend", "explain", "ask")
DEFAULT_MIX = {"search": 0.3, "recommend": 0.3, "explain": 0.2, "ask": 0.2}
OPEN_RATE = "1000000/60"  # per-client rate limit for the load test: every client is 127.0.0.1
SESSIONS = 8  # /ask sessions shared by all clients, so one session is sometimes asked twice at once


class LoadTestError(RuntimeError):
    """The server under test did not start or stopped answering /health."""


# ---- the server --------------------------------------------------------------------------
def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _serve_command() -> list[str]:
    script = Path(sys.executable).with_name("shelfwise")
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant.cli"]


class ServerProcess:
    """``shelfwise serve --no-ui`` over ``workspace`` as a child process (context manager)."""

    def __init__(
        self,
        workspace: str | os.PathLike[str],
        *,
        llm: str | None = None,
        rate_limit: str = OPEN_RATE,
        startup_timeout: float = 600.0,
        host: str = "127.0.0.1",
    ):
        self.workspace = Path(workspace)
        self.llm = llm
        self.rate_limit = rate_limit
        self.startup_timeout = startup_timeout
        self.host = host
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="shelfwise-load-serve-", suffix=".log")[1])
        self.startup_seconds = 0.0
        self._launched = 0.0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerProcess:
        """Launch the server and wait until /health answers ok."""
        return self.launch().wait_healthy()

    def launch(self) -> ServerProcess:
        """Start the child process without waiting (several servers can then start together)."""
        self.port = free_port(self.host)
        cmd = [
            *_serve_command(),
            "serve",
            "--workspace",
            str(self.workspace),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--no-ui",
        ]
        if self.llm:
            cmd += ["--llm", self.llm]
        env = {
            **os.environ,
            "SHELFWISE_RATE_LIMIT": self.rate_limit,
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "TOKENIZERS_PARALLELISM": "false",
        }
        if self.llm:
            env["SHELFWISE_LLM"] = self.llm
        env.pop("SHELFWISE_API_TOKEN", None)  # loopback: open, so the clients need no token
        self._launched = time.perf_counter()
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        return self

    def wait_healthy(self) -> ServerProcess:
        import httpx

        assert self.proc is not None, "launch() first"
        while time.perf_counter() - self._launched < self.startup_timeout:
            if self.proc.poll() is not None:
                raise LoadTestError(
                    f"server exited with {self.proc.returncode} while starting:\n{self.log_tail()}"
                )
            try:
                r = httpx.get(self.url + "/health", timeout=5.0)
                if r.status_code == 200 and r.json().get("status") == "ok":
                    self.startup_seconds = time.perf_counter() - self._launched
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise LoadTestError(
            f"server not healthy after {self.startup_timeout:.0f} s:\n{self.log_tail()}"
        )

    def health(self) -> dict[str, Any]:
        import httpx

        found: dict[str, Any] = httpx.get(self.url + "/health", timeout=30.0).json()
        return found

    def rss_bytes(self) -> int:
        """Resident memory of the server and its children."""
        import psutil

        if self.proc is None:
            return 0
        root = psutil.Process(self.proc.pid)
        total = 0
        for p in [root, *root.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.log_path.unlink(missing_ok=True)


# ---- what the clients send ---------------------------------------------------------------
@dataclass(frozen=True)
class Workload:
    """Request material drawn from one workspace; ``request`` picks one at random."""

    users: tuple[str, ...]
    items: tuple[str, ...]
    queries: tuple[str, ...]
    questions: tuple[str, ...]
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))

    @classmethod
    def from_workspace(
        cls,
        workspace: str | os.PathLike[str],
        *,
        seed: int = 0,
        size: int = 300,
        mix: dict[str, float] | None = None,
    ) -> Workload:
        """Real user ids (with events), product ids, shoppers' queries and titles, questions."""
        from recsys_core.data.store import load_store

        shop = load_store(workspace)
        rng = random.Random(seed)
        products, events = shop.products, shop.events
        users = sorted(set(events["user_id"].dropna().astype(str)))
        items = sorted(products["item_id"].astype(str))
        titles = [str(t) for t in products["title"].dropna()]
        categories = sorted({str(c).split(" > ")[-1] for c in products["category"].dropna()})
        logged = sorted(set(events["query"].dropna().astype(str))) if "query" in events else []
        queries = (
            _sample(rng, logged, size // 2)
            + _sample(rng, titles, size // 4)
            + [" ".join(t.split()[:2]) for t in _sample(rng, titles, size // 8)]
            + [
                f"{c} under {rng.choice((20, 50, 100))}"
                for c in _sample(rng, categories, size // 8)
            ]
        )
        picked_users, picked_items = _sample(rng, users, size), _sample(rng, items, size)
        topics = sorted(
            {str(t) for t in shop.knowledge_base.get("topic", []) if isinstance(t, str) and t}
        )
        kb_titles = [str(t) for t in shop.knowledge_base["title"]]
        questions = (
            [
                f"Why does {i} rank where it does for user {u}?"
                for i, u in zip(
                    _sample(rng, picked_items, 20), _sample(rng, picked_users, 20), strict=False
                )
            ]
            + [f"What is your {t} policy?" for t in topics]
            + [f"{t}?" for t in _sample(rng, kb_titles, 10)]
            + ["How long does a refund take?", "Do you ship internationally?"]
            + [f"Tell me about {t}" for t in _sample(rng, titles, 10)]
            + [f"find a {c}" for c in _sample(rng, categories, 10)]
            + [f"What would you recommend for user {u}?" for u in _sample(rng, picked_users, 10)]
            + ["Which categories are trending up?", "hello"]
        )
        return cls(
            tuple(picked_users),
            tuple(picked_items),
            tuple(queries),
            tuple(questions),
            dict(mix or DEFAULT_MIX),
        )

    def request(self, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
        """(endpoint kind, path, JSON body) of one random request."""
        kind = rng.choices(list(self.mix), weights=list(self.mix.values()))[0]
        if kind == "search":
            body: dict[str, Any] = {"query": rng.choice(self.queries), "k": rng.choice((5, 10, 20))}
            if rng.random() < 0.2:
                body["user_id"] = rng.choice(self.users)
            if rng.random() < 0.2:
                body["explain"] = True
        elif kind == "recommend":
            body = {"user_id": rng.choice(self.users), "k": rng.choice((5, 10, 20))}
        elif kind == "explain":
            context = (
                {"user_id": rng.choice(self.users)}
                if rng.random() < 0.5
                else {"query": rng.choice(self.queries)}
            )
            body = {"item_id": rng.choice(self.items), **context}
        elif kind == "ask":
            body = {
                "question": rng.choice(self.questions),
                "session": f"load-{rng.randrange(SESSIONS)}",
            }
        else:
            raise ValueError(
                f"unknown endpoint kind {kind!r} in the mix; use {', '.join(ENDPOINTS)}"
            )
        return kind, "/" + kind, body


def _sample(rng: random.Random, values: Sequence[str], n: int) -> list[str]:
    return rng.sample(list(values), min(n, len(values)))


# ---- the clients -------------------------------------------------------------------------
@dataclass
class Sample:
    kind: str
    status: int  # 0: no answer (exception)
    seconds: float
    error: str = ""
    note: str = ""  # /ask: who worded the answer ("llm", "template", "template (llm busy)")


@dataclass
class LoadRun:
    """Every request of one run, with its wall time and the bounds it ran under."""

    samples: list[Sample]
    seconds: float
    clients: int
    duration: float
    max_requests: int


async def _client(
    client: httpx.AsyncClient,
    workload: Workload,
    rng: random.Random,
    deadline: float,
    budget: list[int],
    out: list[Sample],
) -> None:
    while time.perf_counter() < deadline and budget[0] > 0:
        budget[0] -= 1
        kind, path, body = workload.request(rng)
        start = time.perf_counter()
        try:
            r = await client.post(path, json=body)
            ok = 200 <= r.status_code < 300
            seconds = time.perf_counter() - start
            note = _ask_note(r.json()) if ok and kind == "ask" else ""
            out.append(Sample(kind, r.status_code, seconds, "" if ok else r.text[:300], note))
        except Exception as exc:  # noqa: BLE001 - a timeout or reset is a measured error, not a crash
            out.append(
                Sample(kind, 0, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"[:300])
            )


def _ask_note(answer: dict[str, Any]) -> str:
    source = str(answer.get("source", ""))
    busy = "LLMBusyError" in str((answer.get("guard") or {}).get("llm_error", ""))
    return f"{source} (llm busy)" if busy else source


async def _run(
    url: str,
    workload: Workload,
    clients: int,
    duration: float,
    max_requests: int,
    seed: int,
    timeout: float,
) -> LoadRun:
    import httpx

    out: list[Sample] = []
    budget = [max_requests]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
        start = time.perf_counter()
        deadline = start + duration
        await asyncio.gather(
            *(
                _client(client, workload, random.Random(seed * 1000 + c), deadline, budget, out)
                for c in range(clients)
            )
        )
        return LoadRun(out, time.perf_counter() - start, clients, duration, max_requests)


def run_load(
    url: str,
    workload: Workload,
    *,
    clients: int = 20,
    duration: float = 60.0,
    max_requests: int = 100_000,
    seed: int = 0,
    timeout: float = 120.0,
) -> LoadRun:
    """``clients`` concurrent clients, each sending one request after the other, until
    ``duration`` seconds or ``max_requests`` requests in all; same seed, same request streams."""
    if clients < 1 or duration <= 0 or max_requests < 1:
        raise ValueError(
            f"clients={clients}, duration={duration}, max_requests={max_requests}: all must be positive"
        )
    return asyncio.run(_run(url, workload, clients, duration, max_requests, seed, timeout))


# ---- the figures -------------------------------------------------------------------------
def _stats(samples: Sequence[Sample], seconds: float) -> dict[str, Any]:
    ms = np.asarray([s.seconds * 1000 for s in samples], dtype=float)
    errors = [s for s in samples if not 200 <= s.status < 300]
    pct = (lambda q: round(float(np.percentile(ms, q)), 1)) if len(ms) else (lambda q: None)
    statuses = _counts(str(s.status) for s in samples)
    return {
        "requests": len(samples),
        "throughput_rps": round(len(samples) / seconds, 2) if seconds else 0.0,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(float(ms.max()), 1) if len(ms) else None,
        "errors": len(errors),
        "error_rate": round(len(errors) / len(samples), 4) if samples else 0.0,
        "statuses": statuses,
        "error_examples": sorted({e.error for e in errors})[:5],
        **(
            {"answered_by": _counts(s.note for s in samples)}
            if any(s.note for s in samples)
            else {}
        ),
    }


def _counts(values: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for v in values:
        found[v] = found.get(v, 0) + 1
    return dict(sorted(found.items()))


def summarise(run: LoadRun) -> dict[str, Any]:
    """Per endpoint kind and overall: requests, req/s, p50/p95/p99/max latency, errors."""
    by_kind = {k: _stats([s for s in run.samples if s.kind == k], run.seconds) for k in ENDPOINTS}
    return {
        "clients": run.clients,
        "duration_s": run.duration,
        "max_requests": run.max_requests,
        "wall_s": round(run.seconds, 2),
        "endpoints": by_kind,
        "overall": _stats(run.samples, run.seconds),
    }


def format_table(name: str, summary: dict[str, Any]) -> str:
    head = (
        f"{name}: {summary['clients']} clients, {summary['wall_s']:.1f} s"
        f"\n{'endpoint':<10}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'error %':>9}"
    )
    rows = [head]
    for kind, st in [*summary["endpoints"].items(), ("overall", summary["overall"])]:
        cells = [f"{'-' if st[k] is None else st[k]:>9}" for k in ("p50_ms", "p95_ms", "p99_ms")]
        rows.append(
            f"{kind:<10}{st['requests']:>9}{st['throughput_rps']:>8.2f}{''.join(cells)}"
            f"{st['errors']:>8}{100 * st['error_rate']:>8.2f}%"
        )
    return "\n".join(rows)


__all__ = [
    "DEFAULT_MIX",
    "ENDPOINTS",
    "LoadRun",
    "LoadTestError",
    "Sample",
    "ServerProcess",
    "Workload",
    "format_table",
    "free_port",
    "run_load",
    "summarise",
]
