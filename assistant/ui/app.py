"""Assembles the tabs into one ``gr.Blocks`` sharing the service's loaded engines."""

from __future__ import annotations

from typing import Any

from assistant.merchandising import Merchandising
from assistant.service import ShelfwiseService

CSS = """
.insight-card { padding: 8px; margin-bottom: 6px; }
.suggestion-chip { max-width: fit-content; }
.lab-field-error * { color: var(--error-text-color, #b91c1c) !important; }
.confirm-row { align-items: center; padding: 6px 10px; border-radius: 6px;
               border: 1px solid var(--error-border-color, #fca5a5); background: var(--error-background-fill, #fef2f2); }
abbr[title] { text-decoration: underline dotted; cursor: help; }
"""


def build_ui(service: ShelfwiseService, desk: Merchandising | None = None) -> Any:
    """The Gradio app; mount it with ``gr.mount_gradio_app`` or call ``.launch()``."""
    import gradio as gr

    from assistant.ui.chat import build_chat_tab
    from assistant.ui.data import build_data_tab
    from assistant.ui.insights import build_insights_tab
    from assistant.ui.lab import build_lab_tab
    from assistant.ui.rank import build_rank_tab
    from assistant.ui.whatif import build_whatif_tab

    desk = desk or Merchandising(service)
    with gr.Blocks(title="Shelfwise") as demo:
        gr.Markdown(f"## Shelfwise · `{service.workspace}`")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                build_chat_tab(service)
            with gr.Tab("Rank explorer", id="rank"):
                build_rank_tab(service)
            with gr.Tab("What-if", id="whatif"):
                whatif = build_whatif_tab(service, desk)
            with gr.Tab("Insights", id="insights"):
                build_insights_tab(desk, demo, tabs, whatif)
            with gr.Tab("Lab", id="lab"):
                build_lab_tab(service, demo)
            with gr.Tab("Data & models", id="data"):
                build_data_tab(service, demo)
        demo.load(whatif["load_live"], None, whatif["rules"])  # the table starts as the live rule set
        demo.load(whatif["load_experiments"], None, whatif["experiments"])
        demo.load(whatif["load_choices"], whatif["choices_inputs"], whatif["choices_outputs"])  # editor pickers, versions
    return demo
