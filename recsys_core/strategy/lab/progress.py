"""Each learner's plays, one JSON file per learner (atomic writes), and their summary: choice
accuracy, calibration (share of outcomes inside the stated intervals, width, Brier-style
score), and strengths and weaknesses by scenario kind."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from recsys_core.strategy.lab.model import KINDS, LabError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$")


def check_learner(name: Any) -> str:
    """A learner name: 1-40 letters, digits, spaces, dots, dashes or underscores."""
    text = str(name if name is not None else "").strip()
    if not _NAME.match(text):
        raise LabError(f"learner: {text!r} is not a usable name; use 1-40 letters, digits, spaces, '.', '-' or '_'")
    return text


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "_", name.lower())


class LearnerStore:
    """``folder/<learner>.json`` per learner: ``{"learner": name, "plays": [...]}``."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path(self, learner: str) -> Path:
        return self.folder / f"{_slug(check_learner(learner))}.json"

    def plays(self, learner: str) -> list[dict[str, Any]]:
        path = self.path(learner)
        if not path.is_file():
            return []
        try:
            found: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["plays"]
        except (ValueError, KeyError, TypeError) as exc:
            raise LabError(f"{path} is not a readable progress file ({exc}); it was left as it is") from exc
        return found

    def add(self, learner: str, play: dict[str, Any]) -> list[dict[str, Any]]:
        from recsys_core.workspace import atomic_write_text

        plays = [*self.plays(learner), play]
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path(learner), json.dumps({"learner": check_learner(learner), "plays": plays}, indent=1) + "\n")
        return plays

    def learners(self) -> list[str]:
        names = []
        for p in sorted(self.folder.glob("*.json")):
            try:
                names.append(str(json.loads(p.read_text(encoding="utf-8"))["learner"]))
            except (ValueError, KeyError, TypeError):
                continue
        return names

    def count(self, learner: str) -> int:
        """Plays saved under ``learner``: 0 when there are none or the name cannot be a learner's,
        1 for a file too damaged to count (it still holds something of theirs)."""
        try:
            path = self.path(learner)
        except LabError:
            return 0
        if not path.is_file():
            return 0
        try:
            return len(self.plays(learner))
        except LabError:
            return 1

    def erase(self, learner: str) -> int:
        """Delete a learner's file, readable or not; returns :meth:`count` of what went."""
        n = self.count(learner)
        if n:
            self.path(learner).unlink()
        return n


def _mean(xs: list[float]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def summarise(learner: str, plays: list[dict[str, Any]]) -> dict[str, Any]:
    """Scenarios played, choice accuracy, calibration and per-kind results of one learner."""
    by_kind: dict[str, dict[str, Any]] = {}
    for kind, label in KINDS.items():
        mine = [p for p in plays if p["kind"] == kind]
        if mine:
            by_kind[kind] = {"label": label, "played": len(mine),
                             "choice_accuracy": _mean([float(p["choice_correct"]) for p in mine]),
                             "in_interval": _mean([float(p["in_interval"]) for p in mine])}
    rated = list(by_kind)
    score = {k: float(by_kind[k]["choice_accuracy"]) + float(by_kind[k]["in_interval"]) for k in rated}
    strengths = sorted((k for k in rated if score[k] >= 1.5), key=lambda k: -score[k])
    weaknesses = sorted((k for k in rated if score[k] < 1.0), key=lambda k: score[k])
    return {
        "learner": learner, "played": len(plays), "scenarios": len({p["scenario"] for p in plays}),
        "choice_accuracy": _mean([float(p["choice_correct"]) for p in plays]),
        "direction_accuracy": _mean([float(p["direction_correct"]) for p in plays]),
        "in_interval": _mean([float(p["in_interval"]) for p in plays]),
        "mean_width_pct": _mean([float(p["width_pct"]) for p in plays]),
        "mean_error_pct": _mean([float(p["error_pct"]) for p in plays]),
        "brier": _mean([float(p["brier"]) for p in plays]),
        # one number per learner: the mean share of a play's three checks passed
        "lab_score": _mean([(p["choice_correct"] + p["direction_correct"] + p["in_interval"]) / 3 for p in plays]),
        "by_kind": by_kind, "strengths": strengths, "weaknesses": weaknesses,
        "history": [{k: p[k] for k in ("scenario", "kind", "action", "predict_pct", "low_pct", "high_pct", "outcome_pct",
                                       "choice_correct", "in_interval", "played_at")} for p in plays],
    }
