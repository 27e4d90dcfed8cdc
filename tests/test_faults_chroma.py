"""Chroma server faults: a server that dies mid-session gives a clear error after bounded
retries, an outage shorter than the retries is bridged, and queries recover once the server
is back, without restarting our process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.api.errors import status_of
from recsys_core.data import ingest
from retrieval.chroma_store import RetryPolicy, StoreConfig, with_retries
from retrieval.errors import SearchInputError, StoreConnectionError
from retrieval.indexing import build_index, open_product_search
from tests.conftest import tiny_tables, write_tables
from tests.retrieval_fixtures import fake_embed, fake_vector


def test_retries_back_off_then_name_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    calls: Iterator[Exception | str] = iter([httpx.ConnectError("refused"), httpx.ReadError("reset"), "answer"])

    def flaky() -> str:
        got = next(calls)
        if isinstance(got, Exception):
            raise got
        return got

    policy = RetryPolicy(attempts=4, backoff_s=0.5, max_backoff_s=0.8)
    assert with_retries(flaky, what="a search", where="http://h:1", policy=policy) == "answer"
    assert waits == [0.5, 0.8]  # doubled, capped
    waits.clear()

    def down() -> None:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    with pytest.raises(
        StoreConnectionError, match=r"http://h:1 did not answer a search after 4 tries.*refused"
    ):
        with_retries(down, what="a search", where="http://h:1", policy=policy)
    assert len(waits) == 3
    assert status_of(StoreConnectionError("down")) == 503

    def bad_request() -> None:
        raise SearchInputError("bad filter")

    waits.clear()
    with pytest.raises(SearchInputError):  # not a connection problem: no retry
        with_retries(bad_request, what="a search", where="x", policy=policy)
    assert waits == []


class ChromaServer:
    """``chroma run`` on a fixed loopback port and data folder, stoppable and restartable."""

    def __init__(self, path: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.path = path
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        exe = Path(sys.executable).parent / "chroma"
        self.proc = subprocess.Popen(
            [
                str(exe),
                "run",
                "--path",
                str(self.path),
                "--port",
                str(self.port),
                "--host",
                "127.0.0.1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2).read()
                return
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"chroma server did not start on {self.url}") from None
                time.sleep(0.1)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # a crash, not a clean shutdown
            self.proc.wait(timeout=30)


@pytest.fixture()
def server(tmp_path: Path):  # noqa: ANN201 - yields the server
    srv = ChromaServer(tmp_path / "server-data")
    srv.start()
    try:
        yield srv
    finally:
        srv.kill()


@pytest.mark.slow
def test_server_killed_mid_session_errors_then_recovers(
    server: ChromaServer, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    ingest(write_tables(tmp_path / "in", tiny_tables()), ws)
    build_index(ws, config=StoreConfig(url=server.url), embedder=fake_embed, show_progress=False)
    quick = RetryPolicy(attempts=3, backoff_s=0.05, max_backoff_s=0.1)
    patient = RetryPolicy(attempts=12, backoff_s=0.2, max_backoff_s=1.0)  # waits up to ~9.4 s
    searchers = {
        # exact_dense_max=0: every query asks the server's HNSW index (a tiny shop would search
        # its in-memory vectors exactly and never notice the server is gone)
        name: open_product_search(
            ws, config=StoreConfig(url=server.url, retry=policy), query_encoder=fake_vector, exact_dense_max=0
        )
        for name, policy in (("quick", quick), ("patient", patient))
    }
    expected = [h.item_id for h in searchers["quick"].search("trail boot", k=3)]
    assert expected

    server.kill()
    start = time.perf_counter()
    with pytest.raises(
        StoreConnectionError, match=rf"{server.url} did not answer a search after 3 tries"
    ) as err:
        searchers["quick"].search("trail boot", k=3)
    assert 0.15 <= time.perf_counter() - start < 10  # backed off, and bounded
    assert "chroma run" in str(err.value) and "\n" not in str(err.value)

    server.start()  # same folder, same port: the next query works, same answer
    assert [h.item_id for h in searchers["quick"].search("trail boot", k=3)] == expected

    server.kill()
    restart = threading.Thread(target=server.start)
    restart.start()  # back within the patient policy's retries: the caller never sees the outage
    try:
        start = time.perf_counter()
        assert [h.item_id for h in searchers["patient"].search("trail boot", k=3)] == expected
        waited = time.perf_counter() - start
    finally:
        restart.join(timeout=90)
    assert waited > 0.2, "the query did not have to wait for the server"
    assert [h.item_id for h in searchers["quick"].search("trail boot", k=3)] == expected
