"""search_products: hybrid product search as shoppers see it (live rules applied), traced."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.registry import Plan, Tool, phrasings, register
from assistant.agent.tools.render import fmt, items
from assistant.agent.tools.result import ToolResult, money, product_brief

_LEAD = re.compile(r"^\s*(?:please\s+)?(?:can you\s+)?(?:show me|find(?: me)?|search(?: for)?|i(?:'m| am) looking for|"
                   r"looking for|do you (?:sell|have)|i need|i want|any)\s+", re.I)


def search_query(question: str) -> str:
    """The question without its request words ("show me tents" -> "tents"); a Chinese question as
    the English words of its shop terms (the catalogue is in English)."""
    from assistant.agent.glossary import english_form, has_cjk

    if has_cjk(question):
        return english_form(question).strip() or question
    return _LEAD.sub("", question).strip(" ?.!") or question


class Args(BaseModel):
    query: str = Field(description="what the shopper is looking for")
    k: int = Field(default=5, ge=1, le=50)
    price_min: float | None = Field(default=None, ge=0)
    price_max: float | None = Field(default=None, ge=0)
    categories: list[str] | None = None
    brands: list[str] | None = None


def run(service: Any, query: str, k: int = 5, price_min: float | None = None, price_max: float | None = None,
        categories: list[str] | None = None, brands: list[str] | None = None) -> ToolResult:
    from retrieval import SearchFilters

    filters = SearchFilters(price_min=price_min, price_max=price_max, categories=tuple(categories or ()),
                            brands=tuple(brands or ()))
    rows = []
    for h in service.search(query, k=k, filters=filters, explain=True):
        t = h.trace
        rows.append({**product_brief(service, h.item_id), "rank": h.rank,
                     "price": money(service.products.at[h.item_id, "price"]),
                     "bm25_rank": t.bm25_rank if t else None, "dense_rank": t.dense_rank if t else None,
                     "matched_terms": list(t.matched_terms) if t else [],
                     "rules": list(t.rule_effects) if t else []})
    facts = {"query": query, "filters": filters.describe(), "mode": service.search_mode, "results": rows}
    given = {"price_min": price_min, "price_max": price_max, "categories": categories, "brands": brands}
    args = {"query": query, "k": k, **{n: v for n, v in given.items() if v}, "filters": filters.describe()}
    return ToolResult("search_products", args, facts,
                      [r["item_id"] for r in rows])


def template(f: dict[str, Any]) -> str:
    flt = f" ({', '.join(f['filters'])})" if f["filters"] else ""

    def extra(r: dict[str, Any]) -> str:
        rules = f" ({'; '.join(r['rules'])})" if r.get("rules") else ""
        return f" at ${fmt(r['price'])}{rules}"

    return f"Top results for \"{f['query']}\"{flt}: " + items(f["results"], extra) + "."


def plan(slots: Any, question: str, user: str | None) -> Plan:
    return Plan("search_products", {"query": search_query(question), "k": slots.k or 5, "price_max": slots.price_max,
                                    "price_min": slots.price_min, "brands": slots.brands or None})


TOOL = register(Tool(
    name="search_products",
    label="a product search",
    description="Hybrid product search (BM25 + dense, live rules applied); each hit with its stage trace.",
    args=Args, run=run, template=template, plan=plan, structured=True,
    examples=phrasings("search_products"),
))
