"""Rank explorer tab: a user's or a query's ranking as shoppers see it (live rules applied), each
score split into its exact parts (a part per live rule), and where one item passes another."""

from __future__ import annotations

from typing import Any

import pandas as pd

from assistant.ranking import rank_text
from assistant.service import ShelfwiseService
from assistant.ui.charts import stacked_bars
from assistant.ui.common import readable

COLUMNS = ["rank", "item_id", "title", "score", "top component"]
COMPONENT_COLOURS = {
    "sequence": "#4c78a8", "cf": "#f58518", "item_knn": "#e45756", "content": "#72b7b2", "popularity": "#54a24b",
    "trend": "#eeca3b", "retrieval": "#4c78a8", "personalisation": "#ff9da6",
}


def _rows(placements: list[Any], products: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    table, parts = [], []
    for p in placements:
        label = f"{p.rank:02d} {p.item_id}"
        title = str(products.at[p.item_id, "title"]) if p.item_id in products.index else p.item_id
        table.append({"rank": p.rank, "item_id": p.item_id, "title": title, "score": round(p.score, 4),
                      "top component": p.top_component()})
        parts += [{"item": label, "component": name, "contribution": float(v)}
                  for name, v in p.contributions.items() if v]
    return pd.DataFrame(table, columns=COLUMNS), pd.DataFrame(parts, columns=["item", "component", "contribution"])


def recommendation_rows(service: ShelfwiseService, user_id: str, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ranked list, long table of parts) for a user; the parts sum to each shown score."""
    return _rows(service.recommend(user_id, k=k), service.products)


def search_rows(service: ShelfwiseService, query: str, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ranked list, parts) for a query: fused retrieval + personalisation + one part per rule."""
    from assistant.ranking import search_placement

    hits = service.search(query, k=k, explain=True)
    return _rows([search_placement(h, query) for h in hits], service.products)


def compare_text(service: ShelfwiseService, mode: str, who: str, a: str, b: str) -> str:
    if mode == "query":
        c = service.compare(a, b, query=who)
        stages = ", ".join(f"{k}: {'ahead' if v else 'behind'}" for k, v in c["ahead_by_stage"].items() if v is not None)
        if c["a_above_b"]:
            where = f" from the {c['passes_at']} stage on" if c["passes_at"] else ""
            head = f"**{a} ({rank_text(c['a']['rank'])}) is above {b} ({rank_text(c['b']['rank'])}){where}.**"
        else:
            head = f"**{a} ({rank_text(c['a']['rank'])}) is below {b} ({rank_text(c['b']['rank'])}).**"
        return f"{head}\n\nStage by stage for *{who}*: {stages}."
    out: dict[str, Any] = service.compare(a, b, user_id=who)
    lines = [f"| component | {a} | {b} | difference |", "|---|---|---|---|"]
    for name, diff in sorted(out["difference"].items(), key=lambda kv: -abs(kv[1])):
        lines.append(f"| {name} | {out['a']['contributions'].get(name, 0):.4f} | "
                     f"{out['b']['contributions'].get(name, 0):.4f} | {diff:+.4f} |")
    verdict = "above" if out["a_above_b"] else "below"
    rules = "".join(f"\n\n{i}: {'; '.join(p['rules'])}" for i, p in ((a, out["a"]), (b, out["b"])) if p["rules"])
    return (f"**{a} ({rank_text(out['a']['rank'])}) is {verdict} {b} ({rank_text(out['b']['rank'])}) for {who}; "
            f"the deciding component is `{out['decisive_component']}`.**{rules}\n\n" + "\n".join(lines))


def build_rank_tab(service: ShelfwiseService) -> None:
    import gradio as gr

    with gr.Row():
        mode = gr.Radio(["user", "query"], value="query", label="Rank for", elem_id="rank-mode")
        who = gr.Textbox(label="User id or search query", value="tent", elem_id="rank-input", max_length=500)
        k = gr.Slider(3, 30, value=10, step=1, label="Top k")
    go = gr.Button("Rank", variant="primary", elem_id="rank-go")
    table = gr.Dataframe(headers=COLUMNS, label="Ranking", interactive=False, elem_id="rank-table")
    chart = gr.Plot(label="Score components (stacked)", elem_id="rank-chart")
    gr.Markdown("### Why is one item above another?")
    with gr.Row():
        a = gr.Textbox(label="Item A", elem_id="rank-a", max_length=128)
        b = gr.Textbox(label="Item B", elem_id="rank-b", max_length=128)
        cmp = gr.Button("Compare", elem_id="rank-compare")
    verdict = gr.Markdown(elem_id="rank-verdict")

    @readable
    def rank(m: str, text: str, top: float) -> tuple[pd.DataFrame, Any, Any, Any, str]:
        text = (text or "").strip()
        if not text:
            raise gr.Error("Enter a user id or a search query.")
        rows, parts = (recommendation_rows if m == "user" else search_rows)(service, text, int(top))
        first = rows["item_id"].tolist()[:2] + ["", ""]
        figure = stacked_bars(parts, x="item", y="contribution", colour="component", colours=COMPONENT_COLOURS)
        return rows, figure, gr.update(value=first[0]), gr.update(value=first[1]), ""

    @readable
    def compare(m: str, text: str, x: str, y: str) -> str:
        if not (x and y):
            raise gr.Error("Enter two item ids (rank first to pre-fill them).")
        return compare_text(service, m, text.strip(), x.strip(), y.strip())

    go.click(rank, [mode, who, k], [table, chart, a, b, verdict])
    who.submit(rank, [mode, who, k], [table, chart, a, b, verdict])
    cmp.click(compare, [mode, who, a, b], verdict)
