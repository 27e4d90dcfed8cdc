"""Tools backed by the strategy engine (recsys_core.strategy): segments, what-if replay, proposals.

The engine's results are cached on the workspace services (they take seconds to compute); each
tool turns them into plain, rounded facts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from assistant.agent.results import ToolResult, money, pct
from assistant.agent.services import ShopServices

if TYPE_CHECKING:
    import pandas as pd


def _r(x: Any, digits: int = 2) -> float | None:
    try:
        return round(float(x), digits)
    except (TypeError, ValueError):
        return None


def engine_segment_profile(svc: ShopServices, user_id: str) -> ToolResult:
    """The user's segment and profile from the fitted segment model."""
    p = svc.segments.profile(svc.shop, user_id)
    facts = {"user_id": user_id, "segment": p["segment"], "segment_description": p["segment_description"],
             "favourite_categories": {k: pct(v, 0) for k, v in dict(p["favourite_categories"]).items()},
             "favourite_brands": {k: pct(v, 0) for k, v in dict(p["favourite_brands"]).items()},
             "price_band": p["price_band"], "days_since_last_activity": _r(p["days_since_last_activity"], 0),
             "rfm_segment": p["rfm_segment"], "orders": p["orders"],
             "revenue": None if p["revenue"] is None else money(p["revenue"])}
    return ToolResult("segment_profile", {"user_id": user_id}, facts, [user_id, f"segment:{p['segment']}"])


def engine_whatif(svc: ShopServices, percent: float, brand: str | None = None, category: str | None = None,
                  item_id: str | None = None) -> ToolResult:
    """Replay the last 30 days of logged lists with and without a boost (click model, bootstrap 95% CI)."""
    from recsys_core.strategy.rules import Rule, RuleSet, Target
    from recsys_core.strategy.whatif import Change, replay

    target = Target(brands=(brand,) if brand else (), categories=(category,) if category and not brand else (),
                    item_ids=(item_id,) if item_id and not (brand or category) else ())
    what = brand or category or item_id
    change = Change(name=f"boost {what} by {percent:g}%", rules=RuleSet(rules=(
        Rule(id="assistant-whatif", action="boost", target=target, multiplier=1 + percent / 100.0),)))
    rep = replay(svc.shop, change, setup=svc.replay_setup, n_boot=200, seed=0)
    metrics = [{"metric": str(m.metric), "before": _r(m.before), "after": _r(m.after), "delta": _r(m.delta),
                "ci_low": _r(m.ci_low), "ci_high": _r(m.ci_high)} for m in rep.metrics.itertuples()]
    moved = [{"level": str(e.level), "key": str(e.key), "before_pct": pct(e.before_share), "after_pct": pct(e.after_share)}
             for e in rep.exposure.head(3).itertuples()]
    facts = {"change": change.name, "period": list(rep.period), "sessions": rep.sessions, "lists": rep.lists,
             "lists_changed": rep.lists_changed, "metrics": metrics, "exposure_moved": moved, "ci_level_pct": 95}
    return ToolResult("whatif", {"percent": percent, "brand": brand, "category": category, "item_id": item_id},
                      facts, ["whatif:replay"])


def engine_proposals(svc: ShopServices, category: str | None = None, top: int = 3) -> ToolResult | None:
    """Candidate strategies from the data, each with simulated impact and an A/B plan, best first.

    None when a category is asked for and no proposal concerns it (the caller then lists slow movers).
    """
    props = svc.proposals
    if category:
        props = [p for p in props if category.lower() in (str(p.get("title", "")) + " " + str(p.get("figures", ""))).lower()]
        if not props:
            return None
    rows = []
    for p in props[:top]:
        rev = dict(p.get("impact", {})).get("revenue", {})
        plan = p.get("ab_plan") or {}
        rows.append({"kind": p["kind"], "title": p["title"], "expected_margin_change": money(p.get("expected_value", 0.0)),
                     "revenue_delta": _r(rev.get("delta")), "revenue_ci_low": _r(rev.get("ci_low")),
                     "revenue_ci_high": _r(rev.get("ci_high")), "ab_sessions_per_arm": plan.get("per_arm")})
    facts = {"category": category, "proposals": rows, "ci_level_pct": 95, "source": svc.proposals_source}
    return ToolResult("propose_promotions", {"category": category}, facts, [f"proposal:{r['kind']}" for r in rows])


def _recent_lists(svc: ShopServices, days: int) -> list[list[str]]:
    """Logged lists (item ids in shown order) of the last ``days`` days, computed once per services."""
    import pandas as pd

    from recsys_core.strategy.clickmodel import logged_lists
    from recsys_core.strategy.whatif import split_lists

    cache = svc.__dict__.setdefault("_recent_lists", {})
    if days not in cache:
        ev = svc.shop.events
        recent = ev[ev["timestamp"] >= ev["timestamp"].max() - pd.Timedelta(days=days)]
        frame = split_lists(logged_lists(recent))
        cache[days] = [g["item_id"].astype(str).tolist() for _, g in frame.groupby("list_id", sort=False)]
    return cache[days]


def engine_exposure(svc: ShopServices, category: str | None = None, product_type: str | None = None,
                    k: int = 10, days: int = 30) -> ToolResult:
    """Position-weighted top-k exposure per brand in logged lists, Gini over items, never-shown items."""
    from recsys_core.strategy.exposure import exposure_audit

    p = svc.shop.products
    scope = p
    if category:
        scope = scope[scope["category"].astype(str).str.lower() == category.lower()]
    if product_type:
        scope = scope[scope["title"].astype(str).str.lower().str.contains(product_type.rstrip("s"), regex=False)]
    in_scope = set(scope["item_id"].astype(str))
    lists = [items for items in ([i for i in shown if i in in_scope] for shown in _recent_lists(svc, days)) if items]
    audit = exposure_audit(lists, scope, k=k)
    shares = cast("pd.Series", audit["brand_share"]).head(5)
    scope_facts = {"category": category, "product_type": product_type, "top_k": k, "days": days}
    facts = {"scope": scope_facts, "lists": len(lists), "items_in_scope": len(scope),
             "brand_shares": [{"brand": str(b), "share_pct": pct(s)} for b, s in shares.items()],
             "gini": round(float(cast(float, audit["gini_items"])), 2), "never_shown": int(cast(int, audit["never_shown"])),
             "weighting": "position-weighted (1/log2(position+2))"}
    return ToolResult("exposure_audit", scope_facts, facts, ["events:impressions"])
