"""Promotion proposals from the shop's own data, each with supporting figures, its simulated
impact (what-if replay, bootstrap 95 % interval) and a test plan (sessions and days with A/B,
CUPED A/B and interleaving), ranked by expected margin.

Kinds: boost a rising category that has stock cover; show items frequently bought together
(shrunk co-purchase lift, mirrored pairs merged); push slow movers that have margin headroom
(with a suggested discount); show a segment its favourite category. A proposal whose replayed
margin interval lies entirely below zero is not proposed as a win: its status is
``"replay says no"`` and it is listed apart ("looks tempting, replay says no").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from recsys_core.data.shop import ShopData
from recsys_core.strategy.bundles import frequently_bought_together, merge_mirrored
from recsys_core.strategy.errors import StrategyError
from recsys_core.strategy.experiments.planning import TestPlan, plan_experiment
from recsys_core.strategy.inventory import SLOW_MOVER_BOOST, inventory_signals, slow_movers
from recsys_core.strategy.pricing import price_elasticity
from recsys_core.strategy.rules import Action, Rule, RuleSet, Scope, Target
from recsys_core.strategy.segments import SegmentModel
from recsys_core.strategy.trends import growth_table
from recsys_core.strategy.whatif import Change, prepare_replay, replay

PROPOSED, REPLAY_SAYS_NO = "proposed", "replay says no"


@dataclass
class Proposal:
    kind: str
    title: str
    figures: dict[str, Any]
    change: Change
    impact: dict[str, dict[str, float]] = field(default_factory=dict)  # metric -> delta, ci_low, ci_high
    test_plan: TestPlan | None = None
    expected_value: float = 0.0  # simulated margin change over the replayed period
    status: str = PROPOSED  # or REPLAY_SAYS_NO: the margin's whole 95 % interval is below zero

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "status": self.status, "figures": self.figures,
                "rules": [r.model_dump(mode="json", exclude_defaults=True) for r in self.change.rules.rules],
                "impact": self.impact, "expected_value": self.expected_value,
                "test_plan": None if self.test_plan is None else {**self.test_plan.to_dict(),
                                                                  "summary": self.test_plan.describe()}}


def _rule(rule_id: str, action: Action, target: Target, *, today: Any, days: int, scope: Scope | None = None,
          **kw: Any) -> Rule:
    return Rule(id=rule_id, action=action, target=target, scope=scope or Scope(), starts=today,
                ends=today + timedelta(days=days), **kw)


def rising_candidates(shop: ShopData, inventory: pd.DataFrame, today: Any, limit: int,
                      per_proposal: int = 10) -> list[Proposal]:
    table = growth_table(shop, level="category", measure="views")
    out = []
    for row in table[table["trend"] == "rising"].head(limit).itertuples():
        inv = inventory[inventory["category"] == row.key]
        in_stock = inv[inv["stock"].fillna(1) > 0]
        cover = in_stock["days_of_cover"].replace(np.inf, np.nan)
        figures = {"category": row.key, "weekly_growth": round(row.weekly_growth, 4),
                   "growth_ci95": [round(row.ci_low, 4), round(row.ci_high, 4)], "q_value": float(f"{row.q_value:.3g}"),
                   "items_in_stock": int(len(in_stock)), "items": int(len(inv)),
                   "median_days_of_cover_of_sellers": None if cover.notna().sum() == 0 else round(float(cover.median()), 1)}
        # the category's in-stock items that draw the most views now carry the rise
        top = in_stock.sort_values(["views_recent", "stock"], ascending=False).head(per_proposal)
        figures |= {"items_boosted": list(top["item_id"]), "their_views_last_28d": int(top["views_recent"].sum())}
        rule = _rule(f"boost-rising-{row.key}".replace(" ", "-"), "boost", Target(item_ids=tuple(top["item_id"])),
                     today=today, days=28, multiplier=1.5, note=f"most-viewed in-stock items of rising '{row.key}'")
        out.append(Proposal("boost rising",
                            f"Boost top {len(top)} items of rising '{row.key}' (views {row.weekly_growth:+.1%}/week)",
                            figures, Change(f"boost rising {row.key} items x1.5", rules=RuleSet(rules=(rule,)))))
    return out


def bundle_candidates(shop: ShopData, today: Any, limit: int) -> list[Proposal]:
    """Pairs bought together by at least ``MIN_TOGETHER`` customers, one proposal per pair (the
    direction with the better shrunk-lift lower bound), best lower bound first."""
    pairs = merge_mirrored(frequently_bought_together(shop, basket="user", top=10**6))
    cat = dict(zip(shop.products["item_id"].astype(str), shop.products["category"].astype(str), strict=True))
    out = []
    for row in pairs.head(limit).itertuples():
        figures = {"item_a": row.item_a, "item_b": row.item_b, "baskets_together": int(row.together),
                   "baskets_with_a": int(row.baskets_a), "p_b_given_a": round(row.confidence, 3),
                   "p_b_given_a_ci95": [round(row.ci_low, 3), round(row.ci_high, 3)], "raw_lift": round(row.lift, 1),
                   "lift": round(row.shrunk_lift, 1), "lift_ci95": [round(row.lift_ci_low, 1), round(row.lift_ci_high, 1)],
                   "p_a_given_b_shrunk": None if np.isnan(row.mirror_confidence) else round(row.mirror_confidence, 3)}
        rule = _rule(f"bundle-{row.item_a}-{row.item_b}", "pin", Target(item_ids=(row.item_b,)), today=today, days=28,
                     scope=Scope(categories=(cat.get(row.item_a, ""),), surfaces=("recommendations",)), position=2,
                     note=f"goes with {row.item_a}")
        title = (f"Show {row.item_b} with {row.item_a} (bought together by {int(row.together)} customers; "
                 f"lift {row.shrunk_lift:.1f}, 95% {row.lift_ci_low:.1f}-{row.lift_ci_high:.1f})")
        out.append(Proposal("bundle", title, figures,
                            Change(f"pin {row.item_b} in {cat.get(row.item_a)} recommendations", rules=RuleSet(rules=(rule,)))))
    return out


def slow_mover_candidates(shop: ShopData, inventory: pd.DataFrame, today: Any, limit: int,
                          per_proposal: int = 10) -> list[Proposal]:
    slow = slow_movers(inventory)
    elasticity = price_elasticity(shop).set_index("category")
    out = []
    for cat, group in slow.groupby("category"):
        pick = group.sort_values(["views_recent", "stock_value"], ascending=False).head(per_proposal)
        discount = float(min(0.15, pick["margin_headroom"].median()))
        e = elasticity.loc[cat] if cat in elasticity.index else None
        figures: dict[str, Any] = {
            "category": cat, "items": list(pick["item_id"]), "stock_value_tied": round(float(pick["stock_value"].sum()), 2),
            "median_margin_headroom": round(float(pick["margin_headroom"].median()), 3),
            "suggested_discount": round(discount, 3), "views_last_28d": int(pick["views_recent"].sum()),
            "units_sold_last_28d": int(pick["units_recent"].sum()),
        }
        if e is not None and e["status"] == "estimated":
            lift = [(1 - discount) ** float(x) - 1 for x in (e["elasticity"], e["ci_high"], e["ci_low"])]
            figures |= {"elasticity": round(float(e["elasticity"]), 3),
                        "elasticity_ci95": [round(float(e["ci_low"]), 3), round(float(e["ci_high"]), 3)],
                        "units_lift_from_discount": round(lift[0], 3), "units_lift_ci95": [round(lift[1], 3), round(lift[2], 3)]}
        else:
            figures["elasticity"] = "not enough price variation in the logs; the discount's effect is not simulated"
        rule = _rule(f"push-slow-{cat}".replace(" ", "-"), "boost", Target(item_ids=tuple(pick["item_id"])), today=today,
                     days=28, multiplier=SLOW_MOVER_BOOST, note=f"slow movers; suggested discount {discount:.0%}")
        out.append(Proposal("slow movers", f"Push {len(pick)} slow movers in '{cat}' (x{SLOW_MOVER_BOOST:g} visibility, {discount:.0%} off)",
                            figures, Change(f"push slow movers in {cat}", rules=RuleSet(rules=(rule,)))))
    out.sort(key=lambda p: -p.figures["stock_value_tied"])
    return out[:limit]


def segment_candidates(model: SegmentModel, today: Any, limit: int) -> list[Proposal]:
    out = []
    for seg in sorted(model.segments_, key=lambda s: -s.users)[:limit]:
        fav = next(iter(seg.top_categories))
        figures = {"segment": seg.name, "users": seg.users, "description": seg.description,
                   "favourite_category": fav, "share_of_activity": seg.top_categories[fav]}
        rule = _rule(f"segment-{seg.segment_id}-{fav}".replace(" ", "-"), "boost", Target(categories=(fav,)),
                     today=today, days=28, scope=Scope(segments=(seg.name,)), multiplier=1.5)
        out.append(Proposal("segment", f"Show '{seg.name}' more {fav} (x1.5)", figures,
                            Change(f"{seg.name}: boost {fav}", rules=RuleSet(rules=(rule,)))))
    return out


def propose(shop: ShopData, *, days: int = 30, max_per_kind: int = 2, n_boot: int = 500, seed: int = 0,
            segments: SegmentModel | None = None, progress: bool = False, plan: bool = True) -> list[Proposal]:
    """Candidate strategies, each simulated on the last ``days`` days: the proposed ones first,
    best expected margin first, then those the replay says no to. ``plan`` adds each one's test
    plan (A/B, CUPED A/B and interleaving sessions; a few seconds each)."""
    if shop.events.empty:
        raise StrategyError("the shop has no events; proposals need a behaviour log")
    today = shop.events["timestamp"].max().date()
    inventory = inventory_signals(shop)
    candidates = rising_candidates(shop, inventory, today, max_per_kind)
    candidates += bundle_candidates(shop, today, max_per_kind)
    candidates += slow_mover_candidates(shop, inventory, today, max_per_kind)
    user_segments: dict[str, str] = {}
    if segments is None and len(shop.users) >= 100:
        segments = SegmentModel().fit(shop)
    if segments is not None:
        user_segments = segments.segment_names()
        candidates += segment_candidates(segments, today, max_per_kind)
    setup = prepare_replay(shop, days=days)
    for prop in tqdm(candidates, desc="simulating proposals", disable=not progress):
        report = replay(shop, prop.change, setup=setup, user_segments=user_segments, n_boot=n_boot, seed=seed)
        prop.impact = {r.metric: {"delta": float(r.delta), "ci_low": float(r.ci_low), "ci_high": float(r.ci_high),
                                  "before": float(r.before)} for r in report.metrics.itertuples()}
        prop.expected_value = float(report.delta("margin")[0])
        if prop.impact["margin"]["ci_high"] < 0:
            prop.status = REPLAY_SAYS_NO
        if plan:
            prop.test_plan = plan_experiment(shop, setup, report, prop.change, user_segments=user_segments, seed=seed)
        base = prop.impact["revenue"]["before"]
        prop.figures["simulated_revenue_change"] = round(prop.impact["revenue"]["delta"] / base, 5) if base else None
    return sorted(candidates, key=lambda p: (p.status != PROPOSED, -p.expected_value))


def _compact(n: float | None) -> str:
    if n is None:
        return "-"
    for size, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return f"{n:.0f}"


def _days(n: int | None) -> str:
    return "-" if n is None else (">10 y" if n > 3650 else f"{n:,}")


def proposals_table(proposals: list[Proposal]) -> str:
    """Proposed wins first, then "looks tempting, replay says no"; sessions and days each test
    needs (A/B on revenue, CUPED A/B, interleaving on clicks)."""
    head = (f"{'#':>2}  {'proposal':<58}{'margin Δ (95% CI)':>24}   {'sessions A/B | CUPED | interleaving':<36}"
            f"{'days A/B | CUPED | interleaving'}")
    lines = []
    groups = [("Proposed", [p for p in proposals if p.status == PROPOSED]),
              ("Looks tempting, replay says no (margin's 95% interval is below zero)",
               [p for p in proposals if p.status != PROPOSED])]
    n = 0
    for label, group in groups:
        if not group:
            continue
        lines += [label, head]
        for p in group:
            n += 1
            m = p.impact.get("margin", {})
            ci = f"{m.get('delta', 0):+.0f} [{m.get('ci_low', 0):+.0f}, {m.get('ci_high', 0):+.0f}]"
            t = p.test_plan
            cells = " | ".join(_compact(x) for x in ((t.ab_sessions, t.cuped_sessions, t.interleaving_sessions)
                                                   if t else (None,) * 3))
            days = " | ".join(_days(None if t is None else t.days.get(k)) for k in ("ab", "cuped", "interleaving"))
            lines.append(f"{n:>2}  {p.title[:56]:<58}{ci:>24}   {cells:<36}{days}")
        lines.append("")
    lines.append("Sessions: the whole test (both arms for A/B) to detect the replayed change with 80% power at "
                 "alpha 0.05; A/B and CUPED on revenue per user, interleaving on click preference; days at the "
                 "shop's session rate, at least 7 (a full week).")
    return "\n".join(lines)
