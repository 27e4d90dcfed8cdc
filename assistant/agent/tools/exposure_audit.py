"""exposure_audit: who gets the top-k attention in a scope: brand shares, Gini, never-shown items."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.registry import Plan, Tool, phrasings, register
from assistant.agent.tools.render import concentration, fmt, listing
from assistant.agent.tools.result import ToolResult, pct


class Args(BaseModel):
    category: str | None = None
    product_type: str | None = Field(default=None, description="a product word of the titles, e.g. tent")
    brand: str | None = Field(default=None, description="how this brand fares: its exposure against its share of items")
    k: int = Field(default=10, ge=1, le=100)


def run(service: Any, category: str | None = None, product_type: str | None = None, k: int = 10,
        brand: str | None = None) -> ToolResult:
    audit = service.strategy.exposure(category=category, product_type=product_type, k=k)
    scope = {"category": category, "product_type": product_type, "top_k": k, "days": audit["days"]}
    facts = {"scope": scope, "lists": audit["lists"], "items_in_scope": audit["items_in_scope"],
             "brand_shares": [{"brand": str(b), "share_pct": pct(s)} for b, s in audit["brand_share"].head(5).items()],
             "gini": round(float(audit["gini_items"]), 2), "never_shown": int(audit["never_shown"]),
             "weighting": "position-weighted (1/log2(position+2))"}
    facts["concentration"] = concentration(facts["gini"])
    if brand:
        shares = audit["brand_share"]
        ranked = [str(b) for b in shares.index]
        facts["brand"] = {"brand": brand, "share_pct": pct(float(shares.get(brand, 0.0))),
                          "items_share_pct": pct(float(audit["brand_catalogue_share"].get(brand, 0.0))),
                          "rank": ranked.index(brand) + 1 if brand in ranked else None, "brands": len(ranked)}
        scope = {**scope, "brand": brand}
    return ToolResult("exposure_audit", scope, facts, ["events:impressions"])


def template(f: dict[str, Any]) -> str:
    s = f["scope"]
    scope = " ".join(x for x in (s.get("category"), s.get("product_type")) if x) or "all products"
    rows = f["brand_shares"]
    if not rows:
        return f"No top-{s['top_k']} impressions were logged in {scope} over the last {s['days']} days."
    first = rows[0]
    if first["share_pct"] >= 50 or len(rows) == 1:
        head = f"{first['brand']} dominates"
        shown, rest = [first], rows[1:3]
    elif len(rows) > 1 and first["share_pct"] + rows[1]["share_pct"] >= 60:
        head = f"{first['brand']} and {rows[1]['brand']} dominate"
        shown, rest = rows[:2], rows[2:4]
    else:
        head = f"{first['brand']} leads"
        shown, rest = [first], rows[1:3]
    share = listing([f"{b['brand']} {fmt(b['share_pct'])}%" for b in shown])
    others = listing([f"{b['brand']} {fmt(b['share_pct'])}%" for b in rest]) if rest else ""
    after = f", then {others}" if rest else ""
    focus = ""
    if f.get("brand"):
        b = f["brand"]
        if not b["items_share_pct"]:
            focus = f"{b['brand']} has no items in {scope}. "
        else:
            ratio = b["share_pct"] / b["items_share_pct"]
            verdict = ("over-exposed" if ratio >= 1.25 else "under-exposed" if ratio <= 0.8 else "about its fair share")
            place = f", #{b['rank']} of {b['brands']} brands" if b["rank"] else ", never in a top-" + str(s["top_k"])
            focus = (f"{b['brand']} is {verdict} in {scope}: {fmt(b['share_pct'])}% of top-{s['top_k']} exposure"
                     f"{place}, for {fmt(b['items_share_pct'])}% of the items. ")
    never = ("every item was shown at least once" if not f["never_shown"]
             else f"{f['never_shown']} of {f['items_in_scope']} items were never shown")
    return (f"{focus}{head} top-{s['top_k']} exposure in {scope}: {share}{after}. Exposure across the "
            f"{f['items_in_scope']} items in scope is {f['concentration']} (Gini {fmt(f['gini'])}) and {never}. "
            f"Based on {f['lists']} logged lists over the last {s['days']} days, higher positions counting more.")


def plan(slots: Any, question: str, user: str | None) -> Plan:
    kind = slots.product_type
    if kind and slots.category and kind.lower().rstrip("s") in slots.category.lower():
        kind = None  # "audit toys": the category, not titles containing "toy"
    args = {"category": slots.category, "product_type": kind, "k": slots.k or 10}
    if slots.brands:
        args["brand"] = slots.brands[0]
    return Plan("exposure_audit", args)


TOOL = register(Tool(
    name="exposure_audit",
    label="an exposure audit (who gets shown)",
    description="Who gets the top-k exposure in a scope (category or product type): brand shares, Gini, never "
                "shown; for a brand, its exposure against its share of the items.",
    args=Args, run=run, template=template, plan=plan, structured=True,
    examples=phrasings("exposure_audit"),
))
