"""segment_profile: a customer's taste segment and profile from the strategy engine."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.registry import Plan, Tool, phrasings, register
from assistant.agent.tools.render import fmt, listing, usd
from assistant.agent.tools.result import ToolResult, money, pct


class Args(BaseModel):
    user_id: str | None = Field(default=None, description="the customer id, e.g. U00044 (none: every segment)")


def overview(service: Any) -> ToolResult:
    """Every customer segment: name, size, price band and top categories."""
    table = service.strategy.segment_table()
    total = int(table["users"].sum()) if len(table) else 0
    rows = [{"segment": str(r["name"]), "users": int(r["users"]), "share_pct": pct(r["users"] / total if total else 0, 0),
             "price_band": r["price_band"], "description": str(r["description"]),
             "top_categories": {k: pct(v, 0) for k, v in dict(r["top_categories"]).items()}}
            for _, r in table.sort_values("users", ascending=False).iterrows()]
    return ToolResult("segment_profile", {}, {"segments": rows, "users": total},
                      [f"segment:{r['segment']}" for r in rows])


def run(service: Any, user_id: str | None = None) -> ToolResult:
    if user_id is None:
        return overview(service)
    service.check_user(user_id)
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
    if "segments" in f:
        if not f["segments"]:
            return "There are too few active customers to form segments."
        lines = [f"- {r['segment']}: {fmt(r['users'])} customers ({fmt(r['share_pct'])}%), {r['description']}"
                 for r in f["segments"]]
        return (f"{len(f['segments'])} customer segments over {fmt(f['users'])} customers, largest first:\n"
                + "\n".join(lines) + "\nName a customer for their own profile.")
    cats = listing([f"{k} ({fmt(v)}%)" for k, v in f["favourite_categories"].items()]) if f["favourite_categories"] else ""
    brands = listing([f"{k} {fmt(v)}%" for k, v in f["favourite_brands"].items()]) if f["favourite_brands"] else ""
    own = [f"mostly shops {cats}" if cats else "", f"favourite brands {brands}" if brands else "",
           f"in the {f['price_band']} price band" if f.get("price_band") else ""]
    text = (f"{f['user_id']} belongs to the segment \"{f['segment']}\": {f['segment_description']}.")
    if any(own):
        text += f" {f['user_id']} " + ", ".join(x for x in own if x) + "."
    history = []
    if f.get("orders") is not None:
        orders = f"{f['orders']} order{'' if f['orders'] == 1 else 's'}"
        history.append(orders + (f" worth {usd(f['revenue'])}" if f.get("revenue") is not None else ""))
    if f.get("rfm_segment"):
        history.append(f"RFM segment {f['rfm_segment']}")
    if f.get("days_since_last_activity") is not None:
        history.append(f"last active {fmt(f['days_since_last_activity'])} days before the log ends")
    if history:
        text += " " + history[0][:1].upper() + history[0][1:] + "".join(f"; {h}" for h in history[1:]) + "."
    return text


def plan(slots: Any, question: str, user: str | None) -> Plan:
    user = slots.user_id or user
    if not user:  # no customer named: the segments themselves
        return Plan("segment_profile", {})
    return Plan("segment_profile", {"user_id": user})


TOOL = register(Tool(
    name="segment_profile",
    label="a customer's segment and profile",
    description="A user's segment and profile: favourite categories and brands, price band, RFM, recency; "
                "without a user, every segment with its size.",
    args=Args, run=run, template=template, plan=plan,
    examples=phrasings("segment_profile"),
))
