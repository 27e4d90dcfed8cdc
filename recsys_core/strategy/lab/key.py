"""The answer key of a scenario, computed by replaying the logs after its decision date.

Every candidate action is replayed with the what-if engine on the lists logged in the horizon
after the decision date, the click model and purchase rates fitted on those same days
(``prepare_replay(..., hindsight=True)``: what the action would have done given what shoppers
then did). The key records each action's change in revenue, margin, clicks and purchases with
bootstrap 95 % intervals over sessions, its targets' purchases and share of position-weighted
attention (exposure) with intervals, and the brand/category exposure it moved. The winner on the goal is
the best action when the paired bootstrap interval of its lead over the runner-up excludes
zero; otherwise "no clear winner", and every action within reach of the best counts as right.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from recsys_core.data.shop import ShopData
from recsys_core.strategy.lab.model import LabAction, Scenario
from recsys_core.strategy.whatif import OUTCOMES, Change, ReplaySetup, replay

KEY_BOOTSTRAP = 300  # resamples of sessions per key


def _r(x: float, digits: int = 4) -> float:
    return round(float(x), digits) if np.isfinite(x) else 0.0


def _targets(action: LabAction, setup: ReplaySetup, items: list[str]) -> list[str]:
    """The catalogue items the action's rules act on."""
    targets = [r.target for r in action.rules.rules]
    return [i for i in items if any(setup.lookup.matches(i, t) for t in targets)]


def answer_key(scenario: Scenario, shop: ShopData, setup: ReplaySetup, *, n_boot: int = KEY_BOOTSTRAP,
               seed: int = 0) -> dict[str, Any]:
    """Replay every action of ``scenario`` on ``setup`` (a hindsight replay of its horizon) and
    return the key (also stored on ``scenario.key``)."""
    items = shop.products["item_id"].astype(str).tolist()
    sessions: pd.Index | None = None
    goal_deltas: dict[str, np.ndarray] = {}
    outcomes: dict[str, Any] = {}
    before: dict[str, float] = {}
    period: list[str] = []
    changed: dict[str, int] = {}
    for action in scenario.actions:
        if not action.rules.rules:
            continue
        report = replay(shop, Change(name=action.label, rules=action.rules, respect_dates=True), setup=setup,
                        n_boot=n_boot, seed=seed, focus=_targets(action, setup, items))
        per = report.per_session.set_index("session_id")
        sessions = per.index if sessions is None else sessions
        per = per.reindex(sessions).fillna(0.0)
        goal_deltas[action.id] = (per[f"{scenario.goal}_after"] - per[f"{scenario.goal}_before"]).to_numpy()
        rows = report.metrics.set_index("metric")
        metrics = {}
        for m in OUTCOMES:
            r = rows.loc[m]
            base = float(r["before"])
            before[m] = base
            metrics[m] = {"delta": _r(r["delta"]), "ci_low": _r(r["ci_low"]), "ci_high": _r(r["ci_high"]),
                          "delta_pct": _r(r["delta"] / base * 100, 3) if base else 0.0,
                          "ci_low_pct": _r(r["ci_low"] / base * 100, 3) if base else 0.0,
                          "ci_high_pct": _r(r["ci_high"] / base * 100, 3) if base else 0.0}
        if "focus_purchases" in rows.index:  # the action's own targets: their purchases and attention share
            t = rows.loc["focus_purchases"]
            metrics["target_purchases"] = {"before": _r(t["before"]), "delta": _r(t["delta"]),
                                           "ci_low": _r(t["ci_low"]), "ci_high": _r(t["ci_high"])}
            e = rows.loc["focus_exposure_share"]
            metrics["target_exposure_pts"] = {"before": _r(e["before"] * 100, 3), "after": _r(e["after"] * 100, 3),
                                              "delta": _r(e["delta"] * 100, 3), "ci_low": _r(e["ci_low"] * 100, 3),
                                              "ci_high": _r(e["ci_high"] * 100, 3)}
        moved = report.exposure.head(4)
        outcomes[action.id] = {"metrics": metrics, "lists_changed": report.lists_changed,
                               "exposure_moved": [{"level": e.level, "key": e.key, "before_pct": _r(e.before_share * 100, 2),
                                                   "after_pct": _r(e.after_share * 100, 2)} for e in moved.itertuples()]}
        changed[action.id] = report.lists_changed
        period, n_sessions, n_lists = list(report.period), report.sessions, report.lists
    if sessions is None:
        raise ValueError(f"scenario {scenario.id}: no action changes anything")
    for action in scenario.actions:
        if action.id not in outcomes:  # "change nothing": exactly zero
            zero = {"delta": 0.0, "ci_low": 0.0, "ci_high": 0.0, "delta_pct": 0.0, "ci_low_pct": 0.0, "ci_high_pct": 0.0}
            outcomes[action.id] = {"metrics": {m: dict(zero) for m in OUTCOMES}, "lists_changed": 0, "exposure_moved": []}
            goal_deltas[action.id] = np.zeros(len(sessions))
    ranked = sorted(goal_deltas, key=lambda a: -goal_deltas[a].sum())
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(sessions), np.full(len(sessions), 1.0 / len(sessions)), size=n_boot)
    best = ranked[0]
    leads = {}
    for other in ranked[1:]:
        boot = counts @ (goal_deltas[best] - goal_deltas[other])
        lo, hi = np.quantile(boot, [0.025, 0.975])
        leads[other] = {"lead": _r(float((goal_deltas[best] - goal_deltas[other]).sum())), "ci_low": _r(lo), "ci_high": _r(hi)}
    runner = ranked[1]
    clear = leads[runner]["ci_low"] > 0
    acceptable = [best] + [a for a in ranked[1:] if leads[a]["ci_low"] <= 0]
    traps = [a.id for a in scenario.actions
             if outcomes[a.id]["metrics"]["clicks"]["ci_low"] > 0 and outcomes[a.id]["metrics"][scenario.goal]["ci_high"] < 0]
    scenario.key = {
        "goal": scenario.goal, "period": period, "sessions": n_sessions, "lists": n_lists,
        "replay": "hindsight: lists logged after the decision date; click model and purchase rates (at prices paid) "
                  "fitted on those days; bootstrap 95% intervals over sessions",
        "goal_before": _r(before[scenario.goal], 2), "outcomes": outcomes, "ranking": ranked,
        "winner": best if clear else None, "best": best, "lead_over_runner_up": leads[runner], "leads": leads,
        "verdict": f"{best} wins on {scenario.goal}" if clear else f"no clear winner on {scenario.goal}",
        "acceptable": acceptable, "traps": traps,
    }
    return scenario.key


def mark_traps(scenario: Scenario) -> None:
    """Flag the actions the key found to raise clicks while lowering the goal (both 95 % intervals
    clear of zero)."""
    traps = set(scenario.key.get("traps", ()))
    scenario.actions = [LabAction(a.id, a.label, a.rules, a.evidence, a.target_value, a.baseline_value, a.direction,
                                  a.id in traps) for a in scenario.actions]
