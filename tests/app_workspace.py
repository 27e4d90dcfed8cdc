"""A small demo workspace (generated, ingested, trained, indexed) shared by the API and UI tests.

Built once per test process (``demo_workspace()`` is cached) in a temporary folder removed
at exit, so test_api and test_ui_browser pay for it once.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SIZES = {"n_products": 200, "n_users": 120, "n_days": 42, "target_events": 8000}
QUICK_SEQUENCE = {"max_epochs": 2, "dim": 32, "blocks": 1, "max_len": 20, "max_train_seconds": 20.0,
                  "val_users": 200}


@lru_cache(maxsize=1)
def demo_workspace() -> Path:
    """Demo shop at reduced size → store → quick-trained recommender → Chroma index."""
    from recsys_core.data import ingest
    from recsys_core.demo import write_demo_shop
    from recsys_core.models.hybrid import HybridConfig
    from recsys_core.models.workflow import train_workspace
    from retrieval.indexing import build_index

    root = Path(tempfile.mkdtemp(prefix="shelfwise-app-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    write_demo_shop(root / "demo-input", seed=0, **SIZES)
    ingest(root / "demo-input", root)
    train_workspace(root, config=HybridConfig(params={"sequence": QUICK_SEQUENCE}, weight_users=200))
    build_index(root, show_progress=False)
    return root


def workspace_copy(dest: Path) -> Path:
    """A private copy of the demo workspace, for tests that change it (rules, live events)."""
    shutil.copytree(demo_workspace(), dest, ignore=shutil.ignore_patterns("*.lock"))
    return dest


def private_service(tmp_path_factory: Any, name: str, *, load: bool = False) -> Any:
    """A template-answer ShelfwiseService over a private copy of the demo workspace (for tests that
    save rules or post events); ``load`` loads its engines up front."""
    from assistant.service import ShelfwiseService

    service = ShelfwiseService(workspace_copy(Path(tmp_path_factory.mktemp(name)) / "w"), llm="template")
    if load:
        service.load(progress=False)
    return service
