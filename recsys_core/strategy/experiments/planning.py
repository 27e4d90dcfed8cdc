"""How much traffic a test of a ranking change needs: A/B, CUPED A/B and interleaving.

All three plans start from a what-if replay of the change on the shop's own logged lists:

* **A/B** randomises users. The effect is the replay's expected change in the metric per user;
  its spread is the realised per-user metric in the replayed window (what a real test sees).
* **CUPED A/B** uses each user's metric, clicks and sessions in the ``PRE_DAYS`` before the test
  as covariates; the users needed shrink by 1 - R^2, R^2 measured in the logs.
* **Interleaving** mixes the two rankings by team draft in every session; sessions are
  simulated on the replayed lists with the fitted position-bias click model (clicks drawn at
  examination x attractiveness), and the sessions needed follow from the simulated per-session
  outcomes' mean and spread.

Sessions are counted over the whole test (both arms together for A/B) and turned into days at
the shop's session rate; an A/B test runs at least ``MIN_DAYS`` (one full week: weekly
seasonality is real in shop traffic), and so does an interleaving test, for the same reason.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.data.shop import ShopData
from recsys_core.strategy.experiments.cuped import fit_cuped, users_per_arm
from recsys_core.strategy.experiments.interleaving import TREATMENT, team_draft
from recsys_core.strategy.whatif import Change, ReplaySetup, WhatIfReport, replayed_orders

MIN_DAYS = 7
PRE_DAYS = 90  # CUPED's pre-period: up to this many days before the test (chosen on demo seed 0)
METRICS = ("revenue", "clicks")


def user_metric(events: pd.DataFrame, metric: str) -> pd.Series:
    """Per user (sessions without a user count as their own unit): revenue paid or clicks."""
    if metric == "revenue":
        rows = events[events["type"] == "purchase"]
        value = (rows["quantity"].astype("Float64").fillna(1) * rows["unit_price"].astype("Float64").fillna(0)).astype(float)
    elif metric == "clicks":
        rows = events[events["type"] == "click"]
        value = pd.Series(1.0, index=rows.index)
    else:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
    return value.groupby(unit_of(rows).to_numpy()).sum()


def pre_covariates(events: pd.DataFrame, units: pd.Index, metric: str) -> np.ndarray:
    """CUPED covariates per unit from the events before the test: the metric itself, clicks
    and sessions (zeros for units not seen then), one column each."""
    sessions = events.groupby(unit_of(events).to_numpy())["session_id"].nunique()
    cols = [user_metric(events, metric), user_metric(events, "clicks"), sessions]
    return np.column_stack([c.reindex(units).fillna(0.0).to_numpy(dtype=np.float64) for c in cols])


def unit_of(frame: pd.DataFrame) -> pd.Series:
    """The randomisation unit of each row: the user, or ``session:<id>`` for anonymous rows."""
    user = frame["user_id"].astype("string").fillna("")
    user = user.where(user != "", "session:" + frame["session_id"].astype("string").fillna(""))
    return user.astype(str)


@dataclass
class TestPlan:
    """Sessions (whole test) and days each method needs to detect the replayed change."""

    metric: str
    alpha: float
    power: float
    sessions_per_day: float
    sessions_per_user: float
    predicted_change: float  # the replay's relative change in the metric
    ab_sessions: int | None
    cuped_sessions: int | None
    interleaving_sessions: int | None
    ab_sessions_clicks: int | None  # A/B on clicks per user: the like-for-like comparison with interleaving
    cuped_variance_reduction: float
    cuped_sessions_clicks: int | None
    cuped_variance_reduction_clicks: float
    interleaving_preference: float  # simulated mean per-session outcome (+1 treatment wins)
    simulated_sessions: int
    days: dict[str, int | None] = field(default_factory=dict)  # days to run (at least MIN_DAYS)
    traffic_days: dict[str, float | None] = field(default_factory=dict)  # days of traffic, no minimum

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        def show(n: int | None, key: str) -> str:
            if n is None:
                return "cannot detect it (the replay predicts no change)"
            return f"{n:,} sessions ({self.days[key]} days)"

        return (f"A/B on {self.metric}: {show(self.ab_sessions, 'ab')}; CUPED A/B "
                f"(variance -{self.cuped_variance_reduction:.0%}): {show(self.cuped_sessions, 'cuped')}; "
                f"interleaving: {show(self.interleaving_sessions, 'interleaving')}")


def _days(sessions: int | None, per_day: float) -> tuple[float | None, int | None]:
    if sessions is None or per_day <= 0:
        return None, None
    raw = sessions / per_day
    return round(raw, 1), max(MIN_DAYS, math.ceil(raw))


def _ab_users(report: WhatIfReport, setup: ReplaySetup, held: pd.DataFrame, metric: str,
              alpha: float, power: float) -> tuple[int | None, pd.Series, float]:
    """Users per arm for A/B on ``metric``, the realised per-user metric, and the relative change."""
    units = pd.Series(unit_of(setup.lists).to_numpy(), index=setup.lists["session_id"].astype(str).to_numpy())
    units = units[~units.index.duplicated()]
    per = report.per_session.set_index("session_id")
    delta = (per[f"{metric}_after"] - per[f"{metric}_before"]).groupby(units.reindex(per.index).to_numpy()).sum()
    before = per[f"{metric}_before"].groupby(units.reindex(per.index).to_numpy()).sum()
    realised = user_metric(held, metric).reindex(before.index).fillna(0.0)
    relative = float(delta.sum() / before.sum()) if before.sum() else 0.0
    n = users_per_arm(float(realised.std(ddof=1)), float(delta.mean()), alpha=alpha, power=power) if len(delta) > 1 else None
    return n, realised, relative


@dataclass
class InterleavingSimulation:
    """Team-draft sessions simulated on replayed lists. For session s and coin-flip draw d,
    ``p_win[s, d]`` / ``p_loss[s, d]`` are the exact probabilities (over the click model's
    clicks) that the treatment earns more / fewer credited clicks than the control."""

    p_win: np.ndarray
    p_loss: np.ndarray
    changed: np.ndarray  # sessions with at least one list the change reorders

    @property
    def preference(self) -> float:
        """Expected per-session outcome (+1 treatment wins, -1 control wins)."""
        return float((self.p_win - self.p_loss).mean()) if self.p_win.size else 0.0

    @property
    def variance(self) -> float:
        return float((self.p_win + self.p_loss).mean()) - self.preference**2 if self.p_win.size else 0.0

    def sessions_needed(self, *, alpha: float = 0.05, power: float = 0.8) -> int | None:
        from scipy import stats

        mean, var = self.preference, self.variance
        if abs(mean) < 1e-12 or var <= 0:
            return None
        za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
        return int(math.ceil((za + zb) ** 2 * var / mean**2))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Outcomes (+1/0/-1) of ``n`` sessions drawn from the simulated ones."""
        s = rng.integers(0, self.p_win.shape[0], size=n)
        d = rng.integers(0, self.p_win.shape[1], size=n)
        u = rng.random(n)
        win, loss = self.p_win[s, d], self.p_loss[s, d]
        return np.where(u < win, 1, np.where(u < win + loss, -1, 0)).astype(np.int8)


