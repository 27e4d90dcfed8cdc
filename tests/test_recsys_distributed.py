"""The sequence model trains under torchrun (2 processes, gloo) and matches one process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from recsys_core.models.artifacts import load_bundle
from recsys_core.models.distributed import KIND
from tests.recsys_fixtures import tiny_sequences

CONFIG = {"dim": 16, "blocks": 1, "max_len": 10, "dropout": 0.0, "lr": 0.005, "batch_size": 40,
          "max_epochs": 6, "eval_every": 3, "patience": 5, "num_threads": 1, "val_users": 1000}


def _torchrun(nproc: int, seq_file: Path, out: Path) -> dict:
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip("torchrun is not installed beside this python")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    cmd = [str(torchrun), "--standalone", f"--nproc_per_node={nproc}", "-m", "recsys_core.models.distributed",
           "--sequences", str(seq_file), "--out", str(out), "--config", json.dumps(CONFIG)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "summary.json").read_text())


@pytest.mark.slow
def test_two_processes_match_one(tmp_path):
    seq_file = tmp_path / "seqs.txt"
    seq_file.write_text("\n".join(f"{u} {' '.join(items)}" for u, items in tiny_sequences(80).items()) + "\n")
    one = _torchrun(1, seq_file, tmp_path / "one")
    two = _torchrun(2, seq_file, tmp_path / "two")
    assert one["world_size"] == 1 and two["world_size"] == 2
    losses_one = [e["loss"] for e in one["history"]]
    losses_two = [e["loss"] for e in two["history"]]
    np.testing.assert_allclose(losses_two, losses_one, rtol=2e-3)
    assert abs(two["validation"]["ndcg@10"] - one["validation"]["ndcg@10"]) < 0.02
    _, t1 = load_bundle(tmp_path / "one" / "sequence", kind=KIND)
    _, t2 = load_bundle(tmp_path / "two" / "sequence", kind=KIND)
    np.testing.assert_allclose(t2["item_embeddings"], t1["item_embeddings"], atol=2e-3)
    shutil.rmtree(tmp_path / "one")
