"""compare: why one item is above (or below) another, on the ranking a user or a query shows."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.recommend_for_user import MODEL
from assistant.agent.tools.registry import Plan, Tool, phrasings, register
from assistant.agent.tools.render import (
    component_label,
    component_phrase,
    fmt,
    listing,
    rule_summary,
    sig,
    signed,
)
from assistant.agent.tools.result import ToolResult, product_brief
from assistant.ranking import rank_text


class Args(BaseModel):
    item_a: str = Field(description="the first product id")
    item_b: str = Field(description="the second product id")
    user_id: str | None = Field(default=None, description="compare in this user's recommendations")
    query: str | None = Field(default=None, description="or in the results for this search")


STAGE_WORDS = {"bm25": "keyword", "dense": "meaning", "fused": "combined", "ranker": "learned ranker",
               "personalised": "personalised", "final": "final"}


def differences(a: dict[str, Any], b: dict[str, Any], a_above_b: bool, n: int = 3) -> dict[str, Any]:
    """The components that put the item ahead (from the leader's side) and the biggest one against it."""
    names = list(dict.fromkeys([*a["contributions"], *b["contributions"]]))
    sign = 1.0 if a_above_b else -1.0
    diff = {k: sign * (a["contributions"].get(k, 0.0) - b["contributions"].get(k, 0.0)) for k in names}
    order = sorted(diff, key=lambda k: -diff[k])

    def row(k: str) -> dict[str, Any]:
        return {"component": k, "label": component_label(k), "difference": sig(diff[k])}

    total = sum(v for v in diff.values() if v > 0)
    out: dict[str, Any] = {"reasons": [row(k) for k in order[:n] if diff[k] > 0 and diff[k] >= 0.05 * total]}
    against = [k for k in reversed(order) if diff[k] < 0][:1]
    if against:
        out["against"] = row(against[0])
    return out


def run(service: Any, item_a: str, item_b: str, user_id: str | None = None, query: str | None = None) -> ToolResult:
    if user_id:
        service.check_user(user_id)  # not a customer: said so before the items are looked up
    titles = {i: product_brief(service, i)["title"] for i in (item_a, item_b)}
    args = {"item_a": item_a, "item_b": item_b}
    if query and not user_id:
        c = service.compare(item_a, item_b, query=query)
        facts: dict[str, Any] = {"item_a": item_a, "item_b": item_b, "titles": titles, "query": query,
                                 "rank_a": c["a"]["rank"], "rank_b": c["b"]["rank"], "passes_at": c["passes_at"],
                                 "ahead_by_stage": c["ahead_by_stage"], "a_above_b": c["a_above_b"],
                                 "ahead": item_a if c["a_above_b"] else item_b}
        if c["a"]["rank"] is not None and c["b"]["rank"] is not None:  # both shown: their scores' exact parts
            facts.update(differences(c["a"], c["b"], c["a_above_b"]))
        return ToolResult("compare", {**args, "query": query}, facts, [item_a, item_b])
    if not user_id:
        return _side_by_side(service, item_a, item_b)
    c = service.compare(item_a, item_b, user_id=user_id)
    facts = {"item_a": item_a, "item_b": item_b, "titles": titles, "user_id": user_id,
             "rank_a": c["a"]["rank"], "rank_b": c["b"]["rank"], "score_a": round(c["a"]["score"], 4),
             "score_b": round(c["b"]["score"], 4), "a_above_b": c["a_above_b"],
             "component_difference": {n: round(v, 4) for n, v in c["difference"].items()},
             "decisive_component": c["decisive_component"], "rules_a": c["a"]["rules"], "rules_b": c["b"]["rules"],
             "model": MODEL, "ahead": item_a if c["a_above_b"] else item_b,
             "score_a_rounded": sig(c["a"]["score"]), "score_b_rounded": sig(c["b"]["score"]),
             "score_gap": sig(abs(c["a"]["score"] - c["b"]["score"])),
             **differences(c["a"], c["b"], c["a_above_b"])}
    return ToolResult("compare", {**args, "user_id": user_id}, facts, [item_a, item_b])


def _side_by_side(service: Any, item_a: str, item_b: str) -> ToolResult:
    """No user or search to rank them in: the two products' live price and stock side by side
    (the product table's figures, read as lookup_product reads them)."""
    from assistant.agent.tools.lookup_product import run as lookup

    a, b = lookup(service, item_a).facts, lookup(service, item_b).facts
    facts: dict[str, Any] = {"item_a": item_a, "item_b": item_b, "titles": {item_a: a["title"], item_b: b["title"]},
                             "products": {item_a: a, item_b: b}}
    if a["price"] != b["price"]:
        facts["cheaper"] = item_a if a["price"] < b["price"] else item_b
        facts["price_gap"] = round(abs(a["price"] - b["price"]), 2)
    if a["stock"] is not None and b["stock"] is not None and a["stock"] != b["stock"]:
        facts["more_stock"] = item_a if a["stock"] > b["stock"] else item_b
    return ToolResult("compare", {"item_a": item_a, "item_b": item_b}, facts, [item_a, item_b])


def _side_template(f: dict[str, Any]) -> str:
    from assistant.agent.tools.lookup_product import stock_text

    def one(i: str) -> str:
        p = f["products"][i]
        return f"{i} {p['title']} (${fmt(p['price'])}, {stock_text(p['stock'])})"

    a, b = f["item_a"], f["item_b"]
    lead = (f"{f['cheaper']} is cheaper by ${fmt(f['price_gap'])}" if f.get("cheaper")
            else "They cost the same")
    return (f"{lead}: {one(a)} vs {one(b)}. Name a user or a search to see why one ranks above the other.")


def _why(d: dict[str, Any], lead: str, trail: str, rules: dict[str, list[str]]) -> str:
    """"more customers with baskets like theirs bought it (collaborative filtering, +1.73)"."""
    k = d["component"]
    if k.startswith("rule:"):
        owner = next((i for i in (lead, trail) if rule_summary(k, rules.get(i))), lead)
        why = f"{'it' if owner == lead else owner} is {rule_summary(k, rules.get(owner)) or component_label(k)}"
    else:
        why = component_phrase(k, "beats")
    return f"{why} ({d['label']}, {signed(d['difference'])})"


def template(f: dict[str, Any]) -> str:
    if "products" in f:
        return _side_template(f)
    a, b = f["item_a"], f["item_b"]
    lead, trail = (a, b) if f["a_above_b"] else (b, a)
    rank = {a: rank_text(f["rank_a"]), b: rank_text(f["rank_b"])}
    if "query" in f and "user_id" not in f:
        where = f"for \"{f['query']}\""
        why = ""
        learned = [d for d in f.get("reasons") or [] if d["component"].startswith("ranker:")]
        if learned:
            parts = [f"{d['label']} ({signed(d['difference'])})" for d in learned]
            why = f" The learned ranker puts {lead} first mainly on its {listing(parts)}."
        elif f.get("reasons"):
            why = " Mainly because " + ", ".join(_why(d, lead, trail, {}) for d in f["reasons"]) + "."
        if f["a_above_b"]:
            stage = f", ahead from the {STAGE_WORDS.get(f['passes_at'], f['passes_at'])} stage on" if f["passes_at"] else ""
            return f"{a} is above {b} {where} ({rank[a]} vs {rank[b]}){stage}.{why}"
        lead_at = [STAGE_WORDS.get(k, k) for k, v in f["ahead_by_stage"].items() if v is False]
        a_at = [STAGE_WORDS.get(k, k) for k, v in f["ahead_by_stage"].items() if v]
        stages = f": it is ahead at the {listing(lead_at)} stage{'s' if len(lead_at) > 1 else ''}" if lead_at else ""
        also = f"; {a} leads at the {listing(a_at)} stage{'s' if len(a_at) > 1 else ''}" if a_at else ""
        return f"Actually {b} ranks above {a} {where} ({rank[b]} vs {rank[a]}){stages}{also}.{why}"
    head = (f"{a} is above {b} for {f['user_id']}" if f["a_above_b"]
            else f"Actually {b} ranks above {a} for {f['user_id']}")
    score = {a: f["score_a_rounded"], b: f["score_b_rounded"]}
    text = (f"{head}: {rank[lead]} vs {rank[trail]}, score {fmt(score[lead])} vs {fmt(score[trail])} "
            f"(ahead by {fmt(f['score_gap'])}).")
    rules = {a: f.get("rules_a") or [], b: f.get("rules_b") or []}
    if f.get("reasons"):
        text += f" {lead} leads mainly because " + listing([_why(d, lead, trail, rules) for d in f["reasons"]]) + "."
    if f.get("against"):
        d = f["against"]
        text += f" {d['label'][:1].upper()}{d['label'][1:]} favours {trail} ({signed(d['difference'])})."
    told = {d["component"] for d in f.get("reasons") or []}
    untold = [r for i in (lead, trail) for r in rules[i]
              if not any(rule_summary(k, [r]) for k in told if k.startswith("rule:"))]
    if untold:
        text += " Rules: " + "; ".join(untold) + "."
    return text


def plan(slots: Any, question: str, user: str | None) -> Plan:
    items = slots.item_ids
    if len(items) < 2:
        return Plan(None, ask="Which two items should I compare? Give both ids.")
    args: dict[str, Any] = {"item_a": items[0], "item_b": items[1]}
    if slots.user_id or user:
        args["user_id"] = slots.user_id or user
    elif slots.query or slots.product_type:
        args["query"] = slots.query or slots.product_type  # "... for waterproof tent": the whole phrase
    return Plan("compare", args)  # neither: price and stock side by side


def accepts(slots: Any, text: str) -> bool:
    return len(slots.named_items) >= 2


TOOL = register(Tool(
    name="compare",
    label="why one item ranks above another",
    description="Why item A ranks above (or below) item B: per-component difference (rules included) for a "
                "user, per-stage for a search query; with neither, their price and stock side by side.",
    args=Args, run=run, template=template, plan=plan, accepts=accepts,
    examples=phrasings("compare"),
))
