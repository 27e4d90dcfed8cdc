"""recommend_for_user: a user's top-k as shown (live rules applied), each score split into parts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.registry import Plan, Tool, phrasings, register
from assistant.agent.tools.render import because, drivers, fmt, sig
from assistant.agent.tools.result import ToolResult, product_brief

MODEL = "hybrid recommender (exact attribution)"


class Args(BaseModel):
    user_id: str = Field(description="the customer id, e.g. U00017")
    k: int = Field(default=5, ge=1, le=50)
    category: str | None = Field(default=None, description="only items of this category")
    brand: str | None = Field(default=None, description="only items of this brand")


def run(service: Any, user_id: str, k: int = 5, category: str | None = None, brand: str | None = None) -> ToolResult:
    only = {key: value for key, value in (("category", category), ("brand", brand)) if value}
    service.check_user(user_id)  # not a customer: said so, never the generic new-visitor list
    recs = service.recommend(user_id, k=k, filters=only or None)
    rows = [{**product_brief(service, r.item_id), "rank": r.rank, "score": round(r.score, 4),
             "components": {n: round(v, 4) for n, v in r.contributions.items()}, "score_rounded": sig(r.score)}
            for r in recs]
    facts: dict[str, Any] = {"user_id": user_id, "model": MODEL, "results": rows, **only}
    moved = {r.item_id: r.rules for r in recs if r.rules}
    if moved:
        facts["rule_effects"] = moved
    if recs:
        facts["top_drivers"] = drivers(recs[0].contributions)
    return ToolResult("recommend_for_user", {"user_id": user_id, "k": k, **only}, facts, [r["item_id"] for r in rows])


def template(f: dict[str, Any]) -> str:
    rows = f["results"]
    within = " and ".join(f"{key} {f[key]}" for key in ("category", "brand") if f.get(key))
    if not rows:
        return f"There are no recommendations for {f['user_id']}" + (f" in {within}." if within else ".")
    effects = f.get("rule_effects", {})
    lines = [f"#{r['rank']} {r['item_id']} {r['title']} (score {fmt(r['score_rounded'])})"
             + (f"; {'; '.join(effects[r['item_id']])}" if r["item_id"] in effects else "") for r in rows]
    top = rows[0]
    why = because(f.get("top_drivers") or [], top["score_rounded"], effects.get(top["item_id"]))
    return (f"Top {len(rows)} for {f['user_id']}" + (f" ({within} only)" if within else "") + ":\n" + "\n".join(lines)
            + f"\n{top['item_id']} is first {why}.")


def plan(slots: Any, question: str, user: str | None) -> Plan:
    user = slots.user_id or user
    if not user:
        return Plan(None, ask="Which user? Give a user id, e.g. \"recommend for user 17\".")
    args: dict[str, Any] = {"user_id": user, "k": slots.k or 5}
    if slots.categories:
        args["category"] = slots.categories[0]
    if slots.brands:
        args["brand"] = slots.brands[0]
    return Plan("recommend_for_user", args)


TOOL = register(Tool(
    name="recommend_for_user",
    label="a customer's recommendations",
    description="Top-k items for a user as shown (live rules applied), optionally within one category or brand; "
                "each score's components sum to it.",
    args=Args, run=run, template=template, plan=plan, structured=True,
    examples=phrasings("recommend_for_user"),
))
