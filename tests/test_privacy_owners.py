"""Each owner of per-user data counts and erases one user itself (forget-user only calls them)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pandas as pd
import pytest

from recsys_core.data.live_events import LiveEventLog
from tests.conftest import tiny_tables, write_tables


def _event(user: str, item: str = "P1") -> dict[str, str]:
    return {"user_id": user, "item_id": item, "type": "view", "timestamp": "2026-02-01T00:00:00"}


def test_live_events_append_read_count_remove(tmp_path: Path) -> None:
    log = LiveEventLog(tmp_path)
    assert log.read() == [] and log.remove_user("U1") == 0
    log.append([_event("U1"), _event("U10"), _event("U1", "P2")])
    log.append([])
    assert [r["item_id"] for r in log.read()] == ["P1", "P1", "P2"]
    assert log.count_user("U1") == 2 and log.count_user("U10") == 1
    with log.path.open("a") as fh:  # a line cut by a crash mid-write
        fh.write('{"user_id": "U1", "item_')
    assert len(log.read()) == 3
    assert log.remove_user("U1") == 3  # the cut line named them too
    assert log.read() == [_event("U10")] and "U1\"" not in log.path.read_text()
    with pytest.raises(ValueError, match="lacks item_id"):
        log.append([{"user_id": "U2", "type": "view", "timestamp": "t"}])


def test_live_events_concurrent_appends_never_interleave(tmp_path: Path) -> None:
    def write(n: int) -> None:
        log = LiveEventLog(tmp_path)  # one object per writer, as separate processes would
        for i in range(20):
            log.append([_event(f"U{n}", f"P{i}")] * 5)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = LiveEventLog(tmp_path).path.read_text().splitlines()
    assert len(lines) == 400 and all(json.loads(line)["type"] == "view" for line in lines)


def _route(user: str):  # type: ignore[no-untyped-def]
    from assistant.agent.memory import SessionMemory  # noqa: F401 - import path check
    from assistant.agent.slots import Slots

    try:
        from assistant.agent.router import Route
    except ImportError:  # before the router rename
        from assistant.agent.intents import Route  # type: ignore[no-redef]
    return Route(intent="recommend_for_user", slots=Slots(user_id=user))


@pytest.mark.parametrize("on_disk", [True, False])
def test_session_memory_erases_a_user(tmp_path: Path, on_disk: bool) -> None:
    from assistant.agent.memory import SessionMemory

    memory = SessionMemory(tmp_path / "sessions" if on_disk else None)
    memory.remember("a", "recommend for U1", "for U1: P1", _route("U1"), users=["u_alias1"])
    memory.remember("a", "recommend for U2", "for U2: P2", _route("U2"), users=["u_alias2"])
    memory.remember("b", "recommend for U1", "for U1: P3", _route("U1"), users=["u_alias1"])
    memory.remember("c", "and for U10?", "for U10: P4", _route("U10"), users=["u_alias10"])

    counts = {"session_turns": 2, "session_routes": 1, "session_files": 1}
    assert memory.count_user("U1", "u_alias1") == counts
    assert memory.erase_user("U1", "u_alias1") == counts
    assert memory.count_user("U1", "u_alias1") == {k: 0 for k in counts}
    fresh = SessionMemory(tmp_path / "sessions") if on_disk else memory
    assert [t["question"] for t in fresh.turns("a")] == ["recommend for U2"]
    assert fresh.turns("b") == [] and len(fresh.turns("c")) == 1
    assert fresh.last_route("a").slots.user_id == "U2"  # the latest route was not about U1
    if on_disk:
        assert sorted(p.name for p in (tmp_path / "sessions").iterdir()) == ["a.json", "c.json"]
        assert "U1\"" not in (tmp_path / "sessions" / "a.json").read_text()


def test_store_finds_and_erases_a_user(tmp_path: Path) -> None:
    from recsys_core.data import ingest, load_store
    from recsys_core.data.store import current_version, erase_user, find_user

    ws = tmp_path / "ws"
    assert find_user(ws, "U2").total == 0  # no store yet
    ingest(write_tables(tmp_path / "v1", tiny_tables()), ws)
    ingest(write_tables(tmp_path / "v2", tiny_tables()), ws)  # an older version is kept
    found = find_user(ws, "U2")
    assert (found.events, found.user_rows, found.older_versions) == (2, 1, 1)
    before = current_version(ws).name
    removed = erase_user(ws, "U2")
    # both older versions went: the one kept for rollback and the one that was current
    assert (removed.events, removed.user_rows, removed.older_versions) == (2, 1, 2)
    assert current_version(ws).name != before
    shop = load_store(ws)
    assert "U2" not in set(shop.users["user_id"]) and "U2" not in set(shop.events["user_id"].dropna())
    assert [p.name for p in (ws / "store" / "versions").iterdir()] == [current_version(ws).name]
    assert find_user(ws, "U2").total == 0 and erase_user(ws, "U2").total == 0


def test_source_rows_and_demo_truth(tmp_path: Path) -> None:
    from recsys_core.data.ingest import read_table_file, remove_user_rows
    from recsys_core.demo import ground_truth

    folder = write_tables(tmp_path / "in", tiny_tables())
    pd.read_csv(folder / "events.csv", dtype=str).to_parquet(folder / "events.parquet")
    (folder / "events.csv").unlink()
    (folder / "ground_truth.json").write_text(json.dumps(
        {"segments": [{"name": "a", "user_ids": ["U1", "U2"]}, {"name": "b", "user_ids": ["U3"]}]}
    ))
    assert remove_user_rows(folder, "U2", dry_run=True) == 3
    assert remove_user_rows(folder, "U2") == 3 and remove_user_rows(folder, "U2") == 0
    assert "U2" not in read_table_file(folder / "events.parquet")["user_id"].tolist()
    assert "U2" not in read_table_file(folder / "users.csv")["user_id"].tolist()
    assert ground_truth.remove_user(folder, "U2") == 1 and ground_truth.remove_user(folder, "U2") == 0
    truth = json.loads((folder / "ground_truth.json").read_text())
    assert [s["user_ids"] for s in truth["segments"]] == [["U1"], ["U3"]]
