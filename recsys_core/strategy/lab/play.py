"""A learner's play: the chosen action and a predicted effect on the goal, scored against the key,
and the facts a debrief is written from."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from recsys_core.strategy.lab.model import LabError, Scenario

# a stated interval is read as a 90 % interval of a normal belief (for the Brier-style score)
INTERVAL_Z = 1.645
FLAT_PCT = 0.05  # |change| below this many percent counts as "no change" for direction


def parse_number(text: Any, field: str) -> float:
    """A typed percentage: "2", "+2.5", "-1%", " 3 % " -> float; anything else is a LabError naming ``field``."""
    if isinstance(text, bool):
        raise LabError(f"{field}: expected a number of percent, got {text!r}")
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        raw = str(text).strip().rstrip("%").strip().replace("\u2212", "-")
        try:
            value = float(raw)
        except ValueError:
            raise LabError(f"{field}: {str(text)!r} is not a number; type a percentage such as 2 or -1.5") from None
    if not math.isfinite(value):
        raise LabError(f"{field}: {text!r} is not a finite number")
    if abs(value) > 1000:
        raise LabError(f"{field}: {value:g}% is outside -1000..1000")
    return value


def parse_interval(text: str) -> tuple[float, float]:
    """"-1,3" / "-1 to 3" / "[-1%, 3%]" -> (low, high)."""
    raw = str(text).strip().strip("[]()")
    for sep in (",", ";", " to ", "..", "~"):
        if sep in raw:
            low, high = raw.split(sep, 1)
            return parse_number(low, "interval low"), parse_number(high, "interval high")
    raise LabError(f"interval: {text!r} needs a low and a high, such as -1,3")


@dataclass(frozen=True)
class Prediction:
    """The learner's choice and belief about the goal metric's change, in percent."""

    action: str
    predict_pct: float
    low_pct: float
    high_pct: float

    @classmethod
    def make(cls, scenario: Scenario, action: str, predict: Any, low: Any, high: Any) -> Prediction:
        chosen = scenario.action(action).id
        p, lo, hi = parse_number(predict, "prediction"), parse_number(low, "interval low"), parse_number(high, "interval high")
        if lo > hi:
            raise LabError(f"interval: the low ({lo:g}%) is above the high ({hi:g}%)")
        if not lo <= p <= hi:
            raise LabError(f"prediction: {p:g}% lies outside your interval {lo:g}% to {hi:g}%")
        return cls(chosen, p, lo, hi)


def _direction(x: float) -> int:
    return 0 if abs(x) < FLAT_PCT else (1 if x > 0 else -1)


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def score_play(scenario: Scenario, prediction: Prediction, *, learner: str) -> dict[str, Any]:
    """The play record: choice right (the key's winner, or any action within reach of the best when
    there is no clear winner), direction right, truth inside the interval, width, and a Brier-style
    score of the implied probability that the goal goes up."""
    key = scenario.key
    outcome = key["outcomes"][prediction.action]["metrics"][scenario.goal]
    truth = float(outcome["delta_pct"])
    sigma = (prediction.high_pct - prediction.low_pct) / (2 * INTERVAL_Z)
    if sigma > 0:
        p_up = _phi(prediction.predict_pct / sigma)
    else:
        p_up = 1.0 if prediction.predict_pct > 0 else (0.0 if prediction.predict_pct < 0 else 0.5)
    went_up = 1.0 if truth > 0 else 0.0
    return {
        "scenario": scenario.id, "kind": scenario.kind, "goal": scenario.goal, "learner": learner,
        "action": prediction.action, "predict_pct": prediction.predict_pct,
        "low_pct": prediction.low_pct, "high_pct": prediction.high_pct,
        "outcome_pct": round(truth, 3), "outcome_ci_pct": [outcome["ci_low_pct"], outcome["ci_high_pct"]],
        "choice_correct": prediction.action in key["acceptable"],
        "best": key["best"], "winner": key["winner"],
        "direction_correct": _direction(prediction.predict_pct) == _direction(truth),
        "in_interval": prediction.low_pct <= truth <= prediction.high_pct,
        "width_pct": round(prediction.high_pct - prediction.low_pct, 3),
        "error_pct": round(abs(prediction.predict_pct - truth), 3),
        "brier": round((p_up - went_up) ** 2, 4),
        "played_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def debrief_facts(scenario: Scenario, play: dict[str, Any]) -> dict[str, Any]:
    """Everything a debrief may say, computed: the outcome beside the prediction, the interval
    check, the evidence that pointed to the answer (cited facts) and what the other actions did."""
    key = scenario.key
    goal = scenario.goal

    def r2(x: float) -> float:
        return round(float(x), 2) + 0.0  # the precision a debrief reads at (+ 0.0: no -0.0)

    def reading(aid: str) -> dict[str, Any]:
        m = key["outcomes"][aid]["metrics"]
        return {"id": aid, "label": scenario.action(aid).label, "trap": scenario.action(aid).trap,
                "goal_pct": r2(m[goal]["delta_pct"]), "goal_ci_pct": [r2(m[goal]["ci_low_pct"]), r2(m[goal]["ci_high_pct"])],
                "goal_delta": r2(m[goal]["delta"]), "clicks_pct": r2(m["clicks"]["delta_pct"]),
                **{f"{k}_pct": r2(m[k]["delta_pct"]) for k in ("revenue", "margin", "purchases")},
                **({"exposure_pts": {k: r2(v) for k, v in m["target_exposure_pts"].items()}}
                   if "target_exposure_pts" in m else {})}

    chosen = reading(play["action"])
    return {
        "scenario": scenario.id, "title": scenario.title, "kind": scenario.kind, "goal": goal,
        "decision_date": scenario.decision_date, "period": key["period"], "sessions": key["sessions"],
        "prediction": {k: play[k] for k in ("predict_pct", "low_pct", "high_pct")},
        "chosen": chosen, "choice_correct": play["choice_correct"], "in_interval": play["in_interval"],
        "direction_correct": play["direction_correct"], "verdict": key["verdict"],
        "best": reading(key["best"]), "winner": key["winner"],
        "others": [reading(a.id) for a in scenario.actions if a.id != play["action"]],
        # the brief's facts behind the best action (the scenario's key facts when it is "change nothing")
        "evidence_for": key["best"] if scenario.action(key["best"]).evidence else None,
        "evidence": [asdict(scenario.fact(f)) for f in (scenario.action(key["best"]).evidence or scenario.pointers)],
        "replay": key["replay"],
    }
