"""recommend_for_user: a user's top-k as shown (live rules applied), each score split into parts."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.registry import Plan, Tool, register
from assistant.agent.tools.render import fmt, items
from assistant.agent.tools.result import ToolResult, product_brief

MODEL = "hybrid recommender (exact attribution)"


class Args(BaseModel):
    user_id: str = Field(description="the customer id, e.g. U00017")
    k: int = Field(default=5, ge=1, le=50)


def run(service: Any, user_id: str, k: int = 5) -> ToolResult:
    recs = service.recommend(user_id, k=k)
    rows = [{**product_brief(service, r.item_id), "rank": r.rank, "score": round(r.score, 4),
             "components": {n: round(v, 4) for n, v in r.contributions.items()}} for r in recs]
    facts: dict[str, Any] = {"user_id": user_id, "model": MODEL, "results": rows}
    moved = {r.item_id: r.rules for r in recs if r.rules}
    if moved:
        facts["rule_effects"] = moved
    return ToolResult("recommend_for_user", {"user_id": user_id, "k": k}, facts, [r["item_id"] for r in rows])


def template(f: dict[str, Any]) -> str:
    def extra(r: dict[str, Any]) -> str:
        rules = f"; {'; '.join(f['rule_effects'][r['item_id']])}" if r["item_id"] in f.get("rule_effects", {}) else ""
        return f" (score {fmt(r['score'])}{rules})"

    return f"Recommended for {f['user_id']}: " + items(f["results"], extra) + f". Model: {f['model']}."


def plan(slots: Any, question: str, user: str | None) -> Plan:
    user = slots.user_id or user
    if not user:
        return Plan(None, ask="Which user? Give a user id, e.g. \"recommend for user 17\".")
    return Plan("recommend_for_user", {"user_id": user, "k": slots.k or 5})


def hand_over(slots: Any, text: str) -> str | None:
    return "propose_promotions" if re.search(r"\bpromotion|\bpromo\b|\bcampaign", text, re.I) else None


TOOL = register(Tool(
    name="recommend_for_user",
    description="Top-k items for a user as shown (live rules applied); each score's components sum to it.",
    args=Args, run=run, template=template, plan=plan, hand_over=hand_over, priority=80, structured=True,
    patterns=(r"\brecommend", r"\bsuggestions?\b", r"\bpicks?\b", r"\bwhat (?:should|would|could) .{0,30}\b(?:see|buy|like)\b",
              r"\bfor (?:user|customer)\b", r"\bpersonali[sz]ed\b"),
    examples=("Recommend something for user 17", "What should user 1200 see on the home page?",
              "top 10 picks for customer U00456", "personalised suggestions for user 9"),
))
