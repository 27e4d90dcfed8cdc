"""From a route (intent + slots) to one tool call, or to the question the user must answer first."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.agent.intents import Route

_LEAD = re.compile(r"^\s*(?:please\s+)?(?:can you\s+)?(?:show me|find(?: me)?|search(?: for)?|i(?:'m| am) looking for|"
                   r"looking for|do you (?:sell|have)|i need|i want|any)\s+", re.I)


@dataclass
class Plan:
    """A tool to call with its arguments, or a clarifying question when a required slot is missing."""

    tool: str | None
    args: dict[str, Any] = field(default_factory=dict)
    ask: str | None = None


def search_query(question: str) -> str:
    return _LEAD.sub("", question).strip(" ?.!") or question


def plan_call(route: Route, question: str, default_user: str | None = None) -> Plan:
    s = route.slots
    user = s.user_id or default_user
    intent = route.intent
    if intent == "search_products":
        return Plan("search_products", {"query": search_query(question), "k": s.k or 5, "price_max": s.price_max,
                                        "price_min": s.price_min, "brands": s.brands or None})
    if intent == "recommend_for_user":
        if not user:
            return Plan(None, ask="Which user? Give a user id, e.g. \"recommend for user 17\".")
        return Plan("recommend_for_user", {"user_id": user, "k": s.k or 5})
    if intent == "explain_ranking":
        if not s.item_ids:
            if user and s.rank:
                return Plan("explain_ranking", {"item_id": None, "user_id": user, "rank": s.rank})
            return Plan(None, ask="Which item should I explain? Give its id, e.g. P00042.")
        if user:
            return Plan("explain_ranking", {"item_id": s.item_ids[0], "user_id": user})
        if s.product_type:
            return Plan("explain_ranking", {"item_id": s.item_ids[0], "query": s.product_type})
        return Plan(None, ask="For which user or search query? e.g. \"for user 17\".")
    if intent == "compare":
        if len(s.item_ids) < 2:
            return Plan(None, ask="Which two items should I compare? Give both ids.")
        args: dict[str, Any] = {"item_a": s.item_ids[0], "item_b": s.item_ids[1]}
        if user:
            args["user_id"] = user
        elif s.product_type:
            args["query"] = s.product_type
        else:
            return Plan(None, ask="Compare them for which user or search query?")
        return Plan("compare", args)
    if intent == "whatif":
        if s.percent is None:
            return Plan(None, ask="By how much? e.g. \"what if I boost brand Voltix by 20%\".")
        if not (s.brands or s.categories or s.item_ids):
            return Plan(None, ask="Boost which brand, category or item?")
        return Plan("whatif", {"percent": s.percent, "brand": s.brands[0] if s.brands else None,
                               "category": None if s.brands else (s.categories[0] if s.categories else None),
                               "item_id": None if (s.brands or s.categories) else s.item_ids[0]})
    if intent == "trend_report":
        return Plan("trend_report", {"category": s.categories[0] if s.categories else None})
    if intent == "segment_profile":
        if not user:
            return Plan(None, ask="Which user's profile? Give a user id.")
        return Plan("segment_profile", {"user_id": user})
    if intent == "lookup_product":
        if not s.item_ids:
            return Plan("search_products", {"query": search_query(question), "k": 3})
        return Plan("lookup_product", {"item_id": s.item_ids[0]})
    if intent == "kb_answer":
        return Plan("kb_answer", {"question": question})
    if intent == "propose_promotions":
        return Plan("propose_promotions", {"category": s.categories[0] if s.categories else None})
    if intent == "exposure_audit":
        return Plan("exposure_audit", {"category": s.categories[0] if s.categories else None,
                                       "product_type": s.product_type, "k": s.k or 10})
    return Plan(None)
