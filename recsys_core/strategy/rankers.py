"""The ``Ranker`` protocol that what-if replay calls, and the built-in ranker from the logs.

A ranker gets a :class:`ListContext` (one logged list: session, user, surface, query, the
items shown) and returns candidate (item_id, score) pairs, best first. The hybrid recommender
and the product searcher plug in through small adapters with the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from recsys_core.data.shop import ShopData


@dataclass(frozen=True)
class ListContext:
    session_id: str
    user_id: str | None
    surface: str
    query: str | None
    category: str | None  # the dominant category of the shown list, if any
    day: date
    shown: tuple[str, ...]  # the logged list, in logged order


@runtime_checkable
class Ranker(Protocol):
    name: str

    def rank(self, context: ListContext) -> list[tuple[str, float]]:
        """Candidates for this list, best first (at least as many as were shown)."""


class LoggedRanker:
    """Reproduces the logged list (scores 1.0, 0.95, ...) and appends the most-viewed items of
    the list's category that were not shown, scored below (< 0.6), so a rule can lift them in."""

    name = "logged order + popularity"

    def __init__(self, shop: ShopData, *, pool: int = 20, step: float = 0.05, pool_ceiling: float = 0.6):
        self.pool = pool
        self.step = step
        self.pool_ceiling = pool_ceiling
        ev = shop.events
        views = ev[ev["type"] == "view"].groupby(ev["item_id"].astype(str)).size()
        p = shop.products
        ids = p["item_id"].astype(str).to_numpy()
        counts = views.reindex(ids).fillna(0.0).to_numpy()
        stock = p["stock"].astype("Float64").fillna(1).to_numpy(dtype=np.float64)
        frame = pd.DataFrame({"item_id": ids, "category": p["category"].astype(str).to_numpy(), "views": counts})
        frame = frame[stock > 0].sort_values("views", ascending=False, kind="stable")
        top = frame["views"].max() if len(frame) else 1.0
        self._by_category: dict[str, list[tuple[str, float]]] = {}
        for cat, group in frame.groupby("category"):
            head = group.head(pool)
            self._by_category[str(cat)] = [(i, pool_ceiling * float(np.log1p(v) / np.log1p(max(top, 1))))
                                           for i, v in zip(head["item_id"], head["views"], strict=True)]
        head = frame.head(pool)
        self._overall = [(i, pool_ceiling * float(np.log1p(v) / np.log1p(max(top, 1))))
                         for i, v in zip(head["item_id"], head["views"], strict=True)]

    def rank(self, context: ListContext) -> list[tuple[str, float]]:
        out = [(item, 1.0 - self.step * pos) for pos, item in enumerate(context.shown)]
        shown = set(context.shown)
        extra = self._by_category.get(context.category or "", self._overall)
        out += [(i, s) for i, s in extra if i not in shown]
        return out


class FunctionRanker:
    """Wraps any ``(context) -> [(item, score)]`` function (e.g. a searcher or recommender)."""

    def __init__(self, fn: Callable[[ListContext], list[tuple[str, float]]], name: str):
        self._fn = fn
        self.name = name

    def rank(self, context: ListContext) -> list[tuple[str, float]]:
        return self._fn(context)


class RecommenderRanker:
    """Recommendation lists from any model with ``recommend(user_id, k, ...)`` returning objects
    with ``item_id`` and ``score`` (the hybrid recommender); other lists, anonymous sessions and
    users the model does not know fall back to ``fallback``."""

    def __init__(self, model: Any, fallback: Ranker, *, pool: int = 50, surfaces: tuple[str, ...] = ("recommendations",)):
        self.model = model
        self.fallback = fallback
        self.pool = pool
        self.surfaces = surfaces
        self.name = f"{type(model).__name__} on {', '.join(surfaces)}; else {fallback.name}"
        self.fallbacks = 0

    def rank(self, context: ListContext) -> list[tuple[str, float]]:
        if context.surface in self.surfaces and context.user_id:
            try:
                recs = self.model.recommend(context.user_id, k=self.pool, evidence=False)
            except (KeyError, ValueError):  # unknown user (UnknownIdError is a KeyError)
                recs = []
            if recs:
                return [(str(r.item_id), float(r.score)) for r in recs]
        self.fallbacks += 1
        return self.fallback.rank(context)


class SearchRanker:
    """Search lists from any searcher with ``search(query, k)`` returning hits with ``item_id``
    and ``score`` (the hybrid product search); other lists fall back to ``fallback``."""

    def __init__(self, searcher: Any, fallback: Ranker, *, pool: int = 50):
        self.searcher = searcher
        self.fallback = fallback
        self.pool = pool
        self.name = f"{type(searcher).__name__} on search; else {fallback.name}"

    def rank(self, context: ListContext) -> list[tuple[str, float]]:
        if context.surface == "search" and context.query:
            hits = self.searcher.search(context.query, k=self.pool)
            if hits:
                return [(str(h.item_id), float(h.score)) for h in hits]
        return self.fallback.rank(context)
