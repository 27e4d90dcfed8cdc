"""explain_ranking: why an item sits where the user sees it, for a user (score parts, rules,
evidence) or for a search query (stage ranks, matched terms, rules)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.recommend_for_user import MODEL
from assistant.agent.tools.registry import Plan, Tool, phrasings, register
from assistant.agent.tools.render import (
    because,
    component_label,
    component_phrase,
    drivers,
    fmt,
    listing,
    rule_summary,
    sig,
    signed,
)
from assistant.agent.tools.result import ToolResult, product_brief
from recsys_core.errors import UnknownIdError
from recsys_core.models.attribution import NEW_ITEM_LABEL, NEW_USER_LABEL
from retrieval.trace import ranker_feature_parts


class Args(BaseModel):
    item_id: str | None = Field(default=None, description="the product to explain, e.g. P00042")
    user_id: str | None = Field(default=None, description="explain it in this user's recommendations")
    query: str | None = Field(default=None, description="or in the results for this search")
    rank: int | None = Field(default=None, ge=1, le=200, description="or explain whatever is at this rank")


def evidence_lines(p: Any) -> list[str]:
    """The placement's evidence as short phrases (the components' own facts)."""
    ev = p.evidence
    lines = []
    for e in ev.get("similar_history", [])[:2]:
        lines.append(f"similar to {e['item_id']} in their history (similarity {round(float(e['similarity']), 3)})")
    for e in ev.get("neighbour_items", [])[:2]:
        lines.append(f"often chosen with {e['item_id']}")
    trend = ev.get("trend")
    if isinstance(trend, dict) and isinstance(trend.get("log_growth"), int | float) and trend["log_growth"]:
        lines.append(f"interest {'rising' if trend['log_growth'] > 0 else 'falling'} (log growth "
                     f"{round(float(trend['log_growth']), 3)})")
    return lines


def shown_length(rank: int | None = None) -> int:
    """How many recommendations a user is shown: the recommend tool's default list (or down to the
    rank the question points at, "why is #7 there")."""
    from assistant.agent.tools.recommend_for_user import Args as RecommendArgs

    default = int(RecommendArgs.model_fields["k"].default)
    return max(default, rank or 0)


def held_back(parts: dict[str, float], cutoff: dict[str, float], n: int = 3) -> list[dict[str, Any]]:
    """The parts where an item trails the last shown item most (what keeps it off the list)."""
    names = list(dict.fromkeys([*parts, *cutoff]))
    gaps = sorted(((k, parts.get(k, 0.0) - cutoff.get(k, 0.0)) for k in names), key=lambda kv: kv[1])
    return [{"component": k, "label": component_label(k), "value": sig(parts.get(k, 0.0)),
             "cutoff_value": sig(cutoff.get(k, 0.0)), "gap": sig(g)} for k, g in gaps[:n] if g < 0]


def run(service: Any, item_id: str | None = None, user_id: str | None = None, query: str | None = None,
        rank: int | None = None) -> ToolResult:
    asked_rank = rank
    if user_id:  # an id that is not a customer is the answer, before anything is looked up
        service.check_user(user_id)
    if item_id is None:  # "why is #3 first for user 12": the item shown at that rank
        if not (rank and (user_id or query)):
            raise UnknownIdError("item", None, "the question (name an item id, or a user or search and a rank)")
        if user_id:
            shown = service.recommend(user_id, k=rank)
            where = f"{user_id}'s recommendations"
        else:
            shown = service.search(str(query), k=rank)
            where = f"the results for \"{query}\""
        if len(shown) < rank:
            raise UnknownIdError("rank", rank, f"{where} ({len(shown)} shown)")
        item_id = shown[rank - 1].item_id
    brief = product_brief(service, item_id)
    if user_id:
        p = service.explain(user_id, item_id)
        parts = {n: round(v, 4) for n, v in p.contributions.items()}
        facts: dict[str, Any] = {**brief, "user_id": user_id, "rank": p.rank, "score": round(p.score, 4),
                                 "components": parts, "top_component": p.top_component(), "rules": p.rules,
                                 "evidence": evidence_lines(p), "model": MODEL, "already_in_history": p.rank == 0,
                                 "source": p.source, "score_rounded": sig(p.score),
                                 "drivers": drivers(p.contributions)}
        if p.rank != p.model_rank:
            facts["model_rank"] = p.model_rank
        if p.rank is None:
            facts["note"] = p.note
        shown_k = shown_length(asked_rank)
        facts["shown_k"] = shown_k
        facts["recommended"] = bool(p.rank) and p.rank <= shown_k
        removed = (p.rank is None and not p.model_rank) or "filter" in (p.note or "")  # by a filter rule
        if not facts["recommended"] and p.rank != 0 and not removed:
            facts["ranks_at"] = p.rank or p.model_rank  # below the list (or below the re-ranked candidates)
            listed = service.recommend(user_id, k=shown_k)
            if listed:
                last = listed[-1]
                facts["cutoff"] = {"rank": last.rank, "item_id": last.item_id, "score": sig(last.score),
                                   "rules": last.rules}
                facts["held_back_by"] = held_back(p.contributions, last.contributions)
        return ToolResult("explain_ranking", {"item_id": item_id, "user_id": user_id}, facts, [item_id])
    if not query:
        raise UnknownIdError("user", None, "the question (name a user id or a search query)")
    p = service.explain_query(query, item_id)
    facts = {**brief, "query": query, "rank": p.rank, "searched_top": 200, "rules": p.rules,
             **{k: p.evidence.get(k) for k in ("bm25_rank", "dense_rank", "fused_rank")},
             "matched_terms": list(p.evidence.get("matched_terms", [])),
             "ranker_drivers": ranker_drivers(p.contributions)}
    return ToolResult("explain_ranking", {"item_id": item_id, "query": query}, facts, [item_id])


def ranker_drivers(parts: dict[str, float], n: int = 3) -> list[dict[str, Any]]:
    """The learned ranker's largest positive feature parts of one hit (its exact TreeSHAP values,
    measured from the model's average; empty when the ranker did not score the hit)."""
    learned = [(k, v) for k, v in ranker_feature_parts(parts).items() if v > 0]
    return [{"component": k, "label": component_label(k), "value": sig(v)}
            for k, v in sorted(learned, key=lambda kv: -kv[1])[:n]]


