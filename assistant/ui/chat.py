"""Chat tab: the grounded assistant, streamed, with citations and the facts each answer used."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from assistant.service import ShelfwiseService
from assistant.ui.common import readable

SUGGESTIONS = (
    "What is your return policy?",
    "Recommend something for user U0001",
    "Which categories are trending up?",
    "Suggest a promotion for slow movers",
)


def citation_line(citations: list[str]) -> str:
    if not citations:
        return ""
    return "\n\n**Sources:** " + ", ".join(f"`{c}`" for c in citations)


def facts_message(answer: Any) -> dict[str, Any]:
    """A collapsible message holding the tool calls and facts the answer rests on."""
    body = json.dumps({"tool_calls": answer.tool_calls, "facts": answer.facts}, indent=1, default=str)
    if len(body) > 6000:
        body = body[:6000] + "\n…"
    return {"role": "assistant", "content": f"```json\n{body}\n```",
            "metadata": {"title": f"Facts used ({answer.intent}, {answer.source})", "status": "done"}}


def build_chat_tab(service: ShelfwiseService) -> None:
    import gradio as gr

    session = gr.State(lambda: uuid.uuid4().hex[:12])
    chatbot = gr.Chatbot(label="Shelfwise assistant", height=460, elem_id="chat-history",
                         placeholder="Ask about rankings, policies, trends or promotions.")
    with gr.Row():
        question = gr.Textbox(label="Question", placeholder="Why is P00042 ranked first for user U0017?",
                              scale=5, elem_id="chat-input", max_length=2000)
        user = gr.Textbox(label="Default user id (optional)", scale=1, elem_id="chat-user", max_length=128)
    with gr.Row():
        send = gr.Button("Ask", variant="primary", elem_id="chat-send")
        clear = gr.Button("New conversation", size="sm")
    with gr.Row():
        chips = [gr.Button(s, size="sm", elem_classes=["suggestion-chip"]) for s in SUGGESTIONS]

    @readable
    def respond(text: str, user_id: str, history: list[dict[str, Any]], sid: str) -> Iterator[Any]:
        text = (text or "").strip()
        if not text:
            raise gr.Error("Type a question first.")
        history = [*history, {"role": "user", "content": text}]
        yield history, ""
        answer = service.ask(text, user=(user_id or "").strip() or None, session=sid)
        reply = {"role": "assistant", "content": ""}
        history = [*history, reply]
        words = answer.answer.split(" ")
        step = max(1, len(words) // 12)  # ~12 updates: streamed, without flooding the socket
        for i in range(0, len(words), step):
            reply["content"] = " ".join(words[: i + step])
            yield history, ""
        reply["content"] = answer.answer + citation_line(answer.citations)
        yield [*history[:-1], reply, facts_message(answer)], ""

    send.click(respond, [question, user, chatbot, session], [chatbot, question])
    question.submit(respond, [question, user, chatbot, session], [chatbot, question])
    for chip in chips:
        chip.click(lambda s: s, chip, question).then(respond, [question, user, chatbot, session], [chatbot, question])
    clear.click(lambda: ([], uuid.uuid4().hex[:12]), None, [chatbot, session])
