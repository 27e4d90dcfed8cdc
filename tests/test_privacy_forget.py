"""``forget-user``: the user's rows, chat lines, session turns and model influence are gone, audited.

The shop is built so that one distinctive user, ZELDA42, is the only customer who chose both
P01 (item A) and P02 (item B). Before forgetting, another customer holding A in their history
sees "often chosen together with P01" (item-kNN evidence, i.e. similar users' co-occurrence)
behind B; after ``forget-user ZELDA42`` the A-B similarity is 0 and that evidence is gone.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assistant.cli import main as cli_main
from assistant.privacy import forget_user
from recsys_core.errors import UnknownIdError
from recsys_core.privacy import ChatLog, audit_digest, pseudonym

RAW = "ZELDA42"
QUICK = {
    "sequence": {
        "max_epochs": 1,
        "dim": 16,
        "blocks": 1,
        "max_len": 8,
        "max_train_seconds": 20.0,
        "val_users": 50,
    }
}

# purchase sequences; only the first n-2 items of each are training data (leave-one-out)
SEQUENCES = {
    RAW: ["P01", "P02", "P09", "P10"],
    "U01": ["P01", "P05", "P06", "P07"],
    "U02": ["P02", "P03", "P04", "P08"],
    "U03": ["P03", "P04", "P05", "P11"],
    "U04": ["P05", "P06", "P03", "P12"],
    "U05": ["P06", "P07", "P08", "P09"],
    "U06": ["P07", "P08", "P04", "P10"],
    "U07": ["P02", "P08", "P11", "P12"],
    "U08": ["P03", "P09", "P10", "P01"],
}


def _shop():  # type: ignore[no-untyped-def]
    from recsys_core.data.frames import conform
    from recsys_core.data.schema import TABLES
    from recsys_core.data.shop import ShopData

    items = [f"P{i:02d}" for i in range(1, 13)]
    products = pd.DataFrame(
        {
            "item_id": items,
            "title": [f"Item {i}" for i in items],
            "category": "outdoor",
            "brand": "Peak",
            "price": 10.0,
        }
    )
    rows = []
    start = pd.Timestamp("2026-01-01", tz="UTC")
    for u, seq in SEQUENCES.items():
        for k, item in enumerate(seq):
            rows.append(
                {
                    "event_id": f"E{len(rows)}",
                    "session_id": f"S-{u}",
                    "user_id": u,
                    "item_id": item,
                    "type": "purchase",
                    "timestamp": start + pd.Timedelta(hours=len(rows) + k),
                    "quantity": 1,
                    "unit_price": 10.0,
                }
            )
    users = pd.DataFrame({"user_id": list(SEQUENCES), "region": "north"})
    return ShopData(
        products=conform(products, TABLES["products"]),
        events=conform(pd.DataFrame(rows), TABLES["events"]),
        users=conform(users, TABLES["users"]),
    )


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from recsys_core.data.features import build_features
    from recsys_core.data.store import save_store
    from recsys_core.models import workflow
    from recsys_core.models.hybrid import HybridConfig

    # text embeddings are not what this test is about: skip loading MiniLM
    monkeypatch.setattr(
        workflow,
        "embed_items",
        lambda records, cache: (
            np.random.default_rng(0).normal(size=(len(records), 16)).astype(np.float32)
        ),
    )
    ws = tmp_path / "ws"
    shop = _shop()
    save_store(ws, shop, {"issues": [{"value": RAW, "problem": "x"}]}, build_features(shop))
    workflow.train_workspace(
        ws,
        config=HybridConfig(
            components=("sequence", "item_knn", "cf", "popularity"), params=QUICK, weight_users=50
        ),
    )
    chat = ChatLog(ws)
    chat.append(
        question=f"recommend for {RAW}",
        answer=f"Recommended for {RAW}: P05",
        intent="recommend_for_user",
        session="s1",
        user_ids=[RAW],
    )
    chat.append(
        question="recommend for U01",
        answer="Recommended for U01: P02",
        intent="recommend_for_user",
        session="s1",
        user_ids=["U01"],
    )
    (ws / "sessions").mkdir()
    (ws / "sessions" / "s1.json").write_text(
        json.dumps(
            {
                "turns": [
                    {
                        "question": "why P02?",
                        "answer": "...",
                        "intent": "explain_ranking",
                        "users": [pseudonym(ws, RAW)],
                    },
                    {
                        "question": "and for U01?",
                        "answer": "...",
                        "intent": "explain_ranking",
                        "users": [pseudonym(ws, "U01")],
                    },
                ],
                "route": {"intent": "explain_ranking", "slots": {"user_id": RAW}},
            }
        )
    )
    (ws / "live").mkdir()
    (ws / "live" / "events.jsonl").write_text(
        json.dumps({"user_id": RAW, "item_id": "P03", "type": "view", "timestamp": "2026-02-01"})
        + "\n"
        + json.dumps(
            {"user_id": "U02", "item_id": "P03", "type": "view", "timestamp": "2026-02-01"}
        )
        + "\n"
    )
    return ws


def _model(ws: Path):  # type: ignore[no-untyped-def]
    from recsys_core.models.hybrid_artifacts import load_hybrid

    return load_hybrid(ws / "models" / "recommender")


def _evidence_items(model, user: str, item: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["item_id"] for e in model.explain(user, item).evidence.get("neighbour_items", [])]


def test_forget_user_removes_data_and_influence(
    workspace: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from recsys_core.data.store import load_store

    before = _model(workspace)
    items = before.data_.items
    knn = before.components_["item_knn"]
    assert knn.similarity_[items.index("P01"), items.index("P02")] > 0
    assert "P01" in _evidence_items(before, "U01", "P02")  # ZELDA42's co-occurrence speaks for P02
    assert RAW in before.data_.users

    alias = pseudonym(workspace, RAW)
    with caplog.at_level(logging.INFO):
        report = forget_user(workspace, RAW)
    assert report.user == alias and not report.already_forgotten
    assert report.removed["events"] == 4 and report.removed["user_rows"] == 1
    assert report.removed["live_events"] == 1 and report.removed["chat_log_lines"] == 1
    assert report.removed["session_turns"] == 1 and report.removed["session_routes"] == 1
    assert report.removed["model_users"] == 1
    assert report.model_before != report.model_after and report.retrain_seconds is not None

    shop = load_store(workspace)
    assert RAW not in set(shop.events["user_id"].dropna()) and RAW not in set(shop.users["user_id"])
    assert len(shop.events) == 32
    versions = list((workspace / "store" / "versions").iterdir())
    assert len(versions) == 1  # older versions still held the rows
    assert RAW not in (versions[0] / "quality_report.json").read_text()
    assert RAW not in (workspace / "live" / "events.jsonl").read_text()
    chat = (workspace / "logs" / "chat.jsonl").read_text()
    assert alias not in chat and len(chat.splitlines()) == 1
    session = json.loads((workspace / "sessions" / "s1.json").read_text())
    assert len(session["turns"]) == 1 and session["route"] is None

    after = _model(workspace)
    assert RAW not in after.data_.users
    assert after.components_["item_knn"].similarity_[items.index("P01"), items.index("P02")] == 0
    assert "P01" not in _evidence_items(after, "U01", "P02")
    assert "sequence" in after.components_  # the sequence network was refitted too
    kept_versions = (workspace / "models" / ".versions").is_dir()  # bundles keep the previous one
    assert report.removed["older_model_versions"] == int(kept_versions)
    for manifest in (workspace / "models").rglob("manifest.json"):  # no kept older model version
        assert RAW not in json.loads(manifest.read_text())["config"]["users"]

    audit = Path(report.audit_path)
    text = audit.read_text()
    assert audit.parent == workspace / "audit" and RAW not in text and alias not in text
    saved = json.loads(text)
    assert saved["subject"] == audit_digest(workspace, RAW) != alias
    assert "user" not in saved and saved["removed"]["events"] == 4
    assert saved["store_version_before"] != saved["store_version_after"]
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert alias in messages and RAW not in messages

    # idempotent: nothing left to remove, nothing retrained, a record of the request all the same
    again = forget_user(workspace, RAW)
    assert again.already_forgotten and not any(again.removed.values())
    assert again.store_version_after == report.store_version_after and again.retrain_seconds is None
    assert again.model_after == report.model_after


def test_unknown_user_is_a_typed_error(workspace: Path) -> None:
    with pytest.raises(UnknownIdError, match="NOBODY"):
        forget_user(workspace, "NOBODY")
    assert not (workspace / "audit").exists()


def test_cli_forget_user(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["forget-user", "NOBODY", "--workspace", str(workspace)]) == 2
    assert "unknown user id 'NOBODY'" in capsys.readouterr().err
    assert cli_main(["forget-user", "U05", "--workspace", str(workspace), "--no-retrain"]) == 0
    out = capsys.readouterr().out
    assert (
        pseudonym(workspace, "U05") in out
        and "audit record" in out
        and "U05" not in out.replace(pseudonym(workspace, "U05"), "")
    )
    assert "NOT retrained" in out


def test_source_rows_inside_the_workspace_are_removed(tmp_path: Path) -> None:
    """The demo keeps its input CSVs in ``W/demo-input``: the user's rows go there too."""
    from recsys_core.data import ingest
    from recsys_core.data.ingest import find_table_files, folder_fingerprint
    from recsys_core.data.store import read_manifest
    from tests.conftest import tiny_tables, write_tables

    ws = tmp_path / "ws"
    source = write_tables(ws / "demo-input", tiny_tables())
    ingest(source, ws)
    report = forget_user(ws, "U2")
    assert report.removed["events"] == 2 and report.removed["user_rows"] == 1
    assert report.removed["source_rows"] == 3 and report.retrain_seconds is None  # no model yet
    for name in ("users.csv", "events.csv"):
        assert "U2" not in pd.read_csv(source / name, dtype=str)["user_id"].tolist()
    # the store records the cleaned folder, so the demo does not re-ingest the old rows
    assert read_manifest(ws)["source_fingerprint"] == folder_fingerprint(
        find_table_files(source)[0]
    )


