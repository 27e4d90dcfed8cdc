"""The workspace folder ``W``: where each part lives, and the locks that serialise its writers.

::

    W/
      store/              validated shop versions + CURRENT          (recsys_core.data.store)
      models/recommender  the recommender bundle (a versioned link)  (recsys_core.models)
      models/search-ranker.json  the learned search ranker           (retrieval.ranker)
      index/              Chroma collections + manifest.json          (retrieval.indexing)
      rules/              live rules, history                         (recsys_core.strategy)
      live/events.jsonl   events appended through the API             (recsys_core.data.live_events)
      logs/chat.jsonl     redacted, pseudonymised chat log            (recsys_core.privacy)
      sessions/           the assistant's conversation memory         (assistant.agent.memory)
      audit/              forget-user records                         (assistant.privacy)
      reports/strategy/   analytics reports and charts               (shelfwise analyze)
      reports/benchmarks/ benchmark results stored with the shop      (benchmarks/*.py --workspace)
      cache/              workspace caches
      secrets/            the pseudonym key (0700)
      runs/               TensorBoard logs of training runs
      lab/                strategy-lab scenarios and learners' progress (recsys_core.strategy.lab)
      experiments/        live experiments' records (recsys_core.strategy.experiments)
      demo-input/         the generated demo shop (``shelfwise demo``)

Each module keeps owning its own files; this one only says where they are.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from filelock import FileLock

# the recommender bundle's folder name under models/ (re-exported by recsys_core.models.workflow)
MODEL_DIR = "recommender"

# named locks -> lock file inside W. Names are what callers say; the files are where locks have
# always been, so processes of one release agree on them.
LOCK_FILES: dict[str, str] = {
    "workspace": ".shelfwise.lock",  # store writers: ingest, forget-user
    "rules": "rules/.lock",
    "index": "index/.build.lock",
    "chat-log": "logs/chat.lock",
    "live-events": "live/events.lock",
    "experiments": "experiments/.lock",
}
_LOCK_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")


class Workspace:
    """Paths of one workspace folder; cheap to build, touches nothing until asked."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Workspace) and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    def __fspath__(self) -> str:
        return str(self.root)

    @property
    def store_dir(self) -> Path:
        return self.root / "store"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def model_dir(self) -> Path:
        """The recommender bundle (a link to its current version folder)."""
        return self.models_dir / MODEL_DIR

    @property
    def model_report_path(self) -> Path:
        return self.models_dir / f"{MODEL_DIR}-report.json"

    @property
    def search_ranker_path(self) -> Path:
        """The learned search ranker (JSON), fitted by ``shelfwise train`` from the search log."""
        return self.models_dir / "search-ranker.json"

    @property
    def search_ranker_report_path(self) -> Path:
        return self.models_dir / "search-ranker-report.json"

    @property
    def search_encoder_dir(self) -> Path:
        """The domain-adapted search encoder (a sentence-transformers folder), fitted by ``shelfwise train``."""
        return self.models_dir / "search-encoder"

    @property
    def item_embedding_cache_dir(self) -> Path:
        return self.models_dir / "embedding-cache"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def rules_dir(self) -> Path:
        return self.root / "rules"

    @property
    def live_events_path(self) -> Path:
        return self.root / "live" / "events.jsonl"

    @property
    def chat_log_path(self) -> Path:
        return self.root / "logs" / "chat.jsonl"

    @property
    def sessions_dir(self) -> Path:
        return self.root / "sessions"

    @property
    def audit_dir(self) -> Path:
        return self.root / "audit"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def experiments_dir(self) -> Path:
        """Live experiments: ``<name>.json`` each (their impressions are in the live event log)."""
        return self.root / "experiments"

    @property
    def lab_dir(self) -> Path:
        """The strategy lab: ``scenarios.json`` and ``learners/<name>.json``."""
        return self.root / "lab"

    @property
    def strategy_reports_dir(self) -> Path:
        return self.reports_dir / "strategy"

    @property
    def benchmark_reports_dir(self) -> Path:
        """Benchmark results stored with the shop (``benchmarks/*.py --workspace W``)."""
        return self.reports_dir / "benchmarks"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def secrets_dir(self) -> Path:
        return self.root / "secrets"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def demo_input_dir(self) -> Path:
        return self.root / "demo-input"

    def lock_path(self, name: str) -> Path:
        """The lock file of ``name`` (a known lock, or any short lower-case name)."""
        if name in LOCK_FILES:
            return self.root / LOCK_FILES[name]
        if not _LOCK_NAME.fullmatch(name):
            raise ValueError(
                f"bad lock name {name!r}: use lower-case letters, digits and '-' "
                f"(known locks: {', '.join(LOCK_FILES)})"
            )
        return self.root / f".{name}.lock"

    def lock(self, name: str, timeout: float = -1) -> FileLock:
        """A cross-process lock on ``name`` in this workspace (``timeout`` seconds, -1 = wait).

        Use it as a context manager; ``filelock.Timeout`` is raised when it is not free in time,
        and callers turn that into their own typed error.
        """
        from filelock import FileLock

        path = self.lock_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(path), timeout=timeout)
