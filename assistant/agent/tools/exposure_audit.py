"""exposure_audit: who gets the top-k attention in a scope: brand shares, Gini, never-shown items."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.registry import Plan, Tool, register
from assistant.agent.tools.render import fmt
from assistant.agent.tools.result import ToolResult, pct


class Args(BaseModel):
    category: str | None = None
    product_type: str | None = Field(default=None, description="a product word of the titles, e.g. tent")
    k: int = Field(default=10, ge=1, le=100)


def run(service: Any, category: str | None = None, product_type: str | None = None, k: int = 10) -> ToolResult:
    audit = service.strategy.exposure(category=category, product_type=product_type, k=k)
    scope = {"category": category, "product_type": product_type, "top_k": k, "days": audit["days"]}
    facts = {"scope": scope, "lists": audit["lists"], "items_in_scope": audit["items_in_scope"],
             "brand_shares": [{"brand": str(b), "share_pct": pct(s)} for b, s in audit["brand_share"].head(5).items()],
             "gini": round(float(audit["gini_items"]), 2), "never_shown": int(audit["never_shown"]),
             "weighting": "position-weighted (1/log2(position+2))"}
    return ToolResult("exposure_audit", scope, facts, ["events:impressions"])


def template(f: dict[str, Any]) -> str:
    s = f["scope"]
    scope = " ".join(x for x in (s.get("category"), s.get("product_type")) if x) or "all products"
    shares = ", ".join(f"{b['brand']} {fmt(b['share_pct'])}%" for b in f["brand_shares"]) or "no impressions"
    return (f"Top-{s['top_k']} exposure in {scope} over the last {s['days']} days ({f['lists']} logged lists, "
            f"{f['weighting']}): {shares}; Gini {fmt(f['gini'])}; {f['never_shown']} of {f['items_in_scope']} "
            f"items never shown.")


def plan(slots: Any, question: str, user: str | None) -> Plan:
    return Plan("exposure_audit", {"category": slots.category,
                                   "product_type": slots.product_type, "k": slots.k or 10})


TOOL = register(Tool(
    name="exposure_audit",
    description="Who gets the top-k exposure in a scope (category or product type): brand shares, Gini, never shown.",
    args=Args, run=run, template=template, plan=plan, priority=10, structured=True,
    patterns=(r"\bexposure\b", r"\bdominat", r"\bgini\b", r"never (?:shown|displayed|seen)",
              r"share of (?:the )?top", r"\bover-?exposed\b", r"\bunder-?exposed\b", r"\baudit\b"),
    examples=("Which brands dominate top-10 exposure in tents?", "exposure audit for electronics",
              "which items are never shown in office?"),
))