def _learners(ws: Path):  # type: ignore[no-untyped-def]
    from recsys_core.strategy.lab.progress import LearnerStore
    from recsys_core.workspace import Workspace

    return LearnerStore(Workspace(ws).lab_dir / "learners")


def _play(n: int) -> dict[str, object]:
    return {"scenario": f"s{n:02d}", "kind": "rising", "action": "A", "choice_correct": True}


@pytest.fixture
def tiny_workspace(tmp_path: Path) -> Path:
    from recsys_core.data import ingest
    from tests.conftest import tiny_tables, write_tables

    ws = tmp_path / "ws"
    ingest(write_tables(tmp_path / "input", tiny_tables()), ws)
    return ws


def test_a_customer_who_is_also_a_learner_loses_the_lab_progress(tiny_workspace: Path) -> None:
    learners = _learners(tiny_workspace)
    for n in (1, 2):
        learners.add("U2", _play(n))
    learners.add("someone-else", _play(1))
    report = forget_user(tiny_workspace, "U2")
    assert report.removed["events"] == 2 and report.removed["lab_plays"] == 2
    assert learners.plays("U2") == [] and not learners.path("U2").exists()
    assert learners.learners() == ["someone-else"]
    assert json.loads(Path(report.audit_path).read_text())["removed"]["lab_plays"] == 2


