"""``forget-user`` end to end: after a user reached every part of a workspace through its public
API (ingested shop, live event, chat turn, trained model, search index), no file in the
workspace -- text or binary, Parquet cells included -- names them by id or by pseudonym.

The walk first proves it can see the user (before forgetting, both are found), so a walk that
silently reads nothing cannot pass.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assistant.privacy import forget_user
from recsys_core.privacy import audit_digest, pseudonym

pytestmark = pytest.mark.slow

SIZES = {"n_products": 120, "n_users": 20, "n_days": 14, "target_events": 1000}
QUICK = {"max_epochs": 1, "dim": 16, "blocks": 1, "max_len": 10, "max_train_seconds": 10.0,
         "val_users": 30}


def _fake_item_vectors(records, cache_dir):  # type: ignore[no-untyped-def]
    return np.random.default_rng(len(records)).normal(size=(len(records), 16)).astype(np.float32)


def _fake_embedder(texts, cache_dir):  # type: ignore[no-untyped-def]
    vecs = np.random.default_rng(len(texts)).normal(size=(len(texts), 8)).astype(np.float32)
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def _token(value: str) -> re.Pattern[bytes]:
    return re.compile(rb"(?<![A-Za-z0-9_-])" + re.escape(value.encode()) + rb"(?![A-Za-z0-9_-])")


def find_mentions(root: Path, values: list[str]) -> list[str]:
    """Every file under ``root`` whose bytes, or whose Parquet cells, hold one of ``values``
    as a whole token (``U1`` does not match inside ``U10``)."""
    patterns = {v: _token(v) for v in values}
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        data = path.read_bytes()
        texts = [data]
        if path.suffix == ".parquet":  # compressed pages can hide a string from a byte scan
            frame = pd.read_parquet(path)
            texts.append(frame.astype(str).to_csv(index=False).encode())
        for value, pattern in patterns.items():
            if any(pattern.search(t) for t in texts):
                hits.append(f"{path.relative_to(root)}: {value}")
    return hits


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    from recsys_core.data import ingest, load_store
    from recsys_core.demo import write_demo_shop
    from recsys_core.models import workflow
    from recsys_core.models.hybrid import HybridConfig
    from retrieval.indexing import build_index

    # text embeddings are not what this test is about: MiniLM stays unloaded
    monkeypatch.setattr(workflow, "embed_items", _fake_item_vectors)
    ws = tmp_path / "ws"
    write_demo_shop(ws / "demo-input", seed=1, **SIZES)
    ingest(ws / "demo-input", ws)  # the store holds the user (and W/demo-input their rows)
    events = load_store(ws).events
    user = str(events["user_id"].dropna().value_counts().index[0])
    workflow.train_workspace(
        ws, config=HybridConfig(params={"sequence": QUICK}, weight_users=30)
    )
    build_index(ws, show_progress=False, embedder=_fake_embedder)
    return ws, user


def test_forgotten_user_is_in_no_workspace_file(workspace: tuple[Path, str]) -> None:
    from assistant.service import ShelfwiseService

    ws, user = workspace
    item = "P00001"
    service = ShelfwiseService(ws, llm="template")
    service.add_events([{"user_id": user, "item_id": item, "type": "view"}])
    answer = service.ask(f"recommend for {user}", user=user, session="s1")
    assert answer is not None
    alias = pseudonym(ws, user)

    before = find_mentions(ws, [user, alias])
    places = {hit.split("/")[0].split(":")[0] for hit in before}
    # the user reached the store, source rows, live events, chat log, sessions and the model
    assert {"store", "demo-input", "live", "logs", "sessions", "models"} <= places, before
    assert any(hit.endswith(alias) for hit in before)  # the chat log names them by pseudonym

    report = forget_user(ws, user)
    assert report.removed["events"] > 0 and report.removed["live_events"] == 1
    assert report.removed["chat_log_lines"] >= 1 and report.removed["session_turns"] >= 1
    assert report.retrain_seconds is not None

    assert find_mentions(ws, [user, alias]) == []
    audit = Path(report.audit_path)
    assert audit_digest(ws, user) in audit.read_text()  # ... yet the audit knows them again:
    again = forget_user(ws, user, retrain=False)
    assert again.already_forgotten and not any(again.removed.values())
    assert find_mentions(ws, [user, alias]) == []


def test_walk_sees_ids_in_compressed_parquet(tmp_path: Path) -> None:
    """The walk must see an id that only sits in a compressed Parquet column."""
    frame = pd.DataFrame({"user_id": ["U7", "U70"] * 200})
    frame.to_parquet(tmp_path / "t.parquet", compression="zstd")
    assert find_mentions(tmp_path, ["U7"]) == ["t.parquet: U7"]
    assert find_mentions(tmp_path, ["U"]) == []  # whole tokens only
