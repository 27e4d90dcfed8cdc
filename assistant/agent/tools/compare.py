"""compare: why one item is above (or below) another, on the ranking a user or a query shows."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.recommend_for_user import MODEL
from assistant.agent.tools.registry import Plan, Tool, register
from assistant.agent.tools.render import components, fmt
from assistant.agent.tools.result import ToolResult, product_brief
from assistant.ranking import rank_text
from recsys_core.errors import UnknownIdError


class Args(BaseModel):
    item_a: str = Field(description="the first product id")
    item_b: str = Field(description="the second product id")
    user_id: str | None = Field(default=None, description="compare in this user's recommendations")
    query: str | None = Field(default=None, description="or in the results for this search")


def run(service: Any, item_a: str, item_b: str, user_id: str | None = None, query: str | None = None) -> ToolResult:
    titles = {i: product_brief(service, i)["title"] for i in (item_a, item_b)}
    args = {"item_a": item_a, "item_b": item_b}
    if query and not user_id:
        c = service.compare(item_a, item_b, query=query)
        facts: dict[str, Any] = {"item_a": item_a, "item_b": item_b, "titles": titles, "query": query,
                                 "rank_a": c["a"]["rank"], "rank_b": c["b"]["rank"], "passes_at": c["passes_at"],
                                 "ahead_by_stage": c["ahead_by_stage"], "a_above_b": c["a_above_b"]}
        return ToolResult("compare", {**args, "query": query}, facts, [item_a, item_b])
    if not user_id:
        raise UnknownIdError("user", None, "the question (name a user id or a search query to compare within)")
    c = service.compare(item_a, item_b, user_id=user_id)
    facts = {"item_a": item_a, "item_b": item_b, "titles": titles, "user_id": user_id,
             "rank_a": c["a"]["rank"], "rank_b": c["b"]["rank"], "score_a": round(c["a"]["score"], 4),
             "score_b": round(c["b"]["score"], 4), "a_above_b": c["a_above_b"],
             "component_difference": {n: round(v, 4) for n, v in c["difference"].items()},
             "decisive_component": c["decisive_component"], "rules_a": c["a"]["rules"], "rules_b": c["b"]["rules"],
             "model": MODEL}
    return ToolResult("compare", {**args, "user_id": user_id}, facts, [item_a, item_b])


def template(f: dict[str, Any]) -> str:
    a, b = f["item_a"], f["item_b"]
    ranks = f"{a} {rank_text(f['rank_a'])}, {b} {rank_text(f['rank_b'])}"
    if "query" in f and "user_id" not in f:
        if f["a_above_b"]:
            stage = f" from the {f['passes_at']} stage on" if f["passes_at"] else ""
            return f"For \"{f['query']}\", {a} is above {b}{stage} ({ranks})."
        return f"For \"{f['query']}\", {a} is not above {b} ({ranks}): " + ", ".join(
            f"{k} {'ahead' if v else 'behind'}" for k, v in f["ahead_by_stage"].items() if v is not None) + "."
    side = "above" if f["a_above_b"] else "not above"
    rules = "".join(f" {i}: {'; '.join(r)}." for i, r in ((a, f.get("rules_a")), (b, f.get("rules_b"))) if r)
    return (f"For {f['user_id']}, {a} ({rank_text(f['rank_a'])}, score {fmt(f['score_a'])}) is {side} {b} "
            f"({rank_text(f['rank_b'])}, score {fmt(f['score_b'])}); component differences: "
            f"{components(f['component_difference'])}; decisive: {f['decisive_component']}.{rules}")


def plan(slots: Any, question: str, user: str | None) -> Plan:
    if len(slots.item_ids) < 2:
        return Plan(None, ask="Which two items should I compare? Give both ids.")
    args: dict[str, Any] = {"item_a": slots.item_ids[0], "item_b": slots.item_ids[1]}
    if slots.user_id or user:
        args["user_id"] = slots.user_id or user
    elif slots.product_type:
        args["query"] = slots.product_type
    else:
        return Plan(None, ask="Compare them for which user or search query?")
    return Plan("compare", args)


def accepts(slots: Any, text: str) -> bool:
    return len(slots.item_ids) >= 2


TOOL = register(Tool(
    name="compare",
    description="Why item A ranks above (or below) item B: per-component difference (rules included) for a "
                "user, per-stage for a search query.",
    args=Args, run=run, template=template, plan=plan, accepts=accepts, priority=40,
    patterns=(r"\b(?:above|ahead of|higher than|before|over|below|lower than|outrank|beat)\b", r"\bcompare\b",
              r"\bvs\.?\b|\bversus\b"),
    examples=("Why is P00003 above P00007 for user 5?", "Why does P00100 rank higher than P00200 for user 40?",
              "Compare P00100 and P00101 for user 99", "Why is P00010 ahead of P00011 in tents?"),
))
