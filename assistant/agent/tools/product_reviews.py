"""product_reviews: what an item's reviews say on one point (leaks, sizing, battery...) or what
they complain about, with counts, shares and quoted reviews as citations.

The point asked about is the aspect (:data:`recsys_core.reviews.ASPECTS`) nearest the question
by sentence similarity; "complain", "problems", "issues" ask for the top complaints instead.
Fewer than :data:`MIN_MENTIONS` reviews on the point: the answer says so instead of guessing.
"""

from __future__ import annotations

import re
import threading
import weakref
from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.registry import Plan, Tool, phrasings, register
from assistant.agent.tools.render import fmt, listing
from assistant.agent.tools.result import ToolResult, pct, product_brief
from recsys_core.reviews import ASPECTS, MIN_MENTIONS, AspectEvidence

# a question nearer an aspect than this (similarity + keyword bonus) asks about that aspect
ASPECT_MIN_SCORE = 0.3
ASPECT_WORDS: dict[str, str] = {
    "sizing": "sizing and fit", "durability": "durability", "waterproofing": "leaks and keeping water out",
    "battery": "battery life", "taste": "taste", "comfort": "comfort", "noise": "noise", "smell": "smell",
}
_COMPLAINT = re.compile(r"\b(?:complain\w*|problems?|issues?|wrong|downsides?|cons|negatives?|bad (?:about|things)|"
                        r"gripes?|dislike\w*|hate)\b|差评|问题|抱怨|缺点", re.I)


class Args(BaseModel):
    item_id: str = Field(description="the product id, e.g. P00042")
    aspect: str | None = Field(default=None, description=f"the point asked about, one of {', '.join(ASPECTS)}; "
                                                         "empty for the item's top complaints")
    question: str | None = Field(default=None, description="the question as asked (the point is read from it "
                                                           "when no aspect is given)")


_lock = threading.Lock()
_state: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _cache(service: Any) -> dict[str, Any]:
    """The fitted extractor and per-item mentions of this service's shop (rebuilt when the shop changes)."""
    from recsys_core.reviews import AspectExtractor

    shop = service.shop
    with _lock:
        entry = _state.get(service)
        if entry is None or entry["shop"] is not shop:
            entry = {"shop": shop, "extractor": AspectExtractor().fit(), "mentions": {}}
            _state[service] = entry
        return entry


def _reviews(service: Any) -> Any:
    import pandas as pd

    reviews = getattr(service.shop, "reviews", None)
    if reviews is None:
        return pd.DataFrame(columns=["review_id", "item_id", "rating", "text", "created_at", "title"])
    return reviews


def _mentions(service: Any, item_id: str) -> tuple[Any, Any]:
    """The item's reviews and their aspect mentions (extracted once per item and shop)."""
    entry = _cache(service)
    reviews = _reviews(service)
    mine = reviews[reviews["item_id"].astype(str) == item_id]
    if item_id not in entry["mentions"]:
        entry["mentions"][item_id] = entry["extractor"].transform(mine)
    return mine, entry["mentions"][item_id]


def asked_aspect(service: Any, question: str) -> tuple[str | None, float]:
    """The aspect a question asks about and its score; (None, score) for "what do people complain
    about" or a question near no aspect."""
    ranked = _cache(service)["extractor"].rank_aspects(question)
    best, score = ranked[0]
    if _COMPLAINT.search(question) and score < 0.45:  # "complain about the leaks" still names a point
        return None, score
    return (best if score >= ASPECT_MIN_SCORE else None), score


def _evidence_facts(e: AspectEvidence) -> dict[str, Any]:
    return {"aspect": e.aspect, "aspect_words": ASPECT_WORDS.get(e.aspect, e.aspect), "mentions": e.mentions,
            "complaints": e.complaints, "praises": e.praises, "mention_share_pct": pct(e.mention_share),
            "complaint_share_pct": pct(e.complaint_share), "mention_rating": e.mention_rating,
            "verdict": e.verdict, "enough": e.enough,
            "quotes": [{"review_id": q.review_id, "rating": q.rating, "text": q.text, "complaint": q.polarity < 0}
                       for q in e.quotes]}


