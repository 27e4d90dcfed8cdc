"""Review summaries for item text: each item's most helpful review sentences, PII redacted.

With ``HybridConfig.review_sentences > 0`` an item's text becomes title, brand, category,
description and ``"Reviews: ..."`` (see :func:`item_records`), so the content scorer and the
sequence model's text initialisation see what customers wrote as well as what the shop did.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def review_summaries(reviews: pd.DataFrame, *, sentences: int = 3, max_chars: int = 400) -> dict[str, str]:
    """item id -> up to ``sentences`` distinct sentences: the first sentence of each of the
    item's reviews, most helpful first (helpful votes, then verified, then newest), redacted."""
    from recsys_core.privacy.redact import redact

    if sentences <= 0 or reviews is None or not len(reviews):
        return {}
    frame = pd.DataFrame({
        "item_id": reviews["item_id"].astype(str),
        "text": reviews["text"].astype("string").fillna(""),
        "helpful": pd.to_numeric(reviews.get("helpful_votes", 0), errors="coerce"),
        "verified": pd.to_numeric(reviews.get("verified", 0), errors="coerce"),
        "created_at": pd.to_datetime(reviews["created_at"], utc=True),
    }).fillna({"helpful": 0, "verified": 0})
    frame = frame.sort_values(["item_id", "helpful", "verified", "created_at"],
                              ascending=[True, False, False, False], kind="stable")
    out: dict[str, str] = {}
    for item, group in frame.groupby("item_id", sort=False):
        picked: list[str] = []
        seen: set[str] = set()
        for text in group["text"]:
            first = _SENTENCE_END.split(" ".join(str(text).split()), maxsplit=1)[0].strip()
            if first and first.lower() not in seen:
                seen.add(first.lower())
                picked.append(first if first[-1] in ".!?" else first + ".")
            if len(picked) >= sentences:
                break
        if picked:
            out[str(item)] = redact(" ".join(picked))[:max_chars]
    return out


def item_records(products: pd.DataFrame, reviews: pd.DataFrame | None = None, *,
                 sentences: int = 0) -> list[dict[str, Any]]:
    """The product rows as records for :func:`recsys_core.models.embeddings.item_text`, each with
    a ``reviews`` summary when ``sentences > 0`` and the item has reviews."""
    records: list[dict[str, Any]] = products.to_dict("records")
    summaries = review_summaries(reviews, sentences=sentences) if sentences > 0 and reviews is not None else {}
    for record in records:
        summary = summaries.get(str(record.get("item_id")))
        if summary:
            record["reviews"] = f"Reviews: {summary}"
    return records
