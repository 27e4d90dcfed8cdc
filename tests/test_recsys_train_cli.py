"""``shelfwise train`` on a small generated shop writes a loadable, versioned model."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from recsys_core.models.hybrid_artifacts import load_hybrid
from recsys_core.models.workflow import MODEL_DIR

SIZES = {"n_products": 120, "n_users": 80, "n_days": 30, "target_events": 4000}


@pytest.mark.slow
def test_train_writes_model_report_and_tensorboard(tmp_path, capsys):
    from recsys_core.data import ingest
    from recsys_core.demo import write_demo_shop

    write_demo_shop(tmp_path / "input", seed=1, **SIZES)
    ingest(tmp_path / "input", tmp_path / "ws")
    assert main(["train", "--workspace", str(tmp_path / "ws"), "--max-minutes", "0.3"]) == 0
    out = capsys.readouterr().out
    assert "test HR@10" in out
    model = load_hybrid(tmp_path / "ws" / "models" / MODEL_DIR)
    report = json.loads((tmp_path / "ws" / "models" / "recommender-report.json").read_text())
    assert 0.0 <= report["report"]["ndcg_at_10"] <= 1.0
    assert any((tmp_path / "ws" / "runs").rglob("events.out.tfevents*"))
    user = model.data_.users.id(0)
    recs = model.recommend(user, k=5)
    assert len(recs) == 5 and recs[0].rank == 1


def test_train_without_a_store_fails_cleanly(tmp_path, capsys):
    assert main(["train", "--workspace", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err
