"""Team-draft interleaving of two rankings and the analysis of its click credit.

Team draft (Radlinski, Kurup and Joachims, 2008): the two rankers take turns, the one with fewer
picks first (a coin decides ties), each adding its best item not yet in the mixed list. A click
credits the side that contributed the clicked item. Per session the side with more credited
clicks wins; the preference is the mean of the per-session outcome (+1 treatment wins, -1
control wins, 0 tie or no click), tested against zero with a normal interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

CONTROL, TREATMENT = "A", "B"


def team_draft(control: Sequence[str], treatment: Sequence[str], k: int,
               rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """The mixed top ``k`` and, per position, the side (``"A"`` control, ``"B"`` treatment)
    that contributed it."""
    mixed: list[str] = []
    sides: list[str] = []
    seen: set[str] = set()
    picks = {CONTROL: 0, TREATMENT: 0}
    cursor = {CONTROL: 0, TREATMENT: 0}
    lists = {CONTROL: control, TREATMENT: treatment}
    limit = min(k, len(set(control) | set(treatment)))
    while len(mixed) < limit:
        if picks[CONTROL] != picks[TREATMENT]:
            side = CONTROL if picks[CONTROL] < picks[TREATMENT] else TREATMENT
        else:
            side = TREATMENT if rng.random() < 0.5 else CONTROL
        order = lists[side]
        while cursor[side] < len(order) and order[cursor[side]] in seen:
            cursor[side] += 1
        if cursor[side] >= len(order):  # this side has nothing left: the other one picks
            side = TREATMENT if side == CONTROL else CONTROL
            order = lists[side]
            while cursor[side] < len(order) and order[cursor[side]] in seen:
                cursor[side] += 1
        item = order[cursor[side]]
        mixed.append(item)
        sides.append(side)
        seen.add(item)
        picks[side] += 1
    return mixed, sides


def credit(sides: Sequence[str], clicked: Iterable[int]) -> tuple[int, int]:
    """Clicks credited to (control, treatment), given the clicked 0-based positions."""
    a = b = 0
    for pos in clicked:
        if 0 <= pos < len(sides):
            if sides[pos] == TREATMENT:
                b += 1
            else:
                a += 1
    return a, b


def outcome(control_clicks: float, treatment_clicks: float) -> int:
    """+1 when the treatment earned more credited clicks, -1 when the control did, else 0."""
    return int(np.sign(treatment_clicks - control_clicks))


@dataclass(frozen=True)
class InterleavingResult:
    """Preference for the treatment: mean per-session outcome in [-1, 1] (0 = no preference)."""

    sessions: int
    decided: int  # sessions one side won
    treatment_wins: int
    control_wins: int
    ties: int
    preference: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    alpha: float

    def winner(self) -> str | None:
        if not self.significant:
            return None
        return "treatment" if self.preference > 0 else "control"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "winner": self.winner()}


def analyse(outcomes: Sequence[int] | np.ndarray, *, alpha: float = 0.05) -> InterleavingResult:
    """Test the per-session outcomes (+1/0/-1, sessions without clicks included as 0)."""
    o = np.asarray(outcomes, dtype=np.float64)
    n = len(o)
    wins_b, wins_a = int((o > 0).sum()), int((o < 0).sum())
    clicked = wins_a + wins_b
    mean = float(o.mean()) if n else 0.0
    se = float(o.std(ddof=1) / np.sqrt(n)) if n > 1 else float("inf")
    z = stats.norm.ppf(1 - alpha / 2)
    if n > 1 and se > 0:
        p = float(2 * stats.norm.sf(abs(mean) / se))
        lo, hi = mean - z * se, mean + z * se
    else:
        p, lo, hi = 1.0, -1.0, 1.0
    return InterleavingResult(n, clicked, wins_b, wins_a, n - clicked, mean, lo, hi, p, p < alpha, alpha)


def sessions_for_power(outcomes: np.ndarray, *, alpha: float = 0.05, power: float = 0.8) -> int | None:
    """Sessions needed to detect the mean of ``outcomes`` (a sample of per-session outcomes)
    with a two-sided test at ``alpha`` and ``power``; None when the mean is zero."""
    o = np.asarray(outcomes, dtype=np.float64)
    mean, sd = float(o.mean()), float(o.std(ddof=1))
    if len(o) < 2 or mean == 0 or sd == 0:
        return None
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    return int(np.ceil((za + zb) ** 2 * sd**2 / mean**2))