def test_a_learner_who_is_not_a_customer_is_forgotten(
    tiny_workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from recsys_core.data.store import current_version_id

    learners = _learners(tiny_workspace)
    learners.add("Ada L", _play(3))
    version = current_version_id(tiny_workspace)
    assert cli_main(["forget-user", "Ada L", "--workspace", str(tiny_workspace)]) == 0
    assert "lab plays 1" in capsys.readouterr().out
    assert not learners.path("Ada L").exists()
    assert current_version_id(tiny_workspace) == version  # no shop data touched
    again = forget_user(tiny_workspace, "Ada L")
    assert again.already_forgotten and not any(again.removed.values())
    # neither a customer nor a learner: still an error, and nothing written
    with pytest.raises(UnknownIdError, match="lab learners"):
        forget_user(tiny_workspace, "Nobody Here")
    with pytest.raises(UnknownIdError):
        forget_user(tiny_workspace, "../not a name")


def test_a_damaged_progress_file_does_not_block_erasure(tiny_workspace: Path) -> None:
    learners = _learners(tiny_workspace)
    learners.folder.mkdir(parents=True, exist_ok=True)
    learners.path("Bo").write_text("{half a file")
    report = forget_user(tiny_workspace, "Bo")
    assert report.removed["lab_plays"] == 1 and not learners.path("Bo").exists()