def _held_back_text(f: dict[str, Any]) -> str:
    c = f["cutoff"]
    gaps = []
    for g in f.get("held_back_by") or []:
        if g["component"].startswith("rule:") and not g["value"]:  # the last shown item's rule lifts it
            why = f"{c['item_id']} is {rule_summary(g['component'], c.get('rules')) or component_label(g['component'])}"
        else:
            why = component_phrase(g["component"], "holds", f.get("rules"))
        gaps.append(f"{why} ({g['label']} {fmt(g['value'])} vs {fmt(g['cutoff_value'])})")
    return (f" What holds it back against #{c['rank']} {c['item_id']} (score {fmt(c['score'])} vs its "
            f"{fmt(f['score_rounded'])}): {listing(gaps)}." if gaps else "")


def template(f: dict[str, Any]) -> str:
    rules = f" Rules: {'; '.join(f['rules'])}." if f.get("rules") else ""
    if "user_id" in f:
        head = f"{f['item_id']} {f['title']}"
        if f.get("already_in_history"):
            return f"{head} is not recommended to {f['user_id']}: it is already in their history."
        if f.get("ranks_at"):
            return (f"{head} is not recommended to {f['user_id']}: it ranks #{f['ranks_at']} and the list shows "
                    f"the top {f['shown_k']}.{_held_back_text(f)}{rules}")
        if f.get("rank") is None:  # filtered out by a rule
            return f"{head} is not recommended to {f['user_id']}: {'; '.join(f.get('rules') or []) or f['note']}."
        moved = f" (#{f['model_rank']} before the rules)" if f.get("model_rank") else ""
        told = {d["component"] for d in f.get("drivers") or []}
        other_rules = [r for r in f.get("rules") or []
                       if not any(r == rule_summary(c, [r]) for c in told if c.startswith("rule:"))]
        tail = f"; {'; '.join(other_rules)}" if other_rules else ""
        cold = f" ({f['source']})" if f.get("source") in (NEW_USER_LABEL, NEW_ITEM_LABEL) else ""
        ev = f" Evidence: {'; '.join(f['evidence'][:3])}." if f.get("evidence") else ""
        why = because(f.get("drivers") or [], f["score_rounded"], f.get("rules"))
        return f"{head} is #{f['rank']}{moved} for {f['user_id']}{cold}, {why}{tail}.{ev}"
    if f.get("rank") is None:
        return (f"{f['item_id']} {f['title']} is not in the results for \"{f['query']}\": it is not among the "
                f"top {f['searched_top']} matches.")
    terms = ", ".join(f.get("matched_terms") or [])
    words = f"it matches {terms}" if terms else "it shares no words with the query"
    stages = [f"{name} #{f[key]}" if f.get(key) else f"no {name}" for name, key in
              (("keyword match", "bm25_rank"), ("meaning match", "dense_rank"), ("combined", "fused_rank"))]
    learned = f.get("ranker_drivers") or []
    ranker = (" The learned ranker rates it up mainly on its "
              + listing([f"{d['label']} ({signed(d['value'])})" for d in learned]) + "." if learned else "")
    return (f"{f['item_id']} {f['title']} is #{f['rank']} for \"{f['query']}\": {words} "
            f"({', '.join(stages)}).{ranker}{rules}")


def plan(slots: Any, question: str, user: str | None) -> Plan:
    user = slots.user_id or user
    query = slots.query or slots.product_type
    items = slots.item_ids
    if not items:
        if slots.rank and (slots.user_id or (user and not query)):
            return Plan("explain_ranking", {"user_id": slots.user_id or user, "rank": slots.rank})
        if slots.rank and query:  # "what's #2 for the search 'yoga mat', and why?"
            return Plan("explain_ranking", {"query": query, "rank": slots.rank})
        return Plan(None, ask="Which item should I explain? Give its id, e.g. P00042.")
    if slots.user_id or (user and not slots.query):  # a search named in the question beats the default user
        return Plan("explain_ranking", {"item_id": items[0], "user_id": user})
    if query:
        return Plan("explain_ranking", {"item_id": items[0], "query": query})
    return Plan(None, ask="For which user or search query? e.g. \"for user 17\".")


def hand_over(slots: Any, text: str) -> str | None:
    """Two items named: the question is which ranks above the other."""
    return "compare" if len(slots.named_items) >= 2 else None


TOOL = register(Tool(
    name="explain_ranking",
    label="why an item ranks where it does",
    description="Why an item ranks where it is shown: for a user (score components, live rules, evidence) "
                "or for a search query (stage ranks, matched terms, rules).",
    args=Args, run=run, template=template, plan=plan, hand_over=hand_over,
    examples=phrasings("explain_ranking"),
))
