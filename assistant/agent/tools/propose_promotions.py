"""propose_promotions: promotion proposals from the strategy engine, each with simulated impact."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from assistant.agent.tools.registry import Plan, Tool, phrasings, register
from assistant.agent.tools.render import fmt, pct_text, usd
from assistant.agent.tools.result import ToolResult, money, pct, product_brief


class Args(BaseModel):
    category: str | None = None
    top: int = 3


def _r(x: Any) -> float | None:
    try:
        return round(float(x), 2)
    except (TypeError, ValueError):
        return None


def _basis(kind: str, figures: dict[str, Any]) -> dict[str, Any]:
    """The data behind a proposal, as figures a merchandiser reads (money to cents, percentages)."""
    g = figures or {}
    try:
        if kind == "slow movers":
            return {"items": len(g.get("items", [])), "stock_value_tied": money(g["stock_value_tied"]),
                    "views": int(g["views_last_28d"]), "units_sold": int(g["units_sold_last_28d"]), "days": 28,
                    "margin_headroom_pct": pct(g["median_margin_headroom"])}
        if kind == "segment":
            return {"segment": g["segment"], "users": int(g["users"]), "category": g["favourite_category"],
                    "share_of_activity_pct": pct(g["share_of_activity"])}
        if kind == "boost rising":
            low, high = g.get("growth_ci95", [None, None])
            return {"category": g["category"], "weekly_growth_pct": pct(g["weekly_growth"]),
                    "ci_low_pct": None if low is None else pct(low), "ci_high_pct": None if high is None else pct(high),
                    "items_in_stock": int(g["items_in_stock"]), "items": int(g["items"])}
        if kind == "bundle":
            low, high = g.get("lift_ci95") or [None, None]
            return {"item_a": g["item_a"], "item_b": g["item_b"], "baskets_together": int(g["baskets_together"]),
                    "baskets_with_a": int(g["baskets_with_a"]), "p_b_given_a_pct": pct(g["p_b_given_a"]),
                    "lift": g["lift"], "lift_ci_low": low, "lift_ci_high": high}
    except (KeyError, TypeError, ValueError):
        pass
    return {}


def run(service: Any, category: str | None = None, top: int = 3) -> ToolResult:
    engine = service.strategy
    props = engine.proposals()
    if category:
        props = [p for p in props if category.lower() in (str(p.get("title", "")) + " " + str(p.get("figures", ""))).lower()]
    declined = [p for p in props if p.get("status", "proposed") != "proposed"]
    props = [p for p in props if p.get("status", "proposed") == "proposed"]
    rows = []
    for p in props[:top]:
        impact = dict(p.get("impact", {}))
        rev, mar = impact.get("revenue", {}), impact.get("margin", {})
        plan = p.get("test_plan") or {}
        days = plan.get("days") or {}
        row = {"kind": p["kind"], "title": p["title"], "expected_margin_change": money(p.get("expected_value", 0.0)),
               "revenue_delta": _r(rev.get("delta")), "revenue_ci_low": _r(rev.get("ci_low")),
               "revenue_ci_high": _r(rev.get("ci_high")),
               "test_sessions": {m: plan.get(f"{m}_sessions") for m in ("ab", "cuped", "interleaving")},
               "test_days": {m: days.get(m) for m in ("ab", "cuped", "interleaving")},
               "basis": _basis(str(p["kind"]), dict(p.get("figures") or {}))}
        reading = {"margin": usd(row["expected_margin_change"], signed=True)}
        if mar.get("ci_low") is not None and mar.get("ci_high") is not None:
            reading["margin_interval"] = f"{usd(mar['ci_low'], signed=True)} to {usd(mar['ci_high'], signed=True)}"
        if row["revenue_delta"] is not None:
            reading["revenue"] = usd(row["revenue_delta"], signed=True)
        if row["revenue_ci_low"] is not None and row["revenue_ci_high"] is not None:
            reading["revenue_interval"] = (f"{usd(row['revenue_ci_low'], signed=True)} to "
                                           f"{usd(row['revenue_ci_high'], signed=True)}")
        if row["basis"].get("stock_value_tied") is not None:
            reading["stock_value_tied"] = usd(row["basis"]["stock_value_tied"])
        row["reading"] = reading
        rows.append(row)
    facts: dict[str, Any] = {"category": category, "proposals": rows, "ci_level_pct": 95, "source": engine.proposals_source,
                             "replay_says_no": [_declined(p) for p in declined[:3]]}
    citations = [f"proposal:{r['kind']}" for r in rows]
    if category and not rows:  # nothing simulated concerns it: its slow movers with margin headroom
        from recsys_core.strategy.engine import STOCK_WINDOW_DAYS

        slow = engine.slow_movers(category=category)
        facts["window_days"] = STOCK_WINDOW_DAYS
        facts["slow_movers"] = [{**product_brief(service, str(s.item_id)), "units_sold": int(s.units_recent),
                                 "stock": int(s.stock), "margin_pct": pct(s.margin, 0)} for s in slow.itertuples()]
        citations = [r["item_id"] for r in facts["slow_movers"]]
    return ToolResult("propose_promotions", {"category": category}, facts, citations)


def _declined(p: dict[str, Any]) -> dict[str, Any]:
    """A proposal the replay rejects, with its margin interval in words (as the answer says it)."""
    lo, hi = money(p["impact"]["margin"]["ci_low"]), money(p["impact"]["margin"]["ci_high"])
    return {"title": p["title"], "margin_ci_low": lo, "margin_ci_high": hi,
            "margin_interval": f"{usd(lo, signed=True)} to {usd(hi, signed=True)}"}


def _basis_text(kind: str, b: dict[str, Any], reading: dict[str, str], ci: int) -> str:
    if not b:
        return ""
    if kind == "slow movers":
        return (f"{b['items']} items tie up {reading.get('stock_value_tied', fmt(b['stock_value_tied']))} of stock and "
                f"sold {b['units_sold']} units from {b['views']} views in the last {b['days']} days; median margin "
                f"headroom {fmt(b['margin_headroom_pct'])}%")
    if kind == "segment":
        return (f"{b['users']} customers in '{b['segment']}'; {b['category']} is {fmt(b['share_of_activity_pct'])}% "
                f"of their activity")
    if kind == "boost rising":
        ci_text = (f" ({ci}% interval {pct_text(b['ci_low_pct'], signed_=True)} to "
                   f"{pct_text(b['ci_high_pct'], signed_=True)})" if b.get("ci_low_pct") is not None else "")
        return (f"{b['category']} views grow {pct_text(b['weekly_growth_pct'], signed_=True)} a week{ci_text}; "
                f"{b['items_in_stock']} of {b['items']} items in stock")
    if kind == "bundle":
        ci_text = (f" ({ci}% interval {fmt(b['lift_ci_low'])} to {fmt(b['lift_ci_high'])})"
                   if b.get("lift_ci_low") is not None else "")
        return (f"{b['item_b']} was in {b['baskets_together']} of the {b['baskets_with_a']} baskets with "
                f"{b['item_a']} ({fmt(b['p_b_given_a_pct'])}%), shrunk lift {fmt(b['lift'])}{ci_text}")
    return ""


def template(f: dict[str, Any]) -> str:
    where = f" for {f['category']}" if f.get("category") else ""
    ci = f["ci_level_pct"]
    if f.get("slow_movers") is not None:
        rows = [f"- {r['item_id']} {r['title']}: {r['units_sold']} sold in {f['window_days']} days, {r['stock']} in "
                f"stock, margin {fmt(r['margin_pct'])}%" for r in f["slow_movers"]]
        return (f"No simulated proposal concerns {f['category']}. Its slow movers with margin headroom"
                + (":\n" + "\n".join(rows) if rows else ": none found."))
    if not f["proposals"]:
        return f"I found no promotion proposals{where}."
    lines = []
    for p in f["proposals"]:
        r = p.get("reading") or {}
        basis = _basis_text(p["kind"], p.get("basis") or {}, r, ci)
        impact = f"margin {r.get('margin', fmt(p['expected_margin_change']))}"
        if r.get("margin_interval"):
            impact += f" ({ci}% interval {r['margin_interval']})"
        if r.get("revenue"):
            impact += f", revenue {r['revenue']}" + (f" ({ci}% interval {r['revenue_interval']})"
                                                     if r.get("revenue_interval") else "")
        lines.append(f"- {p['title']}." + (f" Data: {basis}." if basis else "") + f" Simulated: {impact}"
                     + _test_text(p.get("test_sessions") or {}, p.get("test_days") or {}) + ".")
    text = f"Promotion proposals{where}, highest expected margin at the top:\n" + "\n".join(lines)
    if f.get("replay_says_no"):
        text += ("\nLooks tempting, but the replay says no (margin's whole interval below zero): "
                 + "; ".join(f"{r['title']} (margin {r['margin_interval']})" for r in f["replay_says_no"]) + ".")
    return text


def _test_text(sessions: dict[str, Any], days: dict[str, Any]) -> str:
    parts = [f"{label} about {sessions[m]:,} visits ({days[m]:,} days)" for m, label in
             (("interleaving", "interleaving"), ("cuped", "CUPED A/B"), ("ab", "A/B"))
             if sessions.get(m) and days.get(m)]
    return ("; visits a live test needs before the difference is trustworthy: " + ", ".join(parts)) if parts else ""


def plan(slots: Any, question: str, user: str | None) -> Plan:
    return Plan("propose_promotions", {"category": slots.category})


TOOL = register(Tool(
    name="propose_promotions",
    label="promotion ideas from the data",
    description="Promotion proposals from the data (rising items, bundles, slow movers, segments) with simulated impact.",
    args=Args, run=run, template=template, plan=plan, structured=True,
    examples=phrasings("propose_promotions"),
))
