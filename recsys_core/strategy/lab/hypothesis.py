"""A learner's free hypothesis ("boosting Northpeak in outdoor raises margin") judged by replay.

The assistant reads the claim's change, metric and direction from the words; the change is
replayed by the what-if engine like any other, and :func:`judge_claim` says whether the
replay's 95 % interval supports the claim, contradicts it, or cannot tell.
"""

from __future__ import annotations

from typing import Any

from recsys_core.strategy.lab.model import LabError
from recsys_core.strategy.whatif import OUTCOMES, WhatIfReport

DIRECTIONS = ("up", "down")


def judge_claim(report: WhatIfReport, metric: str, direction: str) -> dict[str, Any]:
    """``supported`` when the interval lies wholly on the claimed side of zero, ``contradicted``
    when it lies wholly on the other side, else ``not settled``."""
    if metric not in OUTCOMES:
        raise LabError(f"claim metric: {metric!r} is not one of {', '.join(OUTCOMES)}")
    if direction not in DIRECTIONS:
        raise LabError(f"claim direction: {direction!r} is not 'up' or 'down'")
    delta, low, high = report.delta(metric)
    sign = 1.0 if direction == "up" else -1.0
    if sign * low > 0 and sign * high > 0:
        verdict = "supported"
    elif sign * low < 0 and sign * high < 0:
        verdict = "contradicted"
    else:
        verdict = "not settled"
    before = float(report.metrics.set_index("metric").loc[metric, "before"])
    return {"metric": metric, "direction": direction, "verdict": verdict, "delta": round(delta, 2),
            "ci_low": round(low, 2), "ci_high": round(high, 2),
            "delta_pct": round(delta / before * 100, 2) if before else None}
