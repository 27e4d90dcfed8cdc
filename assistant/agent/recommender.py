"""Recommendations with exact attribution, as the assistant's tools consume them.

The workspace's trained hybrid recommender (``shelfwise train``) is used when it can be loaded.
Until then a transparent fallback ranks by recent popularity plus the user's category affinity,
two named components that sum exactly to the score, and says so in every fact it returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from recsys_core.data.shop import ShopData
from recsys_core.errors import UnknownIdError

_EVENT_WEIGHT = {"purchase": 3.0, "add_to_cart": 2.0, "click": 1.0, "view": 0.5}


@dataclass
class Scored:
    """One item's place in one user's ranking, with components that sum to ``score``."""

    item_id: str
    rank: int
    score: float
    components: dict[str, float]
    evidence: list[str] = field(default_factory=list)
    source: str = ""


class Recommender(Protocol):
    name: str

    def recommend(self, user_id: str, k: int = 10, *, evidence: bool = True) -> list[Scored]: ...

    def with_evidence(self, user_id: str, scored: Scored) -> Scored: ...

    def explain(self, user_id: str, item_id: str) -> Scored: ...


class FallbackRecommender:
    """Recent popularity + category affinity; exact, cheap, and labelled as a fallback."""

    name = "fallback: recent popularity + category affinity (no trained hybrid model in this workspace)"

    def __init__(self, *, popularity_weight: float = 1.0, affinity_weight: float = 1.0, days: int = 30):
        self.popularity_weight = popularity_weight
        self.affinity_weight = affinity_weight
        self.days = days

    def fit(self, shop: ShopData) -> FallbackRecommender:
        ev = shop.events[shop.events["item_id"].notna()]
        ev = ev[ev["type"].isin(list(_EVENT_WEIGHT))]
        end = ev["timestamp"].max()
        recent = ev[ev["timestamp"] >= end - pd.Timedelta(days=self.days)]
        counts = recent[recent["type"] == "purchase"].groupby("item_id").size()
        items = shop.products["item_id"].astype(str)
        pop = np.log1p(counts.reindex(items).fillna(0).to_numpy(dtype=float))
        self.items_ = items.to_numpy()
        self.popularity_ = pop / pop.max() if pop.max() > 0 else pop
        self.category_ = shop.products["category"].astype(str).to_numpy()
        cat_of = dict(zip(items, self.category_, strict=True))
        ev = ev.assign(w=ev["type"].map(_EVENT_WEIGHT).astype(float), category=ev["item_id"].astype(str).map(cat_of))
        per_user = ev.groupby(["user_id", "category"])["w"].sum()
        totals = ev.groupby("user_id")["w"].sum()
        self.affinity_ = (per_user / totals.reindex(per_user.index.get_level_values(0)).to_numpy()).to_dict()
        self.seen_ = ev.groupby("user_id")["item_id"].agg(lambda s: set(s.astype(str))).to_dict()
        self.users_ = set(shop.events["user_id"].dropna().astype(str)) | set(shop.users["user_id"].astype(str))
        self.row_ = {i: r for r, i in enumerate(self.items_)}
        return self

    def _scores(self, user_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if user_id not in self.users_:
            raise UnknownIdError("user", user_id, "the shop's users")
        aff = np.array([self.affinity_.get((user_id, c), 0.0) for c in self.category_])
        pop = self.popularity_weight * self.popularity_
        aff = self.affinity_weight * aff
        total = pop + aff
        seen = self.seen_.get(user_id, set())
        mask = np.array([i in seen for i in self.items_])
        total = np.where(mask, -np.inf, total)
        return total, pop, aff

    def _scored(self, user_id: str, row: int, rank: int, pop: np.ndarray, aff: np.ndarray) -> Scored:
        comps = {"popularity": round(float(pop[row]), 4), "category_affinity": round(float(aff[row]), 4)}
        cat = self.category_[row]
        share = self.affinity_.get((user_id, cat), 0.0)
        evidence = [f"{round(100 * share)}% of this user's activity is in {cat}"]
        return Scored(item_id=str(self.items_[row]), rank=rank, score=round(sum(comps.values()), 4),
                      components=comps, evidence=evidence, source=self.name)

    def recommend(self, user_id: str, k: int = 10, *, evidence: bool = True) -> list[Scored]:
        """Top ``k``; its evidence is cheap, so ``evidence`` changes nothing here."""
        total, pop, aff = self._scores(user_id)
        order = np.argsort(-total, kind="stable")[:k]
        return [self._scored(user_id, int(r), i + 1, pop, aff) for i, r in enumerate(order)]

    def with_evidence(self, user_id: str, scored: Scored) -> Scored:
        return scored  # recommend() always attaches it

    def explain(self, user_id: str, item_id: str) -> Scored:
        if item_id not in self.row_:
            raise UnknownIdError("item", item_id, "the product table")
        total, pop, aff = self._scores(user_id)
        row = self.row_[item_id]
        if math.isinf(total[row]):
            rank = 0  # already in the user's history: never recommended
        else:  # the same stable order as recommend(), so ranks agree on ties
            rank = int(np.flatnonzero(np.argsort(-total, kind="stable") == row)[0]) + 1
        return self._scored(user_id, row, rank, pop, aff)


def _evidence_lines(evidence: dict[str, Any]) -> list[str]:
    lines = []
    for e in evidence.get("similar_history", [])[:2]:
        lines.append(f"similar to {e['item_id']} in the user's history (similarity {round(float(e['similarity']), 3)})")
    for e in evidence.get("neighbour_items", [])[:2]:
        lines.append(f"often chosen with {e['item_id']}")
    if evidence.get("trend") is not None and isinstance(evidence["trend"], (int, float)):
        lines.append(f"trend figure {round(float(evidence['trend']), 3)}")
    return lines


class HybridAdapter:
    """Presents the trained ``HybridRecommender`` (recsys_core.models) as the tools expect."""

    def __init__(self, model: Any):
        self.model = model
        self.name = "hybrid recommender (exact attribution)"

    def _scored(self, rec: Any) -> Scored:
        comps = {k: round(float(v), 4) for k, v in rec.contributions.items()}
        return Scored(item_id=str(rec.item_id), rank=int(rec.rank), score=round(float(rec.score), 4),
                      components=comps, evidence=[str(rec.source)] + _evidence_lines(dict(rec.evidence or {})),
                      source=str(rec.source))

    def recommend(self, user_id: str, k: int = 10, *, evidence: bool = True) -> list[Scored]:
        """Top ``k``; ``evidence=False`` skips gathering it (a deep list re-ranked before it is shown)."""
        return [self._scored(r) for r in self.model.recommend(user_id, k, evidence=evidence)]

    def with_evidence(self, user_id: str, scored: Scored) -> Scored:
        from dataclasses import replace

        lines = _evidence_lines(dict(self.model.evidence_for(user_id, scored.item_id)))
        return replace(scored, evidence=[scored.source] + lines)

    def explain(self, user_id: str, item_id: str) -> Scored:
        return self._scored(self.model.explain(user_id, item_id))


def load_recommender(workspace: Path, shop: ShopData) -> Any:
    """The workspace's trained hybrid model (``shelfwise train``) when saved there, else the labelled fallback."""
    try:
        from recsys_core.models.hybrid_artifacts import load_hybrid
        from recsys_core.models.workflow import MODEL_DIR
    except ImportError:
        return FallbackRecommender().fit(shop)
    folder = Path(workspace) / "models" / MODEL_DIR
    if not folder.exists():
        return FallbackRecommender().fit(shop)
    return HybridAdapter(load_hybrid(folder))  # a corrupt or stale model raises ArtifactError: say so, don't hide it
