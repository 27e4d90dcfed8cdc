"""kb_answer: a knowledge-base passage that answers a policy question, cited, or a decline."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.registry import Plan, Tool, register
from assistant.agent.tools.result import ToolResult


class Args(BaseModel):
    question: str = Field(description="the customer's question, as asked")


def run(service: Any, question: str) -> ToolResult:
    kb = service.knowledge_base
    passages = kb.retrieve(question, k=2)
    if not kb.answerable(passages):
        best = passages[0] if passages else None
        facts = {"question": question, "best_similarity": round(best.similarity, 3) if best else None,
                 "best_coverage": round(best.coverage, 3) if best else None}
        return ToolResult("kb_answer", {"question": question}, facts, [], declined=True)
    top = passages[0]
    facts = {"doc_id": top.doc_id, "doc_title": top.doc_title, "heading": top.heading, "chunk_id": top.chunk_id,
             "passage": top.text, "similarity": round(top.similarity, 3), "coverage": round(top.coverage, 3)}
    citations = [top.chunk_id]
    intro = kb.intro(top.doc_id) if top.position != 0 else None
    if intro is not None and intro.text and intro.text not in top.text:
        facts["summary"] = intro.text
        citations.append(intro.chunk_id)
    return ToolResult("kb_answer", {"question": question}, facts, citations)


def template(f: dict[str, Any]) -> str:
    extra = f" {f['summary']}" if f.get("summary") else ""
    return f"{f['passage']}{extra} (source: {f['doc_title']}, {f['chunk_id']})"


def plan(slots: Any, question: str, user: str | None) -> Plan:
    return Plan("kb_answer", {"question": question})


def hand_over(slots: Any, text: str) -> str | None:
    if slots.item_ids and re.search(r"\b(?:price|stock|cost)\b", text, re.I):
        return "lookup_product"
    if (re.search(r"\bdo you (?:sell|stock|carry|have any)\b(?! (?:my|your|our) )", text, re.I)
            and not re.search(r"\bsizes?\b", text, re.I)):
        return "search_products"
    return None


TOOL = register(Tool(
    name="kb_answer",
    description="The best knowledge-base passage for a policy question, with its citation, or a decline "
                "when no passage covers the question.",
    args=Args, run=run, template=template, plan=plan, hand_over=hand_over, priority=100,
    patterns=(r"\breturn", r"\brefund", r"\bship", r"\bdeliver", r"\bwarrant", r"\bpay(?:ment|ing| later| with)?\b",
              r"\bgift ?cards?\b", r"\bpassword\b", r"\baccount\b", r"\bprivacy\b", r"\bcookies?\b", r"\bpromo ?codes?\b",
              r"\bloyalty\b", r"\bsize guide\b", r"\bsizing\b", r"\bcancel", r"\bexchange", r"\bprice match",
              r"\bpolicy\b", r"\bpolicies\b", r"\btrack(?:ing)? (?:my )?order", r"\bdamaged\b", r"\bfaulty\b",
              r"\bcare (?:guide|instructions)\b", r"\bhow (?:do|can) i (?:wash|clean|care)\b", r"\bcan i\b",
              r"\bdo you (?:offer|accept|ship|have a|allow)\b", r"\bhow long\b", r"\bis there a fee\b",
              r"\bcustomer service\b", r"\bvoucher", r"\border\b", r"\bcoupon", r"\bwhat are your\b", r"\bdo you\b",
              r"\bare you\b", r"\bhow do i\b", r"\bis it possible\b", r"\bopening hours\b", r"\bwhich size\b",
              r"\bwhat sizes?\b", r"\bsize (?:chart|guide|table)\b",
              r"\bis there (?:a|an|any) (?:discount|fee|charge|limit|minimum|way)\b"),
    examples=("What is your return policy?", "Can I return opened electronics?", "How long does shipping take?",
              "Do you price match if I find it cheaper?"),
))
