"""Chat tab: the grounded assistant, streamed, with citations and the facts each answer used."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from assistant.service import ShelfwiseService
from assistant.ui.common import readable
from recsys_core.errors import ShelfwiseError

GENERIC_PLACEHOLDER = "Ask about rankings, policies, trends or promotions."


def example_ids(service: ShelfwiseService) -> tuple[str | None, str | None]:
    """(customer, product) of this shop for the examples: its most active customer and the item
    ranked first for them (the most chosen item when no recommender is built); None when unknown."""
    try:
        events = service.shop.events
    except ShelfwiseError:
        return None, None
    users = events["user_id"].dropna().astype(str)
    if not len(users):
        return None, None
    customer = str(users.value_counts().index[0])
    try:
        top = service.recommend(customer, k=1)
        product = top[0].item_id if top else None
    except ShelfwiseError:
        product = None
    if product is None:
        items = events["item_id"].dropna().astype(str)
        product = str(items.value_counts().index[0]) if len(items) else None
    return customer, product


def suggestions(customer: str | None) -> tuple[str, ...]:
    """The example questions under the chat, with a customer id that exists in this shop."""
    personal = (f"Recommend something for customer {customer}",) if customer else ()
    return ("What is your return policy?", *personal, "Which categories are trending up?",
            "Suggest a promotion for slow movers")


def question_placeholder(customer: str | None, product: str | None) -> str:
    """The question box's hint, naming ids that exist in this shop."""
    if customer and product:
        return f"Why is {product} ranked first for customer {customer}?"
    return GENERIC_PLACEHOLDER


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


MAX_OPTIONS = 4  # buttons for a clarifying question's readings (or the products a description fits)


def build_chat_tab(service: ShelfwiseService) -> None:
    import gradio as gr

    customer, product = example_ids(service)
    session = gr.State(lambda: uuid.uuid4().hex[:12])
    offered = gr.State([])  # the options of the last clarifying answer
    chatbot = gr.Chatbot(label="Shelfwise assistant", height=460, elem_id="chat-history",
                         placeholder=GENERIC_PLACEHOLDER)
    with gr.Row():
        option_buttons = [gr.Button(visible=False, size="sm", elem_classes=["clarify-option"],
                                    elem_id=f"chat-option-{i}") for i in range(MAX_OPTIONS)]
    with gr.Row():
        question = gr.Textbox(label="Question", placeholder=question_placeholder(customer, product),
                              scale=5, elem_id="chat-input", max_length=2000)
        user = gr.Textbox(label="Default customer id (optional)", scale=1, elem_id="chat-user", max_length=128,
                          placeholder=f"e.g. {customer}" if customer else "")
    with gr.Row():
        send = gr.Button("Ask", variant="primary", elem_id="chat-send")
        clear = gr.Button("New conversation", size="sm")
    with gr.Row():
        chips = [gr.Button(s, size="sm", elem_classes=["suggestion-chip"]) for s in suggestions(customer)]

    def buttons(options: list[dict[str, Any]]) -> list[Any]:
        return [gr.update(value=options[i]["label"], visible=True) if i < len(options) else gr.update(visible=False)
                for i in range(MAX_OPTIONS)]

    def answer(text: str, user_id: str, history: list[dict[str, Any]], sid: str,
               intent: str | None = None, shown: str | None = None) -> Iterator[Any]:
        history = [*history, {"role": "user", "content": shown or text}]
        yield history, "", [], *buttons([])  # the question is taken: the box is cleared once, now
        ans = service.ask(text, user=(user_id or "").strip() or None, session=sid, intent=intent)
        reply = {"role": "assistant", "content": ""}
        history = [*history, reply]
        words = ans.answer.split(" ")
        step = max(1, len(words) // 12)  # ~12 updates: streamed, without flooding the socket
        # later updates leave the box alone: a next question typed meanwhile is kept
        for i in range(0, len(words), step):
            reply["content"] = " ".join(words[: i + step])
            yield history, gr.skip(), [], *buttons([])
        reply["content"] = ans.answer + citation_line(ans.citations)
        options = list(ans.options)[:MAX_OPTIONS]
        yield [*history[:-1], reply, facts_message(ans)], gr.skip(), options, *buttons(options)

    @readable
    def respond(text: str, user_id: str, history: list[dict[str, Any]], sid: str) -> Iterator[Any]:
        text = (text or "").strip()
        if not text:
            raise gr.Error("Type a question first.")
        yield from answer(text, user_id, history, sid)

    def pick(index: int) -> Any:
        @readable
        def chosen(options: list[dict[str, Any]], user_id: str, history: list[dict[str, Any]], sid: str) -> Iterator[Any]:
            if index >= len(options):
                raise gr.Error("That choice has expired: ask the question again.")
            option = options[index]
            yield from answer(option["question"], user_id, history, sid, intent=option.get("intent"),
                              shown=option["label"])
        return chosen

    outputs = [chatbot, question, offered, *option_buttons]
    # Ask while an answer is still coming: the question is taken when that answer is done
    # (read from the box then, which the answer's updates leave alone), not ignored
    send.click(respond, [question, user, chatbot, session], outputs, trigger_mode="always_last")
    question.submit(respond, [question, user, chatbot, session], outputs, trigger_mode="always_last")
    for i, button in enumerate(option_buttons):
        button.click(pick(i), [offered, user, chatbot, session], outputs)
    for chip in chips:
        chip.click(lambda s: s, chip, question).then(respond, [question, user, chatbot, session], outputs)
    clear.click(lambda: ([], uuid.uuid4().hex[:12], [], *buttons([])), None, [chatbot, session, offered, *option_buttons])
