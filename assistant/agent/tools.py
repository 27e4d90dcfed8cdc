"""The assistant's tools: library calls that return structured facts (never prose).

Each function takes the workspace services and typed arguments. ``build_tools`` wraps them as
LangChain ``StructuredTool``s so a tool-calling backend can call the very same code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from assistant.agent.results import ToolResult, money, pct
from assistant.agent.services import ShopServices
from recsys_core.errors import UnknownIdError


def _product_brief(svc: ShopServices, item_id: str) -> dict[str, Any]:
    row = svc.products.loc[item_id]
    return {"item_id": item_id, "title": str(row["title"]), "brand": str(row["brand"]), "category": str(row["category"])}


def _check_item(svc: ShopServices, item_id: str) -> None:
    if item_id not in svc.products.index:
        raise UnknownIdError("item", item_id, "the product table")


def lookup_product(svc: ShopServices, item_id: str) -> ToolResult:
    """Live price and stock from the workspace product table (never from indexed text)."""
    _check_item(svc, item_id)
    row = svc.products.loc[item_id]
    stock = row.get("stock")
    stock_val = None if pd.isna(stock) else int(stock)
    facts = {**_product_brief(svc, item_id), "price": money(row["price"]), "stock": stock_val,
             "in_stock": bool(stock_val) if stock_val is not None else None}
    return ToolResult("lookup_product", {"item_id": item_id}, facts, [item_id])


def search_products(svc: ShopServices, query: str, k: int = 5, price_min: float | None = None,
                    price_max: float | None = None, categories: list[str] | None = None,
                    brands: list[str] | None = None) -> ToolResult:
    """Hybrid product search; each hit with its per-stage trace (BM25, dense, fused, rules)."""
    from retrieval import SearchFilters

    filters = SearchFilters(price_min=price_min, price_max=price_max, categories=tuple(categories or ()),
                            brands=tuple(brands or ()))
    hits = svc.searcher.search(query, k=k, filters=filters, explain=True, rules=svc.search_rule_hooks())
    rows = []
    for h in hits:
        t = h.trace
        rows.append({**_product_brief(svc, h.item_id), "rank": h.rank, "price": money(svc.products.at[h.item_id, "price"]),
                     "bm25_rank": t.bm25_rank if t else None, "dense_rank": t.dense_rank if t else None,
                     "matched_terms": list(t.matched_terms) if t else []})
    facts = {"query": query, "filters": filters.describe(), "mode": svc.search_mode, "results": rows}
    return ToolResult("search_products", {"query": query, "k": k, "filters": filters.describe()}, facts,
                      [r["item_id"] for r in rows])


def _with_live_rules(svc: ShopServices, user_id: str, k: int) -> list[Any]:
    """The user's top ``k`` with the saved business rules applied, as the API and UI rank them.

    A rule's score change is the ``rules`` component, so the components still sum to the score."""
    from assistant.agent.recommender import Scored
    from assistant.agent.services import RULE_DEPTH

    if not svc.live_rules().rules:
        return list(svc.recommender.recommend(user_id, k=k))
    deep = svc.recommender.recommend(user_id, k=max(k, RULE_DEPTH), evidence=False)  # evidence: shown items only
    recs = {r.item_id: r for r in deep}
    ranking, effects = svc.rerank_recommendations([(i, r.score) for i, r in recs.items()])
    out = []
    for position, (item, score) in enumerate(ranking[:k], start=1):
        found = recs.get(item)  # else a pinned item from outside the top
        rec = svc.recommender.with_evidence(user_id, found) if found else svc.recommender.explain(user_id, item)
        components = dict(rec.components)
        components["rules"] = round(components.get("rules", 0.0) + score - rec.score, 4)
        out.append(Scored(item, position, round(score, 4), components,
                          rec.evidence + [f"rule {e}" for e in effects.get(item, [])], rec.source))
    return out


