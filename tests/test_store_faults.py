"""Store faults: a killed ingest leaves the previous shop usable; concurrent ingests serialise."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from recsys_core.data import ingest, load_store
from recsys_core.data.store import current_version, save_store, workspace_lock
from recsys_core.errors import StoreError
from tests.conftest import tiny_tables, write_tables

ROOT = Path(__file__).resolve().parents[1]

# Ingest in a child process that stops (SIGKILL from the parent) while the new version is
# being written: the parquet writer is slowed so the kill lands mid-write.
CHILD = r"""
import sys, time
import pandas as pd
from recsys_core.data.ingest import ingest
original = pd.DataFrame.to_parquet
def slow(self, *a, **k):
    original(self, *a, **k)
    print("wrote", flush=True)
    time.sleep(30)
pd.DataFrame.to_parquet = slow
ingest(sys.argv[1], sys.argv[2])
"""


@pytest.mark.slow
def test_kill_during_ingest_keeps_previous_store_and_rerun_completes(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ingest(write_tables(tmp_path / "v1", tiny_tables()), ws)
    before = current_version(ws)
    tables = tiny_tables()
    tables["products"].loc[0, "title"] = "Trail Boot v2"
    v2 = write_tables(tmp_path / "v2", tables)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(v2), str(ws)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "wrote"  # mid-way through writing the new version
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert current_version(ws) == before
    assert load_store(ws).products["title"].iloc[0] == "Trail Boot"
    ingest(v2, ws)  # the rerun completes and cleans the half-written folder
    assert load_store(ws).products["title"].iloc[0] == "Trail Boot v2"
    assert not list((ws / "store").glob(".tmp-*"))


def test_corrupt_store_table_is_named(tiny_shop_dir: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ingest(tiny_shop_dir, ws)
    path = current_version(ws) / "events.parquet"
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(StoreError, match=r"events.parquet is unreadable.*re-run ingest"):
        load_store(ws)


def test_workspace_lock_serialises_writers(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    with workspace_lock(ws):
        with pytest.raises(StoreError, match="locked by another Shelfwise process"):
            with workspace_lock(ws, timeout=0.2):
                pass


def test_two_concurrent_ingests_both_finish_cleanly(tmp_path: Path) -> None:
    folders = []
    for i in range(2):
        tables = tiny_tables()
        tables["products"].loc[0, "title"] = f"Boot {i}"
        folders.append(write_tables(tmp_path / f"in{i}", tables))
    ws = tmp_path / "ws"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "ingest", str(f), "--workspace", str(ws)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in folders
    ]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    assert [rc for rc, _ in results] == [0, 0], results
    title = load_store(ws).products["title"].iloc[0]
    assert title in {"Boot 0", "Boot 1"}
    versions = sorted((ws / "store" / "versions").iterdir())
    assert len(versions) == 2 and not list((ws / "store").glob(".tmp-*"))


def test_old_versions_are_pruned(tiny_shop_dir: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shop = ingest(tiny_shop_dir, ws).shop
    for _ in range(4):
        time.sleep(0.01)
        save_store(ws, shop, {})
    assert len(list((ws / "store" / "versions").iterdir())) == 3
    pd.testing.assert_frame_equal(load_store(ws).products, shop.products)