def simulate_interleaving(setup: ReplaySetup, change: Change, *, baseline: Change | None = None,
                          user_segments: Mapping[str, str] | None = None, max_sessions: int = 2000,
                          draws: int = 16, seed: int = 0) -> InterleavingSimulation:
    """Team-draft interleave the replayed lists (baseline = control ``A``, change = treatment
    ``B``) of up to ``max_sessions`` sampled sessions, ``draws`` coin-flip sequences each; click
    outcomes are integrated exactly under the fitted position-bias model."""
    rng = np.random.default_rng(seed)
    sessions = setup.lists["session_id"].astype(str).unique()
    keep = set(rng.choice(sessions, size=min(max_sessions, len(sessions)), replace=False))
    lists: dict[str, list[tuple[str, list[str], list[str]]]] = defaultdict(list)
    for _, ctx, before, after in replayed_orders(setup, change, baseline, user_segments):
        if ctx.session_id in keep:
            lists[ctx.session_id].append((ctx.surface, before, after))
    model = setup.model
    attractiveness = model.attractiveness_.to_dict()
    default = model.default_attractiveness_
    p_win = np.zeros((len(lists), draws))
    p_loss = np.zeros((len(lists), draws))
    changed = np.zeros(len(lists), dtype=bool)
    for s, shown in enumerate(lists.values()):
        width = sum(len(before) for _, before, _ in shown)
        dist = np.zeros((draws, 2 * width + 1))  # distribution of (treatment - control) clicks
        dist[:, width] = 1.0
        changed[s] = any(before != after for _, before, after in shown)
        for surface, before, after in shown:
            k = len(before)
            exam = model.examination(np.arange(k), surface)
            p = np.empty((draws, k))
            up = np.empty((draws, k), dtype=bool)
            for d in range(draws):
                mixed, sides = team_draft(before, after, k, rng)
                p[d, : len(mixed)] = [attractiveness.get(f"{surface}|{i}", default) for i in mixed] * exam[: len(mixed)]
                p[d, len(mixed):] = 0.0
                up[d, : len(mixed)] = [side == TREATMENT for side in sides]
            for j in range(k):  # one shown slot at a time: a click moves the difference by +-1
                moved = np.where(up[:, j, None], np.roll(dist, 1, axis=1), np.roll(dist, -1, axis=1))
                dist = (1 - p[:, j, None]) * dist + p[:, j, None] * moved
        p_win[s] = dist[:, width + 1:].sum(axis=1)
        p_loss[s] = dist[:, :width].sum(axis=1)
    return InterleavingSimulation(p_win, p_loss, changed)