def recommend_for_user(svc: ShopServices, user_id: str, k: int = 5) -> ToolResult:
    """Top-k items for a user with each item's score components (they sum to the score)."""
    recs = _with_live_rules(svc, user_id, k)
    rows = [{**_product_brief(svc, r.item_id), "rank": r.rank, "score": r.score, "components": r.components}
            for r in recs]
    facts = {"user_id": user_id, "model": svc.recommender.name, "results": rows}
    rule_effects = {r.item_id: [e for e in r.evidence if e.startswith("rule ")] for r in recs}
    if any(rule_effects.values()):
        facts["rule_effects"] = {i: e for i, e in rule_effects.items() if e}
    return ToolResult("recommend_for_user", {"user_id": user_id, "k": k}, facts, [r["item_id"] for r in rows])


def explain_ranking(svc: ShopServices, item_id: str, user_id: str | None = None, query: str | None = None) -> ToolResult:
    """Why an item sits where it does: for a user (score components) or a query (stage trace)."""
    _check_item(svc, item_id)
    if user_id:
        s = svc.recommender.explain(user_id, item_id)
        top = max(s.components, key=lambda c: s.components[c]) if s.components else None
        facts: dict[str, Any] = {**_product_brief(svc, item_id), "user_id": user_id, "rank": s.rank, "score": s.score,
                 "components": s.components, "top_component": top, "evidence": s.evidence,
                 "model": svc.recommender.name, "already_in_history": s.rank == 0}
        return ToolResult("explain_ranking", {"item_id": item_id, "user_id": user_id}, facts, [item_id])
    if not query:
        raise UnknownIdError("user", None, "the question (name a user id or a search query)")
    depth = 200
    hits = svc.searcher.search(query, k=depth, explain=True, rules=svc.search_rule_hooks())
    hit = next((h for h in hits if h.item_id == item_id), None)
    facts = {**_product_brief(svc, item_id), "query": query, "rank": hit.rank if hit else None,
             "searched_top": depth}
    if hit and hit.trace:
        t = hit.trace
        facts.update(bm25_rank=t.bm25_rank, dense_rank=t.dense_rank, fused_rank=t.fused_rank,
                     matched_terms=list(t.matched_terms), rule_effects=list(t.rule_effects))
    return ToolResult("explain_ranking", {"item_id": item_id, "query": query}, facts, [item_id])


def compare(svc: ShopServices, item_a: str, item_b: str, user_id: str | None = None, query: str | None = None) -> ToolResult:
    """Why A ranks above (or below) B: per-component difference for a user, per-stage for a query."""
    for i in (item_a, item_b):
        _check_item(svc, i)
    names = {item_a: _product_brief(svc, item_a)["title"], item_b: _product_brief(svc, item_b)["title"]}
    if query and not user_id:
        c = svc.searcher.compare(query, item_a, item_b)
        facts = {"item_a": item_a, "item_b": item_b, "titles": names, "query": query,
                 "passes_at": c.passes_at, "ahead_by_stage": c.ahead_by_stage, "a_above_b": bool(c.ahead_by_stage.get("final"))}
        return ToolResult("compare", {"item_a": item_a, "item_b": item_b, "query": query}, facts, [item_a, item_b])
    if not user_id:
        raise UnknownIdError("user", None, "the question (name a user id or a search query to compare within)")
    a = svc.recommender.explain(user_id, item_a)
    b = svc.recommender.explain(user_id, item_b)
    diffs = {k: round(a.components.get(k, 0.0) - b.components.get(k, 0.0), 4) for k in a.components}
    decisive = max(diffs, key=lambda k: abs(diffs[k])) if diffs else None
    facts = {"item_a": item_a, "item_b": item_b, "titles": names, "user_id": user_id,
             "rank_a": a.rank, "rank_b": b.rank, "score_a": a.score, "score_b": b.score,
             "a_above_b": a.score > b.score, "component_difference": diffs, "decisive_component": decisive,
             "model": svc.recommender.name}
    return ToolResult("compare", {"item_a": item_a, "item_b": item_b, "user_id": user_id}, facts, [item_a, item_b])


