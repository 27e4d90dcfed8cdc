"""Rank explorer tab: a user's or a query's ranking, each score split into its components,
and the stage (or component) where one item passes another."""

from __future__ import annotations

from typing import Any

import pandas as pd

from assistant.service import ShelfwiseService
from assistant.ui.charts import stacked_bars
from assistant.ui.common import readable

COLUMNS = ["rank", "item_id", "title", "score", "top component"]
COMPONENT_COLOURS = {
    "sequence": "#4c78a8", "cf": "#f58518", "item_knn": "#e45756", "content": "#72b7b2", "popularity": "#54a24b",
    "trend": "#eeca3b", "rules": "#b279a2", "retrieval (bm25 + dense)": "#4c78a8", "personalisation/rules": "#ff9da6",
}


def recommendation_rows(service: ShelfwiseService, user_id: str, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ranked list, long table of contributions) for a user; contributions sum to each score."""
    recs = service.recommend(user_id, k=k)
    products = service.products
    table, parts = [], []
    for r in recs:
        label = f"{r.rank:02d} {r.item_id}"
        table.append({"rank": r.rank, "item_id": r.item_id, "title": str(products.at[r.item_id, "title"]),
                      "score": round(r.score, 4), "top component": r.top_component()})
        parts += [{"item": label, "component": name, "contribution": float(v)}
                  for name, v in r.contributions.items() if v]
    return pd.DataFrame(table, columns=COLUMNS), pd.DataFrame(parts, columns=["item", "component", "contribution"])


def search_rows(service: ShelfwiseService, query: str, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ranked list, parts) for a query: final score = fused retrieval score + personalisation/rules."""
    hits = service.search(query, k=k, explain=True)
    table, parts = [], []
    for h in hits:
        t = h.trace
        fused = float(t.fused_score) if t else float(h.score)
        rest = float(h.score) - fused
        label = f"{h.rank:02d} {h.item_id}"
        table.append({"rank": h.rank, "item_id": h.item_id, "title": h.title, "score": round(float(h.score), 4),
                      "top component": "retrieval (bm25 + dense)" if fused >= abs(rest) else "personalisation/rules"})
        parts.append({"item": label, "component": "retrieval (bm25 + dense)", "contribution": fused})
        if abs(rest) > 1e-12:
            parts.append({"item": label, "component": "personalisation/rules", "contribution": rest})
    return pd.DataFrame(table, columns=COLUMNS), pd.DataFrame(parts, columns=["item", "component", "contribution"])


def compare_text(service: ShelfwiseService, mode: str, who: str, a: str, b: str) -> str:
    if mode == "query":
        c = service.compare(who, a, b)
        stages = ", ".join(f"{k}: {'ahead' if v else 'behind'}" for k, v in c.ahead_by_stage.items() if v is not None)
        where = f"**{a} passes {b} at the {c.passes_at} stage.**" if c.passes_at else f"**{a} does not pass {b}.**"
        return f"{where}\n\nStage by stage for *{who}*: {stages}.\n\n{c.explanation}"
    out: dict[str, Any] = service.compare_for_user(who, a, b)
    lines = [f"| component | {a} | {b} | difference |", "|---|---|---|---|"]
    for name, diff in sorted(out["difference"].items(), key=lambda kv: -abs(kv[1])):
        lines.append(f"| {name} | {out['a']['contributions'].get(name, 0):.4f} | "
                     f"{out['b']['contributions'].get(name, 0):.4f} | {diff:+.4f} |")
    verdict = "above" if out["a_above_b"] else "below"
    return (f"**{a} (rank {out['a']['rank']}) is {verdict} {b} (rank {out['b']['rank']}) for {who}; "
            f"the deciding component is `{out['decisive_component']}`.**\n\n" + "\n".join(lines))


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
