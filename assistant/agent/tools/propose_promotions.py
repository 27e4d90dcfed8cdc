"""propose_promotions: promotion proposals from the strategy engine, each with simulated impact."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from assistant.agent.tools.registry import Plan, Tool, register
from assistant.agent.tools.render import fmt
from assistant.agent.tools.result import ToolResult, money, pct, product_brief


class Args(BaseModel):
    category: str | None = None
    top: int = 3


def _r(x: Any) -> float | None:
    try:
        return round(float(x), 2)
    except (TypeError, ValueError):
        return None


def run(service: Any, category: str | None = None, top: int = 3) -> ToolResult:
    engine = service.strategy
    props = engine.proposals()
    if category:
        props = [p for p in props if category.lower() in (str(p.get("title", "")) + " " + str(p.get("figures", ""))).lower()]
    rows = []
    for p in props[:top]:
        rev = dict(p.get("impact", {})).get("revenue", {})
        plan = p.get("ab_plan") or {}
        rows.append({"kind": p["kind"], "title": p["title"], "expected_margin_change": money(p.get("expected_value", 0.0)),
                     "revenue_delta": _r(rev.get("delta")), "revenue_ci_low": _r(rev.get("ci_low")),
                     "revenue_ci_high": _r(rev.get("ci_high")), "ab_sessions_per_arm": plan.get("per_arm")})
    facts: dict[str, Any] = {"category": category, "proposals": rows, "ci_level_pct": 95, "source": engine.proposals_source}
    citations = [f"proposal:{r['kind']}" for r in rows]
    if category and not rows:  # nothing simulated concerns it: its slow movers with margin headroom
        from recsys_core.strategy.engine import STOCK_WINDOW_DAYS

        slow = engine.slow_movers(category=category)
        facts["window_days"] = STOCK_WINDOW_DAYS
        facts["slow_movers"] = [{**product_brief(service, str(s.item_id)), "units_sold": int(s.units_recent),
                                 "stock": int(s.stock), "margin_pct": pct(s.margin, 0)} for s in slow.itertuples()]
        citations = [r["item_id"] for r in facts["slow_movers"]]
    return ToolResult("propose_promotions", {"category": category}, facts, citations)


def template(f: dict[str, Any]) -> str:
    where = f" for {f['category']}" if f.get("category") else ""
    if f.get("slow_movers") is not None:
        rows = "; ".join(f"{r['item_id']} {r['title']}: {r['units_sold']} sold in {f['window_days']} days, {r['stock']} in stock, "
                         f"margin {fmt(r['margin_pct'])}%" for r in f["slow_movers"]) or "none found"
        return f"No simulated proposal concerns {f['category']}; its slow movers with margin headroom: {rows}."
    rows = "; ".join(
        f"{p['title']} ({p['kind']}): simulated margin change ${fmt(p['expected_margin_change'])}, revenue "
        f"change ${fmt(p['revenue_delta'])} ({f['ci_level_pct']}% CI {fmt(p['revenue_ci_low'])} to "
        f"{fmt(p['revenue_ci_high'])})" + (f", A/B test needs {p['ab_sessions_per_arm']} sessions per arm"
                                           if p.get("ab_sessions_per_arm") else "")
        for p in f["proposals"]) or "none found"
    return f"Proposals{where}, ordered by expected value: {rows}."


def plan(slots: Any, question: str, user: str | None) -> Plan:
    return Plan("propose_promotions", {"category": slots.category})


TOOL = register(Tool(
    name="propose_promotions",
    description="Promotion proposals from the data (rising items, bundles, slow movers, segments) with simulated impact.",
    args=Args, run=run, template=template, plan=plan, priority=30, structured=True,
    patterns=(r"\b(?:suggest|propose|recommend|ideas? for|brainstorm|plan)\b.{0,40}\b(?:promotion|promo|campaign|strateg|discount|bundle)",
              r"\bpromotion (?:ideas?|proposals?|candidates?)\b", r"\bslow[- ]movers?\b",
              r"\bwhat (?:should|could) (?:i|we) promote\b", r"\bhow (?:can|could|should) (?:i|we) (?:grow|increase|boost) (?:sales|revenue)"),
    examples=("Suggest a promotion for slow movers in home and kitchen", "propose promotions for toys",
              "What should we promote next week?"),
))
