"""segment_profile: a customer's taste segment and profile from the strategy engine."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.registry import Plan, Tool, register
from assistant.agent.tools.render import fmt, shares
from assistant.agent.tools.result import ToolResult, money, pct


class Args(BaseModel):
    user_id: str = Field(description="the customer id, e.g. U00044")


def run(service: Any, user_id: str) -> ToolResult:
    p = service.strategy.profile(user_id)
    days = p["days_since_last_activity"]
    facts = {"user_id": user_id, "segment": p["segment"], "segment_description": p["segment_description"],
             "favourite_categories": {k: pct(v, 0) for k, v in dict(p["favourite_categories"]).items()},
             "favourite_brands": {k: pct(v, 0) for k, v in dict(p["favourite_brands"]).items()},
             "price_band": p["price_band"], "days_since_last_activity": None if days is None else round(float(days)),
             "rfm_segment": p["rfm_segment"], "orders": p["orders"],
             "revenue": None if p["revenue"] is None else money(p["revenue"])}
    return ToolResult("segment_profile", {"user_id": user_id}, facts, [user_id, f"segment:{p['segment']}"])


def template(f: dict[str, Any]) -> str:
    spent = f", {f['orders']} orders worth ${fmt(f['revenue'])}" if f.get("revenue") is not None else ""
    return (f"{f['user_id']} is in the segment \"{f['segment']}\" ({f['segment_description']}). Favourite "
            f"categories: {shares(f['favourite_categories'])}; brands: {shares(f['favourite_brands'])}; price "
            f"band {f['price_band']}; RFM {f['rfm_segment']}{spent}; last active "
            f"{fmt(f['days_since_last_activity'])} days before the log ends.")


def plan(slots: Any, question: str, user: str | None) -> Plan:
    user = slots.user_id or user
    if not user:
        return Plan(None, ask="Which user's profile? Give a user id.")
    return Plan("segment_profile", {"user_id": user})


TOOL = register(Tool(
    name="segment_profile",
    description="A user's segment and profile: favourite categories and brands, price band, RFM, recency.",
    args=Args, run=run, template=template, plan=plan, priority=70,
    patterns=(r"\bsegments?\b", r"\bprofile\b", r"\bwho is (?:user|customer)\b", r"\bwhat kind of (?:customer|shopper|user)\b",
              r"\bcustomer types?\b", r"\bRFM\b", r"\bpersonas?\b"),
    examples=("What segment is user 44 in?", "profile of customer U01000", "what kind of customer is user 77?"),
))
