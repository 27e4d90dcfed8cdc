"""Insights tab: proactive cards computed on load, each with its figures and a one-click
action that opens What-if pre-filled; trend and segment charts."""

from __future__ import annotations

from typing import Any

import pandas as pd

from assistant.merchandising import Merchandising
from assistant.ui.charts import bars, line
from assistant.ui.common import readable
from assistant.ui.whatif import rules_to_table, table_to_rules

MAX_CARDS = 12


def card_markdown(card: dict[str, Any]) -> str:
    figures = " · ".join(f"**{k}**: {v}" for k, v in card["figures"].items() if v is not None and k != "rule_id")
    return f"#### {card['title']}\n{figures}"


def with_rule(table: pd.DataFrame, rule: dict[str, Any]) -> pd.DataFrame:
    """The What-if rules table with ``rule`` added (replacing a rule of the same id): the table
    holds the whole proposed set, the live rules included, so trying a card never drops them."""
    kept = [r for r in table_to_rules(table) if r["id"] != rule["id"]]
    return rules_to_table([*kept, rule])


def build_insights_tab(desk: Merchandising, demo: Any, tabs: Any, whatif: dict[str, Any]) -> None:
    import gradio as gr

    data = gr.State({})
    refresh = gr.Button("Recompute insights", size="sm")
    status = gr.Markdown("Computing insights…", elem_id="insights-status")

    # A fixed set of card slots (not gr.render): the buttons' handlers exist from page load,
    # so a click can never reach a handler that a re-render has just replaced.
    slots: list[tuple[Any, Any, Any]] = []
    for index in range(MAX_CARDS):
        with gr.Group(visible=False, elem_classes=["insight-card"]) as group:
            text = gr.Markdown()
            button = gr.Button("Open in What-if", size="sm", elem_classes=["insight-action"], visible=False)
        button.click(
            lambda found, table, index=index: (with_rule(table, found["cards"][index]["whatif"]),
                                               gr.Tabs(selected="whatif")),
            [data, whatif["rules"]],
            [whatif["rules"], tabs],
        )
        slots.append((group, text, button))

    def card_updates(found: dict[str, Any]) -> list[Any]:
        cards = found.get("cards", [])[:MAX_CARDS]
        updates: list[Any] = []
        for index in range(MAX_CARDS):
            card = cards[index] if index < len(cards) else None
            updates += [
                gr.Group(visible=card is not None),
                gr.Markdown(card_markdown(card) if card else ""),
                gr.Button(visible=bool(card and card.get("whatif"))),
            ]
        return updates

    with gr.Row():
        categories = gr.Plot(label="Weekly growth by category (views)")
        weeks = gr.Plot(label="Weekly views")
    segments = gr.Dataframe(label="Segments", interactive=False)
    seg_chart = gr.Plot(label="Users per segment")

    @readable
    def compute() -> tuple[Any, ...]:
        found = desk.insights()
        cats = pd.DataFrame(found["categories"], columns=["key", "weekly_growth"])
        cats = cats.assign(**{"weekly growth %": 100 * cats["weekly_growth"].astype(float)})
        cats = cats.sort_values("weekly growth %", ascending=False)
        weekly = pd.DataFrame(found["weeks"], columns=["week_start", "total"])
        segs = pd.DataFrame(found["segments"], columns=["segment_id", "name", "description", "users", "price_band"])
        n = len(found["cards"])
        note = f"{n} insight card{'s' if n != 1 else ''} computed from the shop's data." if n else "No insights found."
        return (found, note, bars(cats, x="key", y="weekly growth %"), line(weekly, x="week_start", y="total"),
                segs, bars(segs, x="name", y="users"), *card_updates(found))

    outputs = [data, status, categories, weeks, segments, seg_chart, *[c for slot in slots for c in slot]]
    demo.load(compute, None, outputs)
    refresh.click(compute, None, outputs)
