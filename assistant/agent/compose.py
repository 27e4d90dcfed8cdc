"""Answer composition: a deterministic template per tool, and LLM phrasing checked by the guard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.agent.results import ToolResult

DECLINE = ("I can't find that in our policies, so I won't guess. "
           "Please contact customer service for an answer.")
CHIT_CHAT = ("Hello! I can search products, recommend and explain rankings for a user, compare two items, "
             "report trends and segments, audit exposure, simulate boosts, propose promotions, and answer "
             "policy questions from the knowledge base.")
UNKNOWN = ("I'm not sure what you are asking. Try asking for recommendations for a user id, why an item is ranked "
           "where it is for a user, what the return policy is, or which categories are trending.")


def _fmt(x: Any) -> str:
    """Numbers exactly as the facts hold them (facts are rounded already), no exponent, no "-0"."""
    if isinstance(x, float):
        text = f"{x:.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(x)


def _items(rows: list[dict[str, Any]], extra: Callable[[dict[str, Any]], str] = lambda r: "") -> str:
    return "; ".join(f"#{r['rank']} {r['item_id']} {r['title']}{extra(r)}" for r in rows) if rows else "no results"


def _search(f: dict[str, Any]) -> str:
    flt = f" ({', '.join(f['filters'])})" if f["filters"] else ""
    return f"Top results for \"{f['query']}\"{flt}: " + _items(f["results"], lambda r: f" at ${_fmt(r['price'])}") + "."


def _recommend(f: dict[str, Any]) -> str:
    return (f"Recommended for {f['user_id']}: " + _items(f["results"], lambda r: f" (score {_fmt(r['score'])})")
            + f". Model: {f['model']}.")


def _components(c: dict[str, float]) -> str:
    return ", ".join(f"{k} {_fmt(v)}" for k, v in c.items())


def _explain(f: dict[str, Any]) -> str:
    if "user_id" in f:
        if f.get("already_in_history"):
            return f"{f['item_id']} {f['title']} is already in {f['user_id']}'s history, so it is not recommended."
        ev = f" Evidence: {'; '.join(f['evidence'])}." if f.get("evidence") else ""
        return (f"{f['item_id']} {f['title']} is #{f['rank']} for {f['user_id']} with score {_fmt(f['score'])} = "
                f"{_components(f['components'])}; the largest part is {f['top_component']}.{ev}")
    if f.get("rank") is None:
        return f"{f['item_id']} {f['title']} is not in the top {f['searched_top']} results for \"{f['query']}\"."
    terms = ", ".join(f.get("matched_terms") or []) or "none"
    return (f"{f['item_id']} {f['title']} is #{f['rank']} for \"{f['query']}\": BM25 rank {f.get('bm25_rank')}, "
            f"dense rank {f.get('dense_rank')}, fused rank {f.get('fused_rank')}; matched terms: {terms}.")


def _compare(f: dict[str, Any]) -> str:
    a, b = f["item_a"], f["item_b"]
    if "query" in f and "user_id" not in f:
        if f["a_above_b"]:
            return f"For \"{f['query']}\", {a} is above {b} from the {f['passes_at']} stage on."
        return f"For \"{f['query']}\", {a} is not above {b}: " + ", ".join(
            f"{k} {'ahead' if v else 'behind'}" for k, v in f["ahead_by_stage"].items() if v is not None) + "."
    side = "above" if f["a_above_b"] else "not above"
    return (f"For {f['user_id']}, {a} (#{f['rank_a']}, score {_fmt(f['score_a'])}) is {side} {b} "
            f"(#{f['rank_b']}, score {_fmt(f['score_b'])}); component differences: "
            f"{_components(f['component_difference'])}; decisive: {f['decisive_component']}.")


def _trend(f: dict[str, Any]) -> str:
    def rows(rs: list[dict[str, Any]]) -> str:
        return ", ".join(f"{r['key']} {_fmt(r['weekly_growth_pct'])}% a week ({f['ci_level_pct']}% CI {_fmt(r['ci_low_pct'])} to "
                         f"{_fmt(r['ci_high_pct'])})" for r in rs) or "none"
    text = ""
    if f.get("category") is not None:
        text += f"Requested category: {rows(f['category'])}. "
    text += f"Rising {f['measure']}: {rows(f['rising'])}. Falling: {rows(f['falling'])}."
    if f["promotions"]:
        text += " Promotion windows: " + ", ".join(
            f"{p['key']} {p['start']} to {p['end']} ({_fmt(p['median_discount_pct'])}% off)" for p in f["promotions"]) + "."
    return text


def _shares(d: dict[str, Any]) -> str:
    return ", ".join(f"{k} {_fmt(v)}%" for k, v in d.items())


def _segment(f: dict[str, Any]) -> str:
    if "segment_description" in f:
        money = f", {f['orders']} orders worth ${_fmt(f['revenue'])}" if f.get("revenue") is not None else ""
        return (f"{f['user_id']} is in the segment \"{f['segment']}\" ({f['segment_description']}). Favourite "
                f"categories: {_shares(f['favourite_categories'])}; brands: {_shares(f['favourite_brands'])}; price "
                f"band {f['price_band']}; RFM {f['rfm_segment']}{money}; last active "
                f"{_fmt(f['days_since_last_activity'])} days before the log ends.")
    seg = f" (segment: {f['segment']})" if f.get("segment") else ""
    if not f["events"]:
        return f"{f['user_id']}{seg} has no events yet."
    return (f"{f['user_id']}{seg}: {f['events']} events, {f['purchases']} purchases; favourite categories "
            f"{', '.join(f['top_categories'])}; favourite brands {', '.join(f['top_brands'])}; median price "
            f"${_fmt(f['median_price'])}; last active {f['days_since_last_event']} days before the log ends.")


def _lookup(f: dict[str, Any]) -> str:
    stock = "stock unknown" if f["stock"] is None else (f"{f['stock']} in stock" if f["stock"] else "out of stock")
    return f"{f['item_id']} {f['title']} ({f['brand']}, {f['category']}): ${_fmt(f['price'])}, {stock}."


def _kb(f: dict[str, Any]) -> str:
    extra = f" {f['summary']}" if f.get("summary") else ""
    return f"{f['passage']}{extra} (source: {f['doc_title']}, {f['chunk_id']})"


def _promos(f: dict[str, Any]) -> str:
    if "proposals" in f:
        where = f" for {f['category']}" if f.get("category") else ""
        rows = "; ".join(
            f"{p['title']} ({p['kind']}): simulated margin change ${_fmt(p['expected_margin_change'])}, revenue "
            f"change ${_fmt(p['revenue_delta'])} ({f['ci_level_pct']}% CI {_fmt(p['revenue_ci_low'])} to "
            f"{_fmt(p['revenue_ci_high'])})" + (f", A/B test needs {p['ab_sessions_per_arm']} sessions per arm"
                                                if p.get("ab_sessions_per_arm") else "")
            for p in f["proposals"]) or "none found"
        return f"Proposals{where}, ordered by expected value: {rows}."
    where = f" in {f['category']}" if f.get("category") else ""
    rows = "; ".join(f"{r['item_id']} {r['title']}: {r['units_sold']} sold in {f['window_days']} days, "
                     f"{r['stock']} in stock, margin {_fmt(r['margin_pct'])}%" for r in f["candidates"]) or "none found"
    return f"Proposal{where}: {f['strategy']}. Candidates: {rows}."


def _audit(f: dict[str, Any]) -> str:
    s = f["scope"]
    scope = " ".join(x for x in (s.get("category"), s.get("product_type")) if x) or "all products"
    shares = ", ".join(f"{b['brand']} {_fmt(b['share_pct'])}%" for b in f["brand_shares"]) or "no impressions"
    seen = f"{f['impressions']} impressions" if "impressions" in f else f"{f['lists']} logged lists, {f['weighting']}"
    return (f"Top-{s['top_k']} exposure in {scope} over the last {s['days']} days ({seen}): "
            f"{shares}; Gini {_fmt(f['gini'])}; {f['never_shown']} of {f['items_in_scope']} items never shown.")


def _whatif(f: dict[str, Any]) -> str:
    if "metrics" in f:
        ms = "; ".join(f"{m['metric']} {_fmt(m['before'])} -> {_fmt(m['after'])} ({f['ci_level_pct']}% CI of the change "
                       f"{_fmt(m['ci_low'])} to {_fmt(m['ci_high'])})" for m in f["metrics"]
                       if m["metric"] in ("clicks", "purchases", "revenue", "margin"))
        moved = ", ".join(f"{e['key']} {_fmt(e['before_pct'])}% -> {_fmt(e['after_pct'])}%" for e in f["exposure_moved"])
        return (f"What-if ({f['change']}), replaying {f['sessions']} sessions from {f['period'][0]} to {f['period'][1]} "
                f"({f['lists_changed']} of {f['lists']} lists change): {ms}. Exposure moved: {moved}.")
    return (f"What-if ({f['change']}): over {f['queries_replayed']} logged queries, its top-{f['top_k']} exposure goes "
            f"from {_fmt(f['exposure_before_pct'])}% to {_fmt(f['exposure_after_pct'])}%; {f['queries_changed']} "
            f"queries change. Method: {f['method']}.")


TEMPLATES: dict[str, Callable[[dict[str, Any]], str]] = {
    "search_products": _search, "recommend_for_user": _recommend, "explain_ranking": _explain, "compare": _compare,
    "trend_report": _trend, "segment_profile": _segment, "lookup_product": _lookup, "kb_answer": _kb,
    "propose_promotions": _promos, "exposure_audit": _audit, "whatif": _whatif,
}


def render_template(result: ToolResult) -> str:
    """The deterministic answer for a tool result (always grounded: it only prints the facts)."""
    if result.declined:
        return DECLINE
    if result.error:
        return f"I couldn't answer that: {result.error}"
    return TEMPLATES[result.tool](result.facts)
