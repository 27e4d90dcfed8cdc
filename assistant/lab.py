"""The strategy lab of one workspace (``service.lab``): the scenario library, plays, debriefs and
learners' progress. The CLI, REST API and Gradio Lab tab call these methods and nothing else.

Scenarios, keys and scores are computed in :mod:`recsys_core.strategy.lab`; this module keeps
the workspace files (``W/lab/scenarios.json``, ``W/lab/learners/<name>.json``) and words the
debrief from the computed facts (every figure in it comes from those facts).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.service import ShelfwiseService
    from recsys_core.strategy.lab import Library


def _pct(x: float) -> str:
    x = round(float(x), 2)
    return f"{x + 0.0:+.2f}%"  # + 0.0: no "-0.00%"


def _band(low: float, high: float) -> str:
    return f"{_pct(low)} to {_pct(high)}"


def debrief_text(f: dict[str, Any]) -> str:
    """The debrief in plain words; every figure comes from ``f`` (:func:`debrief_facts`)."""
    c, goal = f["chosen"], f["goal"]
    p = f["prediction"]
    lines = [f"You chose {c['id']} ({c['label']}) and predicted {goal} {_pct(p['predict_pct'])} "
             f"(your interval {_band(p['low_pct'], p['high_pct'])}).",
             f"Replayed on {f['sessions']} sessions from {f['period'][0]} to {f['period'][1]}: {goal} "
             f"{_pct(c['goal_pct'])} (95% interval {_band(*c['goal_ci_pct'])}); clicks {_pct(c['clicks_pct'])}."]
    e = c.get("exposure_pts")
    if e:
        lines.append(f"Its targets' share of all attention in the replayed lists went from {e['before']:.2f}% to {e['after']:.2f}% "
                     f"({e['delta'] + 0.0:+.2f} points, 95% interval {e['ci_low'] + 0.0:+.2f} to {e['ci_high'] + 0.0:+.2f}).")
    inside = "fell inside" if f["in_interval"] else "fell outside"
    lines.append(f"The outcome {inside} your interval; the direction was {'right' if f['direction_correct'] else 'wrong'}.")
    b = f["best"]
    if f["winner"]:
        verdict = (f"Your choice was the best: {b['id']} wins on {goal}." if c["id"] == b["id"]
                   else f"{b['id']} ({b['label']}) wins on {goal} with {_pct(b['goal_pct'])} (95% interval {_band(*b['goal_ci_pct'])}).")
    else:
        verdict = (f"No clear winner on {goal}: the best, {b['id']} ({b['label']}, {_pct(b['goal_pct'])}), is within "
                   f"the replay's noise of {'your choice' if f['choice_correct'] else 'some of the others'}.")
    lines.append(verdict)
    if c["trap"]:
        lines.append(f"This was the trap: clicks rose ({_pct(c['clicks_pct'])}) while {goal} fell.")
    others = [f"{o['id']} ({o['label']}): {goal} {_pct(o['goal_pct'])}, clicks {_pct(o['clicks_pct'])}"
              + (" - the trap" if o["trap"] else "") for o in f["others"]]
    if others:
        lines.append("The other actions: " + "; ".join(others) + ".")
    if f["evidence"]:
        lead = (f"The brief's facts on {f['evidence_for']}, the best action: " if f.get("evidence_for")
                else "The facts in the brief that bear on it: ")
        lines.append(lead + " ".join(f"[{e['id']}] {e['text']}." for e in f["evidence"]))
    return "\n".join(lines)


class Lab:
    """The workspace's lab; thread-safe (a play appends to its learner's file under a lock)."""

    def __init__(self, service: ShelfwiseService):
        from recsys_core.strategy.lab.progress import LearnerStore

        self.service = service
        self.folder = service.layout.lab_dir
        self.library_path = self.folder / "scenarios.json"
        self.learners = LearnerStore(self.folder / "learners")
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, int] | None, Library] | None = None

    # ---- the library ---------------------------------------------------------------------
    def generate(self, *, seed: int = 0, progress: bool = False) -> Library:
        """Generate the library from the workspace's shop (deterministic for ``seed``) and save it."""
        from recsys_core.strategy.lab import generate_library

        lib = generate_library(self.service.shop, seed=seed, progress=progress)
        with self._lock:
            lib.save(self.library_path)
            self._cached = None
        return lib

    def library(self) -> Library:
        from recsys_core.strategy.lab import Library

        path = Path(self.library_path)
        try:
            st = path.stat()
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp is None:
            from assistant.service import NotBuiltError

            raise NotBuiltError(f"no scenario library in {self.folder}; run `shelfwise lab generate` first")
        if self._cached is None or self._cached[0] != stamp:
            self._cached = (stamp, Library.load(path))
        return self._cached[1]

    def scenarios(self) -> list[dict[str, Any]]:
        """One row per scenario: id, kind, title, decision date, goal, actions."""
        return [{"id": s.id, "kind": s.kind, "title": s.title, "decision_date": s.decision_date, "goal": s.goal,
                 "actions": len(s.actions)} for s in self.library().scenarios]

    def scenario(self, scenario_id: str) -> dict[str, Any]:
        """What a learner sees before playing: the brief, the question and the actions (no key)."""
        return self.library().get(scenario_id).public_dict()

    # ---- playing -------------------------------------------------------------------------
    def play(self, scenario_id: str, *, learner: str, action: str, predict: Any, low: Any, high: Any) -> dict[str, Any]:
        """Score a play against the key, save it to the learner's progress, and debrief it.
        Bad input raises :class:`LabError` before anything is written."""
        from recsys_core.strategy.lab.play import Prediction, debrief_facts, score_play
        from recsys_core.strategy.lab.progress import check_learner, summarise

        name = check_learner(learner)
        scenario = self.library().get(scenario_id)
        prediction = Prediction.make(scenario, action, predict, low, high)
        record = score_play(scenario, prediction, learner=name)
        facts = debrief_facts(scenario, record)
        with self._lock:
            plays = self.learners.add(name, record)
        return {"play": record, "debrief": facts, "text": debrief_text(facts), "progress": summarise(name, plays)}

    def progress(self, learner: str) -> dict[str, Any]:
        from recsys_core.strategy.lab.progress import check_learner, summarise

        name = check_learner(learner)
        plays = self.learners.plays(name)
        if not plays:
            from recsys_core.strategy.lab.model import LabNotFoundError

            raise LabNotFoundError("learner", name, f"learner {name!r} has no plays yet; play a scenario first")
        return summarise(str(plays[0].get("learner", name)), plays)  # the name as first written

    def forget(self, learner: str) -> int:
        """Erase a learner's progress file (``forget-user``); returns the plays removed."""
        with self._lock:
            return self.learners.erase(learner)