def run(service: Any, item_id: str, aspect: str | None = None, question: str | None = None) -> ToolResult:
    from recsys_core.reviews import ReviewsInputError, aspect_evidence, top_complaints

    facts: dict[str, Any] = product_brief(service, item_id)
    args: dict[str, Any] = {"item_id": item_id}
    if aspect is not None and aspect not in ASPECTS:
        raise ReviewsInputError(f"{aspect!r} is not a review aspect; use one of {', '.join(ASPECTS)}")
    if aspect is None and question:
        aspect, score = asked_aspect(service, question)
        facts["aspect_score"] = round(score, 3)
    args.update({"aspect": aspect} if aspect else {}, **({"question": question} if question else {}))
    mine, mentions = _mentions(service, item_id)
    facts.update(reviews=len(mine), min_mentions=MIN_MENTIONS,
                 average_rating=round(float(mine["rating"].mean()), 1) if len(mine) else None)
    if not len(mine):
        return ToolResult("product_reviews", args, {**facts, "aspect": aspect}, [item_id], declined=True)
    if aspect is not None:
        e = aspect_evidence(mine, mentions, item_id, aspect)
        facts.update(_evidence_facts(e))
        cited = [item_id, *(q.review_id for q in e.quotes)]
        return ToolResult("product_reviews", args, facts, cited, declined=not e.enough)
    found = [e for e in top_complaints(mine, mentions, item_id, k=3) if e.complaints >= MIN_MENTIONS]
    most = top_complaints(mine, mentions, item_id, k=1)
    facts.update(aspect=None, complaints=[_evidence_facts(e) for e in found],
                 most_complained=_evidence_facts(most[0]) if most else None)
    shown = [q for c in facts["complaints"] for q in [q for q in c["quotes"] if q["complaint"]][:2]][:3]
    facts["quotes"] = shown
    return ToolResult("product_reviews", args, facts, [item_id, *(q["review_id"] for q in shown)])


def _quotes(rows: list[dict[str, Any]]) -> str:
    return "; ".join(f"“{q['text']}” ({q['review_id']}, {q['rating']}★)" for q in rows)


def _item(f: dict[str, Any]) -> str:
    return f"{f['item_id']} {f['title']}"


def _rating(f: dict[str, Any]) -> str:
    return f"average rating {fmt(f['average_rating'])}" if f.get("average_rating") is not None else "no ratings"


def template(f: dict[str, Any]) -> str:
    if f.get("aspect"):
        side = (f"{f['complaints']} complain" if f["verdict"] == "complaints" else
                f"{f['praises']} are positive" if f["verdict"] == "praise" else
                f"{f['complaints']} complain and {f['praises']} are positive")
        rating = f"; average rating {fmt(f['mention_rating'])} among them, {fmt(f['average_rating'])} overall"
        return (f"{f['mentions']} of {f['reviews']} reviews of {_item(f)} mention {f['aspect_words']} "
                f"({fmt(f['mention_share_pct'])}%): {side}{rating}. Reviewers say: {_quotes(f['quotes'])}.")
    if not f.get("complaints"):
        most = f.get("most_complained")
        top = (f" (the most: {most['aspect_words']}, {most['complaints']} review"
               f"{'s' if most['complaints'] != 1 else ''})") if most else ""
        return (f"Reviews of {_item(f)} raise no complaint often: no point is criticised in {f['min_mentions']} "
                f"or more of its {f['reviews']} reviews{top}; {_rating(f)}.")
    parts = [f"{c['aspect_words']} ({c['complaints']} reviews, {fmt(pct(c['complaints'] / f['reviews']))}%)"
             for c in f["complaints"]]
    return (f"Of {f['reviews']} reviews of {_item(f)} ({_rating(f)}), the main complaints are about "
            f"{listing(parts)}. Reviewers say: {_quotes(f['quotes'])}.")


def decline(f: dict[str, Any]) -> str:
    """Too few reviews on the point: say how many there are, not what they might mean."""
    if not f.get("reviews"):
        return f"{_item(f)} has no reviews yet, so I can't say what customers think of it."
    words = f.get("aspect_words") or "that"
    n = f.get("mentions", 0)
    total = int(f["reviews"])
    if total == 1:
        said = f"The only review of {_item(f)} {'mentions' if n else 'does not mention'} {words}"
    elif n == 0:
        said = f"None of the {total} reviews of {_item(f)} mention {words}"
    elif n == total:
        said = f"{'Both' if total == 2 else f'All {total}'} reviews of {_item(f)} mention {words}"
    else:
        said = f"Only {n} of the {total} reviews of {_item(f)} {'mentions' if n == 1 else 'mention'} {words}"
    return (f"{said}; too few to say "
            f"(I need at least {f['min_mentions']}).")


def plan(slots: Any, question: str, user: str | None) -> Plan:
    if not slots.item_ids:
        return Plan(None, ask="Which product do you mean? Give its id (e.g. P00042) or its brand and type.")
    return Plan("product_reviews", {"item_id": slots.item_ids[0], "question": question})


def accepts(slots: Any, text: str) -> bool:
    # a product must be named: "do your clothes run small" is the size guide, not a review question
    return bool(slots.item_ids or slots.unknown_items or slots.ambiguous_items)


TOOL = register(Tool(
    name="product_reviews",
    label="what reviews say about a product",
    description="What a product's customer reviews say on one point (sizing, durability, leaks, battery, taste, "
                "comfort, noise, smell) or what they complain about: counts, shares, average rating and quoted "
                "reviews with their ids; declines when too few reviews cover the point.",
    args=Args, run=run, template=template, plan=plan, accepts=accepts, decline=decline, structured=True,
    examples=phrasings("product_reviews"),
))
