"""Evidence behind a hybrid score: similar history items, neighbours, trend figures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from recsys_core.models.hybrid import HybridRecommender


def _top_parts(parts: list[tuple[int, float]], ids, top: int) -> list[dict[str, Any]]:
    parts = sorted((p for p in parts if p[1] > 0), key=lambda p: -p[1])[:top]
    return [{"item_id": ids.id(i), "weight": round(v, 6)} for i, v in parts]


def gather_evidence(model: HybridRecommender, history: np.ndarray, item: int, *, top: int = 3) -> dict[str, Any]:
    """Why ``item`` scored as it did for a user with ``history`` (item indexes)."""
    ids = model.data_.items
    comps = model.components_
    out: dict[str, Any] = {"item_interactions": int(model.item_counts_[item])}
    if len(history):
        out["recent_history"] = ids.ids(history[-top:][::-1])
    if "content" in comps and len(history):
        out["similar_history"] = [
            {"item_id": ids.id(i), "similarity": round(s, 4)}
            for i, s in comps["content"].similar_history(history, item, top)
        ]
    if "item_knn" in comps and len(history):
        out["neighbour_items"] = _top_parts(comps["item_knn"].explain_parts(history, item), ids, top)
    if "cf" in comps and len(history):
        out["cf_history_items"] = _top_parts(comps["cf"].explain_parts(history, item), ids, top)
    if "trend" in comps:
        out["trend"] = comps["trend"].growth(item)
    return out