def trend_report(svc: ShopServices, category: str | None = None, top: int = 3) -> ToolResult:
    """Rising and falling categories (weekly growth with 95% interval), anomalies, promotion windows."""
    rep = svc.trends

    def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return [{"key": str(r.key), "weekly_growth_pct": pct(r.weekly_growth), "ci_low_pct": pct(r.ci_low),
                 "ci_high_pct": pct(r.ci_high), "trend": str(r.trend)} for r in frame.itertuples()]

    cats = rep.categories
    facts: dict[str, Any] = {"measure": rep.measure, "ci_level_pct": 95}
    if category:
        facts["category"] = rows(cats[cats["key"].str.lower() == category.lower()])
    facts["rising"] = rows(cats[cats["trend"] == "rising"].head(top))
    facts["falling"] = rows(cats[cats["trend"] == "falling"].sort_values("weekly_growth").head(top))
    facts["anomalies"] = [{"key": str(a.key), "date": str(a.start.date()), "direction": str(a.direction)}
                          for a in rep.anomalies.head(3).itertuples()]
    facts["promotions"] = [{"key": str(p.key), "start": str(p.start.date()), "end": str(p.end.date()),
                            "median_discount_pct": pct(p.median_discount, 0)} for p in rep.promotions.itertuples()]
    return ToolResult("trend_report", {"category": category}, facts, ["trend_report"])


def segment_profile(svc: ShopServices, user_id: str) -> ToolResult:
    """A user's segment and profile: favourite categories and brands, price band, recency."""
    if svc.strategy_engine:
        from assistant.agent.strategy_tools import engine_segment_profile
        from recsys_core.strategy.errors import StrategyError

        try:
            return engine_segment_profile(svc, user_id)
        except StrategyError:  # e.g. a user with no views or purchases yet: the event summary still holds
            pass
    return basic_profile(svc, user_id)


def basic_profile(svc: ShopServices, user_id: str) -> ToolResult:
    """A user's profile from their own events: favourite categories and brands, price band, recency."""
    if user_id not in svc.lexicon.user_ids:
        raise UnknownIdError("user", user_id, "the shop's users")
    ev = svc.shop.events
    mine = ev[(ev["user_id"] == user_id) & ev["item_id"].notna()]
    joined = mine.merge(svc.shop.products[["item_id", "category", "brand", "price"]], on="item_id", how="left")
    buys = joined[joined["type"] == "purchase"]
    facts: dict[str, Any] = {"user_id": user_id, "events": len(mine), "purchases": len(buys)}
    if len(joined):
        facts["top_categories"] = [str(c) for c in joined["category"].value_counts().head(3).index]
        facts["top_brands"] = [str(b) for b in joined["brand"].value_counts().head(3).index]
        facts["median_price"] = money(joined["price"].median())
        end = ev["timestamp"].max()
        facts["days_since_last_event"] = int((end - mine["timestamp"].max()).days)
    segment = _segment_of(svc, user_id)
    if segment:
        facts["segment"] = segment
    return ToolResult("segment_profile", {"user_id": user_id}, facts, [user_id])


def _segment_of(svc: ShopServices, user_id: str) -> str | None:
    attrs = svc.shop.users.set_index("user_id").get("attributes") if "attributes" in svc.shop.users else None
    if attrs is None or user_id not in attrs.index:
        return None
    value = attrs.loc[user_id]
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value)
        except ValueError:
            return None
    return str(value.get("segment")) if isinstance(value, dict) and value.get("segment") else None


def _window(svc: ShopServices, days: int) -> pd.DataFrame:
    ev = svc.shop.events
    return ev[ev["timestamp"] >= ev["timestamp"].max() - pd.Timedelta(days=days)]