def plan_experiment(shop: ShopData, setup: ReplaySetup, report: WhatIfReport, change: Change, *,
                    baseline: Change | None = None, user_segments: Mapping[str, str] | None = None,
                    metric: str = "revenue", alpha: float = 0.05, power: float = 0.8,
                    max_sessions: int = 2000, draws: int = 16, seed: int = 0) -> TestPlan:
    """A/B, CUPED A/B and interleaving plans for ``change`` from its replay ``report``."""
    ev = shop.events
    window = setup.end - setup.cut
    held = ev[(ev["timestamp"] > setup.cut) & (ev["timestamp"] <= setup.end)]
    pre = ev[(ev["timestamp"] > setup.cut - pd.Timedelta(days=PRE_DAYS)) & (ev["timestamp"] <= setup.cut)]
    n_sessions = int(setup.lists["session_id"].nunique())
    per_day = n_sessions / max(window / pd.Timedelta(days=1), 1.0)
    ab_users, realised, relative = _ab_users(report, setup, held, metric, alpha, power)
    per_user = n_sessions / max(len(realised), 1)
    clicks_users, realised_clicks, _ = _ab_users(report, setup, held, "clicks", alpha, power)
    fit = fit_cuped(realised.to_numpy(), pre_covariates(pre, realised.index, metric))
    fit_clicks = fit_cuped(realised_clicks.to_numpy(), pre_covariates(pre, realised_clicks.index, "clicks"))

    def reduced(users: int | None, share: float) -> int | None:
        return None if users is None else max(2, math.ceil(users * (1 - share)))
    sim = simulate_interleaving(setup, change, baseline=baseline, user_segments=user_segments,
                                max_sessions=max_sessions, draws=draws, seed=seed)
    inter = sim.sessions_needed(alpha=alpha, power=power)

    def sessions(users: int | None) -> int | None:
        return None if users is None else math.ceil(2 * users * per_user)

    plan = TestPlan(metric, alpha, power, round(per_day, 1), round(per_user, 3), round(relative, 6),
                    sessions(ab_users), sessions(reduced(ab_users, fit.variance_reduction)), inter,
                    sessions(clicks_users), round(fit.variance_reduction, 4),
                    sessions(reduced(clicks_users, fit_clicks.variance_reduction)),
                    round(fit_clicks.variance_reduction, 4), round(sim.preference, 6), len(sim.p_win))
    for key, n in (("ab", plan.ab_sessions), ("cuped", plan.cuped_sessions), ("interleaving", inter)):
        plan.traffic_days[key], plan.days[key] = _days(n, per_day)
    return plan
