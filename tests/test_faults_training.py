"""Training faults: ``shelfwise train`` killed (SIGKILL) while fitting or while writing the
model leaves the previous model loadable with identical answers, and a rerun completes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.cli import main
from recsys_core.models.hybrid_artifacts import load_hybrid
from recsys_core.models.workflow import MODEL_DIR

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"n_products": 120, "n_users": 80, "n_days": 30, "target_events": 4000}
QUICK = {
    "max_epochs": 2,
    "dim": 32,
    "blocks": 1,
    "max_len": 20,
    "max_train_seconds": 20.0,
    "val_users": 200,
}

# Trains in a child whose safetensors writer pauses right after writing the new tensor file,
# so the parent's SIGKILL lands in the middle of saving the model.
SLOW_SAVE_CHILD = r"""
import sys, time
import safetensors.numpy as st
from recsys_core.models.hybrid import HybridConfig
from recsys_core.models.workflow import train_workspace
original = st.save_file
def slow(tensors, filename, *a, **k):
    original(tensors, filename, *a, **k)
    if str(filename).endswith("tensors.safetensors"):
        print("wrote", flush=True)
        time.sleep(60)
st.save_file = slow
quick = {"max_epochs": 1, "dim": 32, "blocks": 1, "max_len": 20, "val_users": 200}
train_workspace(sys.argv[1], config=HybridConfig(params={"sequence": quick}, weight_users=200))
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from recsys_core.data import ingest
    from recsys_core.demo import write_demo_shop
    from recsys_core.models.hybrid import HybridConfig
    from recsys_core.models.workflow import train_workspace

    root = tmp_path_factory.mktemp("train-faults")
    write_demo_shop(root / "input", seed=3, **SIZES)
    ingest(root / "input", root / "ws")
    train_workspace(root / "ws", config=HybridConfig(params={"sequence": QUICK}, weight_users=200))
    return root / "ws"


def _answers(folder: Path) -> dict[str, list[tuple[str, float]]]:
    model = load_hybrid(folder)
    users = [model.data_.users.id(i) for i in (0, 7, 21)]
    return {u: [(r.item_id, round(r.score, 6)) for r in model.recommend(u, k=10)] for u in users}


def _kill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_killed_training_keeps_the_previous_model_and_rerun_completes(workspace: Path) -> None:
    folder = workspace / "models" / MODEL_DIR
    before = _answers(folder)
    live = os.readlink(folder)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}

    # 1. SIGKILL once the sequence model has visibly started (its TensorBoard file appears)
    logs = set(workspace.glob("runs/*/events.out.tfevents*"))
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "train",
            "--workspace",
            str(workspace),
            "--max-minutes",
            "0.5",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.time() + 150
    while not set(workspace.glob("runs/*/events.out.tfevents*")) - logs:
        assert child.poll() is None, "training ended before it could be killed"
        assert time.time() < deadline, "training never started"
        time.sleep(0.1)
    _kill(child)
    assert os.readlink(folder) == live
    assert _answers(folder) == before

    # 2. SIGKILL in the middle of writing the new model
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_SAVE_CHILD, str(workspace)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "wrote"  # new tensors on disk, manifest not yet
    _kill(child)
    versions = workspace / "models" / ".versions"
    half_written = [p for p in versions.iterdir() if p.is_dir() and p.name != Path(live).name]
    assert half_written, "the kill did not land while the new version was being written"
    assert os.readlink(folder) == live
    assert _answers(folder) == before

    # 3. the rerun completes, switches to its model and clears what the killed runs left
    assert main(["train", "--workspace", str(workspace), "--max-minutes", "0.1"]) == 0
    assert os.readlink(folder) != live
    model = load_hybrid(folder)
    assert len(model.recommend(model.data_.users.id(0), k=5)) == 5
    kept = sorted(p.name for p in versions.iterdir() if p.is_dir())
    assert kept == sorted({Path(live).name, Path(os.readlink(folder)).name})  # current + previous
    assert not list(folder.parent.glob(f".{MODEL_DIR}.*"))
    report = json.loads((workspace / "models" / "recommender-report.json").read_text())
    assert report["model"] == str(folder)
