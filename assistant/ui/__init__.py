"""The Gradio app over one Shelfwise service: Chat, Rank explorer, What-if, Insights, Data & models."""

from assistant.ui.app import build_ui

__all__ = ["build_ui"]
