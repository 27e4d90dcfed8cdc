"""kb_answer: a knowledge-base passage that answers a policy question, cited, or a decline."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.registry import Plan, Tool, phrasings, register
from assistant.agent.tools.result import ToolResult


class Args(BaseModel):
    question: str = Field(description="the customer's question, as asked")
    context: str | None = Field(default=None, description="the previous question, when this one follows it up")


def run(service: Any, question: str, context: str | None = None) -> ToolResult:
    from assistant.agent.glossary import english_form

    kb = service.knowledge_base
    reply = kb.answer(english_form(question), context=english_form(context) if context else None)
    best = reply.passages[0] if reply.passages else None
    if not reply.answerable or best is None:
        facts = {"question": question, "answer_probability": reply.probability, "features": reply.features,
                 "nearest": f"{best.doc_title}, {best.chunk_id}" if best else None}
        return ToolResult("kb_answer", _args(question, context), facts, [], declined=True)
    cited = reply.chunk_ids or [best.chunk_id]
    facts = {"doc_id": best.doc_id, "doc_title": best.doc_title, "heading": best.heading, "chunk_id": ", ".join(cited),
             "passage": " ".join(reply.sentences) or best.text, "chunk_text": best.text,
             "answer_probability": reply.probability, "features": reply.features}
    return ToolResult("kb_answer", _args(question, context), facts, cited)


def _args(question: str, context: str | None) -> dict[str, Any]:
    return {"question": question, **({"context": context} if context else {})}


def template(f: dict[str, Any]) -> str:
    return f"{f['passage']} (source: {f['doc_title']}, {f['chunk_id']})"


def plan(slots: Any, question: str, user: str | None) -> Plan:
    return Plan("kb_answer", {"question": question})


TOOL = register(Tool(
    name="kb_answer",
    label="a shop policy question (returns, delivery, warranty...)",
    description="The best knowledge-base passage for a policy question, with its citation, or a decline "
                "when no passage covers the question.",
    args=Args, run=run, template=template, plan=plan, examples=phrasings("kb_answer"),
))
