"""A live experiment's record (``W/experiments/<name>.json``) and the store that keeps them.

Stopping an experiment keeps its record (and its events in the live log), so its result can
still be read; records are written atomically under the ``experiments`` lock.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recsys_core.errors import UnknownIdError
from recsys_core.strategy.errors import StrategyError

METHODS = ("interleaving", "ab")
SURFACES = ("recommendations", "search")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class ExperimentError(StrategyError):
    """An experiment cannot be started, read or stopped as asked (the message says why)."""


class ExperimentConflictError(ExperimentError):
    """Another experiment already runs on the same surface, or the name is taken."""


def check_name(name: Any) -> str:
    """An experiment name, lower-cased ("Spring-Boost" is "spring-boost")."""
    text = str(name if name is not None else "").strip().lower()
    if not _NAME.match(text):
        raise ExperimentError(f"name: {str(name).strip()!r} is not a usable experiment name; use 1-40 letters, "
                              "digits, '-' or '_', starting with a letter or digit")
    return text


@dataclass
class Experiment:
    name: str
    method: str  # "interleaving" | "ab"
    traffic: float  # share of users enrolled, 0 < traffic <= 1
    rules: list[dict[str, Any]]  # the treatment's rule set (the control is the live set)
    salt: str = field(default_factory=lambda: secrets.token_hex(8))
    surfaces: list[str] = field(default_factory=lambda: list(SURFACES))
    status: str = "running"  # "running" | "stopped"
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    stopped_at: str | None = None
    min_days: int = 7
    alpha: float = 0.05
    plan: dict[str, Any] | None = None  # the test plan at start (planning.TestPlan.to_dict())
    note: str = ""

    def __post_init__(self) -> None:
        self.name = check_name(self.name)
        if self.method not in METHODS:
            raise ExperimentError(f"method: {self.method!r} is not a method; use one of {', '.join(METHODS)}")
        if not 0 < float(self.traffic) <= 1:
            raise ExperimentError(f"traffic: {self.traffic!r} is not a share of traffic; give a percentage "
                                  "above 0 and at most 100")
        bad = [s for s in self.surfaces if s not in SURFACES]
        if bad or not self.surfaces:
            raise ExperimentError(f"surfaces: {bad or self.surfaces!r} not servable; use {', '.join(SURFACES)}")

    @property
    def running(self) -> bool:
        return self.status == "running"

    def ruleset(self) -> Any:
        from recsys_core.strategy.rules_store import parse_rules

        return parse_rules({"rules": self.rules}, f"experiment {self.name}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ExperimentStore:
    """``folder/<name>.json`` per experiment."""

    def __init__(self, workspace: str | Path):
        from recsys_core.workspace import Workspace

        self.workspace = Workspace(workspace)
        self.folder = self.workspace.experiments_dir

    def lock(self) -> Any:
        return self.workspace.lock("experiments")

    def path(self, name: str) -> Path:
        return self.folder / f"{check_name(name)}.json"

    def get(self, name: str) -> Experiment:
        path = self.path(name)
        if not path.is_file():
            known = ", ".join(e.name for e in self.all()) or "none yet"
            raise UnknownIdError("experiment", name, f"this workspace (known: {known})")
        try:
            return Experiment(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise ExperimentError(f"{path} is not a readable experiment record ({exc}); it was left as it is") from exc

    def all(self) -> list[Experiment]:
        found = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                found.append(Experiment(**json.loads(path.read_text(encoding="utf-8"))))
            except (ValueError, TypeError, ExperimentError):
                continue  # a damaged record is reported by get(), not hidden in a listing
        return found

    def running(self) -> list[Experiment]:
        return [e for e in self.all() if e.running]

    def save(self, experiment: Experiment) -> None:
        from recsys_core.workspace import atomic_write_text

        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path(experiment.name), json.dumps(experiment.to_dict(), indent=1) + "\n")
