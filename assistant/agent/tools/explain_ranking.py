"""explain_ranking: why an item sits where the user sees it, for a user (score parts, rules,
evidence) or for a search query (stage ranks, matched terms, rules)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.recommend_for_user import MODEL
from assistant.agent.tools.registry import Plan, Tool, register
from assistant.agent.tools.render import components, fmt
from assistant.agent.tools.result import ToolResult, product_brief
from recsys_core.errors import UnknownIdError


class Args(BaseModel):
    item_id: str | None = Field(default=None, description="the product to explain, e.g. P00042")
    user_id: str | None = Field(default=None, description="explain it in this user's recommendations")
    query: str | None = Field(default=None, description="or in the results for this search")
    rank: int | None = Field(default=None, ge=1, le=200, description="or explain whatever is at this rank")


def evidence_lines(p: Any) -> list[str]:
    """The placement's evidence as short sentences (its source first)."""
    ev = p.evidence
    lines = [p.source] if p.source else []
    for e in ev.get("similar_history", [])[:2]:
        lines.append(f"similar to {e['item_id']} in the user's history (similarity {round(float(e['similarity']), 3)})")
    for e in ev.get("neighbour_items", [])[:2]:
        lines.append(f"often chosen with {e['item_id']}")
    trend = ev.get("trend")
    if isinstance(trend, dict) and isinstance(trend.get("log_growth"), int | float) and trend["log_growth"]:
        lines.append(f"interest {'rising' if trend['log_growth'] > 0 else 'falling'} (log growth "
                     f"{round(float(trend['log_growth']), 3)})")
    return lines


def run(service: Any, item_id: str | None = None, user_id: str | None = None, query: str | None = None,
        rank: int | None = None) -> ToolResult:
    if item_id is None:  # "why is #3 first for user 12": the item shown at that rank
        if not (user_id and rank):
            raise UnknownIdError("item", None, "the question (name an item id, or a user and a rank)")
        shown = service.recommend(user_id, k=rank)
        if len(shown) < rank:
            raise UnknownIdError("rank", rank, f"{user_id}'s recommendations ({len(shown)} shown)")
        item_id = shown[rank - 1].item_id
    brief = product_brief(service, item_id)
    if user_id:
        p = service.explain(user_id, item_id)
        parts = {n: round(v, 4) for n, v in p.contributions.items()}
        facts: dict[str, Any] = {**brief, "user_id": user_id, "rank": p.rank, "score": round(p.score, 4),
                                 "components": parts, "top_component": p.top_component(), "rules": p.rules,
                                 "evidence": evidence_lines(p), "model": MODEL, "already_in_history": p.rank == 0}
        if p.rank != p.model_rank:
            facts["model_rank"] = p.model_rank
        if p.rank is None:
            facts["note"] = p.note
        return ToolResult("explain_ranking", {"item_id": item_id, "user_id": user_id}, facts, [item_id])
    if not query:
        raise UnknownIdError("user", None, "the question (name a user id or a search query)")
    p = service.explain_query(query, item_id)
    facts = {**brief, "query": query, "rank": p.rank, "searched_top": 200, "rules": p.rules,
             **{k: p.evidence.get(k) for k in ("bm25_rank", "dense_rank", "fused_rank")},
             "matched_terms": list(p.evidence.get("matched_terms", []))}
    return ToolResult("explain_ranking", {"item_id": item_id, "query": query}, facts, [item_id])


def template(f: dict[str, Any]) -> str:
    rules = f" Rules: {'; '.join(f['rules'])}." if f.get("rules") else ""
    if "user_id" in f:
        if f.get("already_in_history"):
            return f"{f['item_id']} {f['title']} is already in {f['user_id']}'s history, so it is not recommended."
        if f.get("rank") is None:
            return f"{f['item_id']} {f['title']} is not shown to {f['user_id']}: {f['note']}.{rules}"
        moved = f" (#{f['model_rank']} before the rules)" if f.get("model_rank") else ""
        ev = f" Evidence: {'; '.join(f['evidence'])}." if f.get("evidence") else ""
        return (f"{f['item_id']} {f['title']} is #{f['rank']}{moved} for {f['user_id']} with score {fmt(f['score'])} = "
                f"{components(f['components'])}; the largest part is {f['top_component']}.{rules}{ev}")
    if f.get("rank") is None:
        return f"{f['item_id']} {f['title']} is not in the top {f['searched_top']} results for \"{f['query']}\"."
    terms = ", ".join(f.get("matched_terms") or []) or "none"
    return (f"{f['item_id']} {f['title']} is #{f['rank']} for \"{f['query']}\": BM25 rank {f.get('bm25_rank')}, "
            f"dense rank {f.get('dense_rank')}, fused rank {f.get('fused_rank')}; matched terms: {terms}.{rules}")


def plan(slots: Any, question: str, user: str | None) -> Plan:
    user = slots.user_id or user
    if not slots.item_ids:
        if user and slots.rank:
            return Plan("explain_ranking", {"user_id": user, "rank": slots.rank})
        return Plan(None, ask="Which item should I explain? Give its id, e.g. P00042.")
    if user:
        return Plan("explain_ranking", {"item_id": slots.item_ids[0], "user_id": user})
    if slots.product_type:
        return Plan("explain_ranking", {"item_id": slots.item_ids[0], "query": slots.product_type})
    return Plan(None, ask="For which user or search query? e.g. \"for user 17\".")


def hand_over(slots: Any, text: str) -> str | None:
    two = len(slots.item_ids) >= 2 and re.search(r"\b(?:above|ahead|higher|over|before)\b", text, re.I)
    return "compare" if two else None


TOOL = register(Tool(
    name="explain_ranking",
    description="Why an item ranks where it is shown: for a user (score components, live rules, evidence) "
                "or for a search query (stage ranks, matched terms, rules).",
    args=Args, run=run, template=template, plan=plan, hand_over=hand_over, priority=50,
    patterns=(r"\bwhy\b.{0,60}(?:#\s*\d|\b(?:rank|recommend|first|second|third|top|position|shown|appear|suggest|there|number|\d+(?:st|nd|rd|th)\b))",
              r"\bexplain\b", r"\bwhat (?:drives|makes)\b.{0,40}\b(?:rank|score)", r"\bscore breakdown\b",
              r"\bhow (?:is|was)\b.{0,40}\bscored\b"),
    examples=("Why is P00042 ranked first for user 17?", "why is P00120 #3 for user 12",
              "Explain the score of P00500 for customer U00033", "Why was P02001 recommended to user 8?"),
))
