"""What a lab scenario is: a brief of cited facts, a decision date, candidate actions as rule
sets, a goal, and the answer key computed by replaying the logs after the decision date.

Everything here is plain data that round-trips through JSON (the library file in the
workspace); the builders live in :mod:`.briefs`, the key in :mod:`.key`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from recsys_core.errors import UnknownIdError
from recsys_core.strategy.errors import StrategyError
from recsys_core.strategy.rules import RuleSet

# the kinds of scenario, in the order a library lists them, with what each trains
KINDS: dict[str, str] = {
    "rising": "ride a rising category",
    "slow_movers": "clear slow movers",
    "bundle": "show a co-purchase pair together",
    "exposure": "de-concentrate exposure",
    "cold_start": "launch new items",
    "promotion": "a promotion's price effect",
    "trap": "more clicks, less money",
}
GOAL_METRICS = ("revenue", "margin", "clicks", "purchases")


class LabError(StrategyError):
    """Bad lab input (unknown scenario, action or learner; an impossible prediction)."""


class LabNotFoundError(LabError, UnknownIdError):
    """No scenario or learner of that name (the API answers 404)."""

    def __init__(self, kind: str, value: object, message: str):
        UnknownIdError.__init__(self, kind, value)
        self.args = (message,)


@dataclass(frozen=True)
class Fact:
    """One cited fact of a brief: its words, the figure, and where it was computed from."""

    id: str
    text: str
    value: Any
    source: str


@dataclass(frozen=True)
class LabAction:
    """A candidate action: a label, its rules (none for "change nothing") and the facts behind it."""

    id: str  # "A", "B", ...
    label: str
    rules: RuleSet
    evidence: tuple[str, ...] = ()  # ids of the brief's facts about this action's targets
    # the targeted items' value before the decision (per 1,000 impressions), for the reader and
    # for the evidence-following scripted learner: {"revenue": x, "margin": y, "clicks": z}, and
    # the same for the lists they would be shown in ("baseline")
    target_value: dict[str, float] = field(default_factory=dict)
    baseline_value: dict[str, float] = field(default_factory=dict)
    direction: int = 1  # +1 promotes its targets, -1 demotes them, 0 changes nothing
    trap: bool = False  # set by the key: more clicks, less of the goal

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label,
                "rules": [r.model_dump(mode="json", exclude_defaults=True) for r in self.rules.rules],
                "evidence": list(self.evidence), "target_value": self.target_value,
                "baseline_value": self.baseline_value, "direction": self.direction, "trap": self.trap}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LabAction:
        return cls(id=d["id"], label=d["label"], rules=RuleSet.model_validate({"rules": d.get("rules", [])}),
                   evidence=tuple(d.get("evidence", ())), target_value=dict(d.get("target_value", {})),
                   baseline_value=dict(d.get("baseline_value", {})), direction=int(d.get("direction", 1)),
                   trap=bool(d.get("trap", False)))


@dataclass
class Scenario:
    """One lab scenario; ``key`` is filled by :func:`.key.answer_key`."""

    id: str
    kind: str
    title: str
    question: str  # what the learner decides, in one sentence
    decision_date: str
    horizon_days: int
    goal: str  # one of GOAL_METRICS, to increase
    brief: list[Fact]
    actions: list[LabAction]
    pointers: tuple[str, ...] = ()  # ids of the brief facts that point to the answer
    truth: dict[str, Any] = field(default_factory=dict)  # what the scenario was built from (ids, keys)
    key: dict[str, Any] = field(default_factory=dict)

    def action(self, action_id: str) -> LabAction:
        wanted = str(action_id).strip().upper()
        for a in self.actions:
            if a.id == wanted:
                return a
        raise LabError(f"scenario {self.id} has no action {action_id!r}; choose one of "
                       + ", ".join(f"{a.id} ({a.label})" for a in self.actions))

    def fact(self, fact_id: str) -> Fact:
        return next(f for f in self.brief if f.id == fact_id)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "kind_label": KINDS[self.kind], "title": self.title,
                "question": self.question, "decision_date": self.decision_date, "horizon_days": self.horizon_days,
                "goal": self.goal, "brief": [asdict(f) for f in self.brief],
                "actions": [a.to_dict() for a in self.actions], "pointers": list(self.pointers),
                "truth": self.truth, "key": self.key}

    def public_dict(self) -> dict[str, Any]:
        """What a learner may see before playing: no key, no build notes, no trap flag."""
        out = self.to_dict()
        out.pop("key"), out.pop("truth"), out.pop("pointers")
        for a in out["actions"]:
            a.pop("trap")
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scenario:
        return cls(id=d["id"], kind=d["kind"], title=d["title"], question=d["question"],
                   decision_date=d["decision_date"], horizon_days=int(d["horizon_days"]), goal=d["goal"],
                   brief=[Fact(**f) for f in d["brief"]], actions=[LabAction.from_dict(a) for a in d["actions"]],
                   pointers=tuple(d.get("pointers", ())), truth=dict(d.get("truth", {})), key=dict(d.get("key", {})))
