"""Load: the short CI version of benchmarks/load.py, plus the load-generation pieces it relies on.

The slow test starts the real ``shelfwise serve`` over the small test workspace (template
answers: the local LLM would make 8 s runs mostly queueing), sends 5 concurrent clients for 8 s
twice and checks zero errors, every endpoint kind exercised, and the server's memory after the
second run within 25 % of before it (looser than the benchmark's 10 %: 8 s runs are short and
the first run's caches may still be filling in CI).
"""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest

from assistant.api.security import Limits, ServeConfigError
from benchmarks.loadtest import (
    ENDPOINTS,
    LoadRun,
    Sample,
    ServerProcess,
    Workload,
    format_table,
    run_load,
    summarise,
)

CI_MAX_GROWTH = 1.25


def test_rate_limit_from_env() -> None:
    assert Limits.from_env("") == Limits()
    assert (Limits.from_env("600/30").rate, Limits.from_env("600/30").per_seconds) == (600, 30.0)
    assert Limits.from_env("50").per_seconds == 60.0
    for bad in ("fast", "0/60", "10/0", "10/x"):
        with pytest.raises(ServeConfigError, match="SHELFWISE_RATE_LIMIT"):
            Limits.from_env(bad)


def test_summary_counts_non_2xx_and_exceptions_as_errors() -> None:
    samples = [Sample("search", 200, 0.010 * (i + 1)) for i in range(100)]
    samples += [
        Sample("ask", 429, 0.001, "rate_limited"),
        Sample("ask", 0, 1.0, "ReadTimeout"),
        Sample("ask", 200, 0.5),
    ]
    summary = summarise(LoadRun(samples, 10.0, clients=2, duration=10.0, max_requests=1000))
    search, ask = summary["endpoints"]["search"], summary["endpoints"]["ask"]
    assert (search["requests"], search["errors"], search["throughput_rps"]) == (100, 0, 10.0)
    assert search["p50_ms"] == pytest.approx(505.0) and search["p99_ms"] == pytest.approx(990.1)
    assert (ask["errors"], ask["statuses"]) == (2, {"429": 1, "0": 1, "200": 1})
    assert summary["overall"]["errors"] == 2 and summary["endpoints"]["recommend"]["p50_ms"] is None
    assert "overall" in format_table("run", summary)


def test_workload_requests_cover_every_endpoint_with_workspace_ids() -> None:
    wl = Workload(
        users=("U1", "U2"), items=("P1", "P2"), queries=("red tent",), questions=("hello",)
    )
    rng = random.Random(0)
    kinds = {wl.request(rng)[0] for _ in range(200)}
    assert kinds == set(ENDPOINTS)
    for _ in range(50):
        kind, path, body = wl.request(rng)
        assert path == "/" + kind
        assert body.get("user_id", "U1") in wl.users and body.get("item_id", "P1") in wl.items
    with pytest.raises(ValueError, match="must be positive"):
        run_load("http://127.0.0.1:1", wl, clients=0)


def test_session_memory_survives_concurrent_turns_of_one_session(tmp_path) -> None:
    from assistant.agent.memory import SessionMemory
    from assistant.agent.router import Route
    from assistant.agent.slots import Slots

    memory = SessionMemory(tmp_path)
    failures: list[BaseException] = []

    def talk(n: int) -> None:
        try:
            for i in range(30):
                memory.remember("shared", f"q{n}-{i}", "a", Route("kb_answer", Slots(), False))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=talk, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert (
        len(SessionMemory(tmp_path).turns("shared")) == 20
    )  # the last MAX_TURNS, read back from disk


def test_local_model_waits_its_turn_then_reports_busy(tmp_path) -> None:
    from assistant.llm import local
    from assistant.llm.errors import LLMBusyError, LLMUnavailableError

    model = local.LocalChatModel(model_dir=tmp_path, queue_timeout_s=0.05)
    assert not issubclass(
        LLMBusyError, LLMUnavailableError
    )  # not a ShelfwiseError: the template answers
    with local._GENERATE_LOCK:  # another request is generating
        with pytest.raises(LLMBusyError, match="busy for 0.05 s"):
            model._acquire()
    model._acquire()  # free again: taken at once
    local._GENERATE_LOCK.release()


@pytest.mark.slow
def test_short_load_run_against_the_real_server(tmp_path: Path) -> None:
    from tests.app_workspace import workspace_copy

    workspace = workspace_copy(tmp_path / "w")  # the load posts events and logs searches
    workload = Workload.from_workspace(workspace, seed=0)
    with ServerProcess(workspace, llm="template") as server:
        run_load(server.url, workload, clients=5, duration=2.0, max_requests=500, seed=0)  # warm-up
        before = server.rss_bytes()
        first = summarise(
            run_load(server.url, workload, clients=5, duration=8.0, max_requests=5000, seed=0)
        )
        middle = server.rss_bytes()
        second = summarise(
            run_load(server.url, workload, clients=5, duration=8.0, max_requests=5000, seed=0)
        )
        after = server.rss_bytes()
        assert server.health()["status"] == "ok"
    for name, summary in (("run 1", first), ("run 2", second)):
        overall = summary["overall"]
        assert overall["errors"] == 0, f"{name}: {overall['statuses']} {overall['error_examples']}"
        assert all(summary["endpoints"][k]["requests"] > 0 for k in ENDPOINTS), format_table(
            name, summary
        )
    assert before > 0 and after / middle <= CI_MAX_GROWTH, (before, middle, after)
