"""Exact additive attribution: a hybrid score is the sum of named, weighted component parts."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

SOURCE_LABELS: dict[str, str] = {
    "sequence": "next in sequence — follows the user's recent items",
    "cf": "collaborative filtering — customers with similar histories chose it",
    "item_knn": "often chosen together with items in the user's history",
    "content": "content similarity — resembles items in the user's history",
    "popularity": "popular across the shop",
    "trend": "trending — interest is rising",
}
NEW_USER_LABEL = "popular now — no history for this user yet"
NEW_ITEM_LABEL = "content similarity — no interaction data yet"


def contributions(parts: Mapping[str, float], weights: Mapping[str, float]) -> dict[str, float]:
    """``weight x component score`` per component; the hybrid score is exactly their sum."""
    return {name: float(weights.get(name, 0.0)) * float(value) for name, value in parts.items()}


def total(contribs: Mapping[str, float]) -> float:
    """Exactly rounded sum of the contributions (order-independent)."""
    return math.fsum(contribs.values())


@dataclass
class Recommendation:
    """One recommended (or explained) item with its exact score breakdown and evidence."""

    item_id: str
    rank: int  # 1-based among all items the user has not seen
    score: float
    contributions: dict[str, float]
    component_scores: dict[str, float]
    source: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def top_component(self) -> str:
        return max(self.contributions, key=lambda n: self.contributions[n])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def source_label(contribs: Mapping[str, float], *, user_has_history: bool, item_interactions: float) -> str:
    """Human label for where a recommendation comes from (cold-start cases named explicitly)."""
    if not user_has_history:
        return NEW_USER_LABEL
    if item_interactions == 0:
        return NEW_ITEM_LABEL
    positive = {n: v for n, v in contribs.items() if v > 0}
    if not positive:
        return SOURCE_LABELS["popularity"]
    return SOURCE_LABELS.get(max(positive, key=lambda n: positive[n]), "hybrid score")