def exposure_audit(svc: ShopServices, category: str | None = None, product_type: str | None = None,
                   k: int = 10) -> ToolResult:
    """Who gets the top-k exposure in a scope (category or product type): brand shares, Gini, never shown."""
    if svc.strategy_engine:
        from assistant.agent.strategy_tools import engine_exposure

        return engine_exposure(svc, category, product_type, k)
    return impression_audit(svc, category, product_type, k)


def impression_audit(svc: ShopServices, category: str | None = None, product_type: str | None = None,
                     k: int = 10, days: int = 30) -> ToolResult:
    """Share of logged top-k impressions per brand in a scope, their Gini, and items never shown."""
    p = svc.products
    scope = p
    if category:
        scope = scope[scope["category"].str.lower() == category.lower()]
    if product_type:
        scope = scope[scope["title"].str.lower().str.contains(product_type.rstrip("s"), regex=False)]
    ev = _window(svc, days)
    imp = ev[(ev["type"] == "impression") & ev["item_id"].isin(scope.index) & (ev["position"] < k)]
    by_brand = imp["item_id"].map(p["brand"]).value_counts()
    total = int(by_brand.sum())
    shares = (by_brand / total) if total else by_brand
    counts = np.sort(imp["item_id"].value_counts().reindex(scope.index).fillna(0).to_numpy(dtype=float))
    n = len(counts)
    gini = float((2 * np.arange(1, n + 1) - n - 1) @ counts / (n * counts.sum())) if n and counts.sum() else 0.0
    scope_facts = {"category": category, "product_type": product_type, "top_k": k, "days": days}
    facts = {"scope": scope_facts, "impressions": total, "items_in_scope": len(scope),
             "brand_shares": [{"brand": str(b), "share_pct": pct(s)} for b, s in shares.head(5).items()],
             "gini": round(gini, 2), "never_shown": int((counts == 0).sum())}
    return ToolResult("exposure_audit", scope_facts, facts, ["events:impressions"])


def propose_promotions(svc: ShopServices, category: str | None = None) -> ToolResult:
    """Promotion proposals from the data (rising items, bundles, slow movers, segments) with simulated impact."""
    if svc.strategy_engine:
        from assistant.agent.strategy_tools import engine_proposals

        found = engine_proposals(svc, category)
        if found is not None:
            return found
    return slow_movers(svc, category)


def slow_movers(svc: ShopServices, category: str | None = None, top: int = 3, days: int = 30) -> ToolResult:
    """Slow movers with stock and margin headroom: candidates for a discount or a boost."""
    p = svc.products
    scope = p if not category else p[p["category"].str.lower() == category.lower()]
    sold = _window(svc, days)
    sold = sold[sold["type"] == "purchase"].groupby("item_id")["quantity"].sum()
    frame = scope.assign(units=sold.reindex(scope.index).fillna(0).astype(float).to_numpy(),
                         margin=((scope["price"] - scope["cost"]) / scope["price"]).astype(float))
    frame = frame[(frame["stock"].fillna(0) > 0) & (frame["margin"] > 0.25)]
    picks = frame.sort_values(["units", "stock"], ascending=[True, False]).head(top)
    rows = [{**_product_brief(svc, str(i)), "units_sold": int(r.units), "stock": int(r.stock), "margin_pct": pct(r.margin, 0),
             "price": money(r.price)} for i, r in picks.iterrows()]
    facts = {"strategy": "discount or boost slow movers with stock and margin headroom", "category": category,
             "window_days": days, "candidates": rows}
    return ToolResult("propose_promotions", {"category": category}, facts, [r["item_id"] for r in rows])


def whatif(svc: ShopServices, percent: float, brand: str | None = None, category: str | None = None,
           item_id: str | None = None) -> ToolResult:
    """What-if: replay logged sessions with and without a boost; clicks, purchases, revenue, margin, exposure."""
    if svc.strategy_engine:
        from assistant.agent.strategy_tools import engine_whatif

        return engine_whatif(svc, percent, brand, category, item_id)
    return search_whatif(svc, percent, brand, category, item_id)


