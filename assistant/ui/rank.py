"""Rank explorer tab: a customer's or a search's ranking as shoppers see it (live rules applied),
each score split into its parts in business words, the search trace on every row, and a
sentence saying where one item passes another.

The builders here are pure (placements, hits, products in; HTML or markdown out) so they are
tested without Gradio; :func:`rank_view` and :func:`compare_view` turn a library error (an
unknown customer or product) into a message instead of a stale or generic list.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from assistant.ranking import Placement, rank_text, search_placement
from assistant.service import ShelfwiseService
from assistant.ui.charts import stacked_bars
from assistant.ui.common import readable
from assistant.wording import component_label, product_label, stage_label
from recsys_core.errors import ShelfwiseError
from retrieval.trace import ranker_feature_parts

COMPONENT_COLOURS = {
    "sequence": "#4c78a8", "cf": "#f58518", "item_knn": "#e45756", "content": "#72b7b2", "popularity": "#54a24b",
    "trend": "#eeca3b", "retrieval": "#4c78a8", "personalisation": "#ff9da6",
}
PART_COLOURS = {component_label(k): v for k, v in COMPONENT_COLOURS.items()}  # the chart speaks in words
TABLE_CSS = """
table.rank { border-collapse: collapse; width: 100%; font-size: 0.92em; }
table.rank th, table.rank td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
table.rank td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.rank .item-id { color: #888; font-size: 0.8em; margin-left: 4px; }
table.rank mark { background: #ffe58a; padding: 0 1px; }
table.rank .why { color: #555; font-size: 0.9em; }
"""
_WORD = re.compile(r"\w+", re.UNICODE)
_NONE = '<span title="{}">—</span>'


# ---- small pieces --------------------------------------------------------------------------------
def product_cell(products: Any, item_id: str, title_html: str | None = None) -> str:
    """A product by title (``title_html`` when given, e.g. highlighted), its id on hover and in grey."""
    shown = title_html if title_html is not None else html.escape(product_label(products, item_id))
    iid = html.escape(item_id, quote=True)
    return f'<span class="product" title="{iid}" data-item-id="{iid}">{shown}</span><span class="item-id">{iid}</span>'


def product_words(products: Any, item_id: str, rank: int | None = None, *, ranked: bool = False) -> str:
    """A product in a sentence: its title, then its id (and with ``ranked`` its shown rank) in
    parentheses: "Dome Tent (P00012, #1)"; an unknown product is its id."""
    title = product_label(products, item_id)
    inside = [item_id] if title != item_id else []
    if ranked:
        inside.append(rank_text(rank))
    return f"{title} ({', '.join(inside)})" if inside else title


def highlight(title: str, matched_terms: Iterable[str]) -> str:
    """The title as HTML with each word the search matched in <mark>: a title word is matched
    when one of its search tokens (the analyser's, stemmed: "Tents" -> "tent") was a matched term."""
    from retrieval.tokenizer import tokenize

    terms = set(matched_terms)
    out, last = [], 0
    for m in _WORD.finditer(title):
        word = m.group()
        out.append(html.escape(title[last:m.start()]))
        hit = bool(terms) and not terms.isdisjoint(tokenize(word))
        out.append(f"<mark>{html.escape(word)}</mark>" if hit else html.escape(word))
        last = m.end()
    out.append(html.escape(title[last:]))
    return "".join(out)


def _titles(products: Any, entries: Iterable[Any], n: int = 2) -> str:
    """Up to ``n`` products by title, quoted (titles hold commas): “Dome Tent” and “Camp Stove”."""
    ids = [e["item_id"] if isinstance(e, Mapping) else str(e) for e in entries][:n]
    return " and ".join(f"“{product_label(products, i)}”" for i in ids)


def evidence_words(evidence: Mapping[str, Any], products: Any, order: Iterable[str] = ()) -> list[str]:
    """The model's evidence as phrases that name products ("often chosen with “Dome Tent”"); the
    evidence of the parts in ``order`` (biggest first) comes first, in that order."""
    phrases = evidence_by_part(evidence, products)
    first = [phrases.pop(part) for part in order if part in phrases]
    return first + list(phrases.values())


def evidence_by_part(evidence: Mapping[str, Any], products: Any) -> dict[str, str]:
    """Score part -> the phrase of its own evidence (the parts that have evidence)."""
    phrases: dict[str, str] = {}
    if evidence.get("recent_history"):
        phrases["sequence"] = f"they recently looked at {_titles(products, evidence['recent_history'])}"
    if evidence.get("cf_history_items"):
        phrases["cf"] = f"bought by customers who also bought {_titles(products, evidence['cf_history_items'])}"
    if evidence.get("neighbour_items"):
        phrases["item_knn"] = f"often chosen with {_titles(products, evidence['neighbour_items'])}"
    if evidence.get("similar_history"):
        phrases["content"] = f"similar to {_titles(products, evidence['similar_history'])} in their history"
    trend = evidence.get("trend")
    if isinstance(trend, Mapping) and isinstance(trend.get("log_growth"), int | float) and trend["log_growth"]:
        phrases["trend"] = (f"interest {'rising' if trend['log_growth'] > 0 else 'falling'}: "
                            f"{trend.get('recent', 0):g} recent interactions vs {trend.get('previous', 0):g} before")
    if isinstance(evidence.get("item_interactions"), int | float):
        n = evidence["item_interactions"]
        phrases["popularity"] = f"{n:g} interaction{'' if n == 1 else 's'} in the shop"
    return phrases


def _num(value: float | None, digits: int = 4, missing: str = "not scored") -> str:
    return _NONE.format(missing) if value is None else f"{value:.{digits}g}"


def _rank(value: int | None, missing: str) -> str:
    return _NONE.format(missing) if value is None else f"#{value}"


def _table(headers: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>" for r in rows)
    return f'<table class="rank"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# ---- tables --------------------------------------------------------------------------------------
def user_table(placements: list[Placement], products: Any) -> str:
    """A customer's ranking: product, score, biggest driver in words, evidence naming products, rules."""
    rules = any(p.rules for p in placements)
    rows = []
    for p in placements:
        top = p.top_component()
        biggest = [n for n, v in sorted(p.contributions.items(), key=lambda kv: -kv[1]) if v > 0][:2]
        phrases = evidence_by_part(p.evidence, products)
        why = [phrases[n] for n in biggest if n in phrases]  # the two biggest parts' own evidence
        rows.append([rank_text(p.rank), product_cell(products, p.item_id), f"{p.score:.4f}",
                     html.escape(component_label(top)) if top else "",
                     f'<span class="why">{html.escape("; ".join(why))}</span>',
                     *([html.escape("; ".join(p.rules))] if rules else [])])
    return _table(["#", "Product", "Score", "Biggest driver", "Why", *(["Rules"] if rules else [])], rows, {2})


def search_table(hits: list[Any], products: Any) -> str:
    """A search's results with their trace: matched words highlighted in the title, keyword and
    meaning rank, combined score, the learned ranker's score (when there is one) and rule effects."""
    ranker = any(h.trace is not None and h.trace.ranker_score is not None for h in hits)
    rows = []
    for h in hits:
        t = h.trace
        title = product_label(products, h.item_id) if h.item_id in products.index else (h.title or h.item_id)
        row = [rank_text(h.rank), product_cell(products, h.item_id, highlight(title, t.matched_terms if t else ()))
               + _matched_elsewhere(title, t.matched_terms if t else ()),
               _rank(t.bm25_rank if t else None, "no keyword match"),
               _rank(t.dense_rank if t else None, "not among the closest in meaning"),
               _num(t.fused_score if t else None)]
        if ranker:
            row.append(_num(t.ranker_score if t else None))
        row += [f"{h.score:.4f}", html.escape("; ".join(t.rule_effects) if t else "")]
        rows.append(row)
    headers = ["#", "Product", "Keyword rank", "Meaning rank", "Combined score",
               *(["Learned ranker"] if ranker else []), "Score", "Rules"]
    return _table(headers, rows, set(range(2, len(headers) - 1)))


def _matched_elsewhere(title: str, matched_terms: Iterable[str]) -> str:
    """Matched search words the title lacks (found in the description, brand or category)."""
    from retrieval.tokenizer import tokenize

    in_title = set(tokenize(title))
    rest = [t for t in matched_terms if t not in in_title]
    return f'<br><span class="why">also matched: {html.escape(", ".join(rest))}</span>' if rest else ""


def corrected_query(query: str, corrections: Iterable[str]) -> str:
    """The query with the spell-checker's corrections ("waterprof -> waterproof") applied."""
    out = query
    for c in corrections:
        original, _, replacement = c.partition(" -> ")
        if original and replacement:
            out = re.sub(rf"(?i)\b{re.escape(original)}\b", replacement, out)
    return out


def search_heading(query: str, hits: list[Any]) -> str:
    """The line above a search's table: what was searched (and corrected from), the filters."""
    trace = next((h.trace for h in hits if h.trace is not None), None)
    corrections = list(trace.query_corrections) if trace else []
    if corrections:
        fixed = corrected_query(query, corrections)
        said = (f"Searched for '{fixed}' (corrected from '{query}')." if fixed != query else
                f"Searched for '{query}' with spelling corrected: {', '.join(corrections)}.")
    else:
        said = f"Searched for '{query}'."
    if not hits:
        return f"{said} No product matches."
    filters = f" Filters: {', '.join(trace.filters_applied)}." if trace and trace.filters_applied else ""
    return f"{said}{filters} {len(hits)} results; the words the search matched are highlighted."


def parts_frame(placements: list[Placement], products: Any) -> pd.DataFrame:
    """Long table of score parts for the stacked chart: item ("#1 Dome Tent"), part in words, value."""
    rows = []
    for p in placements:
        title = product_label(products, p.item_id)
        label = f"{rank_text(p.rank)} {title if len(title) <= 28 else title[:27] + '…'}"
        rows += [{"item": label, "item_id": p.item_id, "part": component_label(name), "contribution": float(v)}
                 for name, v in p.contributions.items() if v]
    return pd.DataFrame(rows, columns=["item", "item_id", "part", "contribution"])


# ---- compare sentences ---------------------------------------------------------------------------
def _stage_phrase(stage: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    """One stage's figures for both items ("meaning rank #2 vs #9"; "combined score 0.031 vs 0.029 (+0.0025)")."""
    name = {"bm25": "keyword rank", "dense": "meaning rank"}.get(stage)
    if name:
        if a.get("rank") is None and b.get("rank") is None:
            return None
        ra, rb = (f"#{r['rank']}" if r.get("rank") is not None else "not matched" for r in (a, b))
        return f"{name} {ra} vs {rb}"
    sa, sb = a.get("score"), b.get("score")
    if sa is None or sb is None or stage == "final":
        return None
    label = {"fused": "combined score", "ranker": "learned-ranker score",
             "personalised": "score after personalisation"}.get(stage, stage_label(stage))
    return f"{label} {sa:.4g} vs {sb:.4g} ({sa - sb:+.2g})"


def _names(c: Mapping[str, Any], products: Any) -> tuple[str, str, str, str]:
    """(A with id and rank, B with id and rank, short header for A, for B)."""
    a, b = c["a"], c["b"]
    return (product_words(products, a["item_id"], a["rank"], ranked=True),
            product_words(products, b["item_id"], b["rank"], ranked=True), f"A ({a['item_id']})",
            f"B ({b['item_id']})")


def query_verdict(c: Mapping[str, Any], products: Any) -> str:
    """Where, in one search, item a passes item b (or stays behind), in a sentence with the
    figures of each stage, then a stage-by-stage table."""
    a, b = c["a"], c["b"]
    na, nb, ha, hb = _names(c, products)
    head = f"**{na} is {'above' if c['a_above_b'] else 'below'} {nb} for the search '{c['query']}'.**"
    stages: Mapping[str, Mapping[str, Any]] = c.get("stages", {})
    phrases = {s: _stage_phrase(s, v["a"], v["b"]) for s, v in stages.items()}
    passes = c.get("passes_at")
    missing = [f"{product_label(products, p['item_id'])}: {p['note']}." for p in (a, b) if p.get("note")]
    if missing:
        body = " ".join(missing)
    elif c["a_above_b"] and passes == "final":
        figures = "; ".join(p for p in phrases.values() if p)
        body = f"It passes it only in the final order, after the rules{': ' + figures if figures else ''}."
    elif c["a_above_b"] and passes:
        first = phrases.get(passes)
        rest = [p for s, p in phrases.items() if p and s != passes]
        figures = "; ".join(([first] if first else []) + rest)
        body = f"It passes it at the {stage_label(passes)} stage{': ' + figures if figures else ''}; then stays ahead."
    else:
        ahead = [stage_label(s) for s, v in c.get("ahead_by_stage", {}).items() if v and s != "final"]
        figures = "; ".join(p for p in phrases.values() if p)
        lead = f"It is ahead at {', '.join(ahead)} but ends behind" if ahead else "It is behind at every stage"
        body = f"{lead}{': ' + figures if figures else ''}."
    body += _ranker_difference(c)
    lines = [head, "", body, *_rule_lines(c, products)]
    if stages and not missing:
        lines += ["", f"| stage | {ha} | {hb} | A ahead? |", "|---|---|---|---|"]
        for s, v in stages.items():
            ahead_here = c.get("ahead_by_stage", {}).get(s)
            if ahead_here is not None:
                lines.append(f"| {stage_label(s)} | {_figure(v['a'])} | {_figure(v['b'])} | "
                             f"{'yes' if ahead_here else 'no'} |")
    return "\n".join(lines)


def _ranker_difference(c: Mapping[str, Any]) -> str:
    """The learned ranker's feature part that most favours the item shown higher (its exact
    TreeSHAP values' difference), in words; "" when the ranker did not score both."""
    diff = ranker_feature_parts(dict(c.get("difference") or {}))
    if not diff or c.get("ahead_by_stage", {}).get("ranker") is None:
        return ""
    sign = 1.0 if c["a_above_b"] else -1.0
    favour = max(diff, key=lambda n: sign * diff[n])
    if sign * diff[favour] <= 0:
        return ""
    winner = "A" if c["a_above_b"] else "B"
    return f" In the learned ranker, the biggest difference in {winner}'s favour is '{component_label(favour)}' ({sign * diff[favour]:+.2f})."


def _rule_lines(c: Mapping[str, Any], products: Any) -> list[str]:
    rules = [f"{product_label(products, p['item_id'])}: {'; '.join(p['rules'])}." for p in (c["a"], c["b"])
             if p.get("rules")]
    return ["", *rules] if rules else []


def _figure(f: Mapping[str, Any]) -> str:
    rank = f"#{f['rank']}" if f.get("rank") is not None else ""
    score = f"{f['score']:.4g}" if f.get("score") is not None else ""
    return " · ".join(x for x in (rank, score) if x) or "—"


def user_verdict(c: Mapping[str, Any], products: Any, user_id: str) -> str:
    """Why item a is above (or below) item b for a customer: the part that makes the biggest
    difference in the winner's favour, in words; a table of the parts in words; each item's rules."""
    a, b = c["a"], c["b"]
    na, nb, ha, hb = _names(c, products)
    above = bool(c["a_above_b"])
    diff: Mapping[str, float] = c.get("difference", {})
    sign = 1.0 if above else -1.0
    favour = max(diff, key=lambda n: sign * diff[n], default=None)
    against = min(diff, key=lambda n: sign * diff[n], default=None)
    gap = float(a["score"]) - float(b["score"])
    head = f"**{na} is {'above' if above else 'below'} {nb} for customer {user_id}"
    if favour is not None and sign * diff[favour] > 0:
        head += f"; the biggest difference is '{component_label(favour)}' ({diff[favour]:+.2f}; overall {gap:+.2f})"
    head += ".**"
    if against is not None and sign * diff[against] < 0 and abs(diff[against]) >= 0.01:
        head += f" '{component_label(against)}' pulls the other way ({diff[against]:+.2f})."
    notes = [f"{product_label(products, p['item_id'])}: {p['note']}." for p in (a, b) if p.get("note")]
    lines = [head, *(["", *notes] if notes else []), *_rule_lines(c, products)]
    lines += ["", f"| part of the score | {ha} | {hb} | difference |", "|---|---|---|---|"]
    for name, d in sorted(diff.items(), key=lambda kv: -abs(kv[1])):
        lines.append(f"| {component_label(name).replace('|', '/')} | {a['contributions'].get(name, 0):.4f} | "
                     f"{b['contributions'].get(name, 0):.4f} | {d:+.4f} |")
    return "\n".join(lines)


# ---- the tab's actions (no Gradio here) ------------------------------------------------------
@dataclass
class RankView:
    """What one "Rank" click shows: a status line, the table, the chart's parts, ids for A and B."""

    status: str
    table: str = ""
    parts: pd.DataFrame = field(default_factory=lambda: parts_frame([], None))
    first: tuple[str, str] = ("", "")


def rank_view(service: Any, mode: str, text: str, k: int) -> RankView:
    """A customer's ranking (``mode`` "user") or a search's results, with their parts; an unknown
    customer or any other library error is the status line, with nothing else left on screen."""
    text = (text or "").strip()
    if not text:
        return RankView("Enter a customer id (user mode) or a search (query mode).")
    try:
        if mode == "user":
            service.check_user(text)
            placements = list(service.recommend(text, k=k))
            table = user_table(placements, service.products)
            status = f"Top {len(placements)} for customer **{text}**, as shoppers see it (live rules applied)."
        else:
            hits = list(service.search(text, k=k, explain=True))
            placements = [search_placement(h, text) for h in hits]
            table, status = search_table(hits, service.products), search_heading(text, hits)
    except ShelfwiseError as exc:
        return RankView(str(exc))
    ids = [p.item_id for p in placements[:2]] + ["", ""]
    return RankView(status, table, parts_frame(placements, service.products), (ids[0], ids[1]))


def compare_view(service: Any, mode: str, who: str, a: str, b: str) -> str:
    """The compare verdict in words, or the library's message (unknown customer or product)."""
    who, a, b = (who or "").strip(), (a or "").strip(), (b or "").strip()
    if not (a and b):
        return "Enter two product ids (Rank first to pre-fill them with #1 and #2)."
    if not who:
        return "Enter a customer id or a search above first."
    try:
        if mode == "query":
            return query_verdict(service.compare(a, b, query=who), service.products)
        service.check_user(who)
        return user_verdict(service.compare(a, b, user_id=who), service.products, who)
    except ShelfwiseError as exc:
        return str(exc)


def most_active_customer(service: Any) -> str:
    """The customer with the most purchases (else events): an example id that exists."""
    try:
        events = service.shop.events
        buys = events[events["type"] == "purchase"]["user_id"].dropna()
        counts = (buys if len(buys) else events["user_id"].dropna()).value_counts()
        return str(counts.index[0]) if len(counts) else ""
    except (ShelfwiseError, KeyError, AttributeError, OSError):
        return ""


def build_rank_tab(service: ShelfwiseService) -> None:
    import gradio as gr

    example = most_active_customer(service)
    hint = f"a customer id such as {example}, or a search such as tent" if example else "a search such as tent"
    with gr.Row():
        mode = gr.Radio([("customer", "user"), ("search", "query")], value="query", label="Rank for",
                        elem_id="rank-mode")
        who = gr.Textbox(label="Customer id or search", value="tent", placeholder=hint, elem_id="rank-input",
                         max_length=500)
        k = gr.Slider(3, 30, value=10, step=1, label="Top k")
    go = gr.Button("Rank", variant="primary", elem_id="rank-go")
    status = gr.Markdown(elem_id="rank-status")
    table = gr.HTML(label="Ranking", elem_id="rank-table", css_template=TABLE_CSS)
    chart = gr.Plot(label="What each score is made of", elem_id="rank-chart")
    gr.Markdown("### Why is one item above another?")
    with gr.Row():
        a = gr.Textbox(label="Product A (id)", elem_id="rank-a", max_length=128)
        b = gr.Textbox(label="Product B (id)", elem_id="rank-b", max_length=128)
        cmp = gr.Button("Compare", elem_id="rank-compare")
    verdict = gr.Markdown(elem_id="rank-verdict")

    @readable
    def rank(m: str, text: str, top: float) -> tuple[str, str, Any, str, str, str]:
        view = rank_view(service, m, text, int(top))
        figure = (stacked_bars(view.parts, x="item", y="contribution", colour="part", colours=PART_COLOURS,
                               y_title="part of the score") if len(view.parts) else None)
        return view.status, view.table, figure, view.first[0], view.first[1], ""

    @readable
    def compare(m: str, text: str, x: str, y: str) -> str:
        return compare_view(service, m, text, x, y)

    outputs = [status, table, chart, a, b, verdict]
    go.click(rank, [mode, who, k], outputs)
    who.submit(rank, [mode, who, k], outputs)
    cmp.click(compare, [mode, who, a, b], verdict)