def search_whatif(svc: ShopServices, percent: float, brand: str | None = None, category: str | None = None,
                  item_id: str | None = None, k: int = 10, queries: int = 40) -> ToolResult:
    """Replay recent logged search queries with and without a boost; report top-k exposure moved."""
    from retrieval import Boost

    where = {"brand": brand} if brand else ({"category": category} if category else {})
    rule = Boost(factor=1 + percent / 100.0, where=where, item_ids=frozenset([item_id] if item_id else []))
    ev = svc.shop.events
    logged = ev[(ev["type"] == "search") & ev["query"].notna()].sort_values("timestamp")["query"].astype(str)
    sample = list(dict.fromkeys(reversed(logged.tolist())))[:queries]

    def matches(iid: str) -> bool:
        row = svc.products.loc[iid]
        return (item_id == iid) or bool(brand and str(row["brand"]).lower() == brand.lower()) or \
            bool(category and str(row["category"]).lower() == category.lower())

    before = after = moved_queries = 0
    for q in sample:
        b = [h.item_id for h in svc.searcher.search(q, k=k)]
        a = [h.item_id for h in svc.searcher.search(q, k=k, rules=[rule])]
        nb, na = sum(map(matches, b)), sum(map(matches, a))
        before, after, moved_queries = before + nb, after + na, moved_queries + (na != nb)
    slots = max(1, len(sample) * k)
    target = brand or category or item_id
    facts = {"change": f"boost {target} by {percent:g}%", "queries_replayed": len(sample), "top_k": k,
             "exposure_before_pct": pct(before / slots), "exposure_after_pct": pct(after / slots),
             "queries_changed": moved_queries, "method": "logged search queries re-ranked with and without the boost"}
    return ToolResult("whatif", {"percent": percent, "brand": brand, "category": category, "item_id": item_id}, facts,
                      ["events:search"])


def kb_answer(svc: ShopServices, question: str) -> ToolResult:
    """The best knowledge-base passages for a question, or a decline when retrieval is weak."""
    kb = svc.knowledge_base
    passages = kb.retrieve(question, k=2)
    if not kb.answerable(passages):
        best = passages[0] if passages else None
        facts = {"question": question, "best_similarity": round(best.similarity, 3) if best else None}
        return ToolResult("kb_answer", {"question": question}, facts, [], declined=True)
    top = passages[0]
    facts = {"doc_id": top.doc_id, "doc_title": top.doc_title, "heading": top.heading, "chunk_id": top.chunk_id,
             "passage": top.text, "similarity": round(top.similarity, 3)}
    citations = [top.chunk_id]
    intro = kb.intro(top.doc_id) if top.position != 0 else None
    if intro is not None and intro.text and intro.text not in top.text:
        facts["summary"] = intro.text
        citations.append(intro.chunk_id)
    return ToolResult("kb_answer", {"question": question}, facts, citations)


TOOL_FUNCTIONS: dict[str, Callable[..., ToolResult]] = {
    f.__name__: f for f in (search_products, recommend_for_user, explain_ranking, compare, whatif, trend_report,
                            segment_profile, lookup_product, kb_answer, propose_promotions, exposure_audit)
}


def build_tools(svc: ShopServices) -> list[Any]:
    """The tools as LangChain StructuredTools bound to ``svc`` (they return ToolResult dicts)."""
    import functools
    import inspect

    from langchain_core.tools import StructuredTool

    tools = []
    for name, fn in TOOL_FUNCTIONS.items():
        bound = functools.partial(fn, svc)
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())[1:]

        def call(_bound: Callable[..., ToolResult] = bound, **kwargs: Any) -> dict[str, Any]:
            return _bound(**kwargs).to_dict()

        call.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        call.__annotations__ = {p.name: p.annotation for p in params}
        call.__doc__ = fn.__doc__
        tools.append(StructuredTool.from_function(func=call, name=name, description=(fn.__doc__ or name).strip()))
    return tools
