"""Popularity and trend priors: the same score for every user."""

from __future__ import annotations

from typing import Any

import numpy as np

from recsys_core.models.base import Histories, RegisterScorer, Scorer, Weights
from recsys_core.models.idmap import IdMap
from recsys_core.models.interactions import Interactions

DAY = 86_400.0


def register_scorers(register: RegisterScorer) -> None:
    """Registry hook (see :mod:`recsys_core.models.registry`)."""
    register("popularity")(PopularityScorer)
    register("trend")(TrendScorer)


class PopularityScorer(Scorer):
    """log(1 + interaction count) of each item."""

    def __init__(self, *, recent_days: float | None = None) -> None:
        self.recent_days = recent_days

    def fit(self, data: Interactions) -> PopularityScorer:
        self._set_catalogue(data)
        counts = data.item_counts()
        if self.recent_days is not None and data.times is not None and data.n_events():
            times = np.concatenate(data.times)
            items = np.concatenate(data.sequences)
            recent = times >= times.max() - self.recent_days * DAY
            counts = np.bincount(items[recent], minlength=data.n_items).astype(np.float64)
        self.counts_ = counts
        self.item_scores_ = np.log1p(counts).astype(np.float32)
        return self

    def _score(self, histories: Histories, weights: Weights) -> np.ndarray:
        return np.broadcast_to(self.item_scores_, (len(histories), self.n_items_)).copy()


class TrendScorer(Scorer):
    """log((recent + 1) / (previous + 1)) interaction counts over two equal windows.

    With event times the windows are the last ``window_days`` and the ones before; without
    (sequence-only data) the last ``position_share`` of each user's events vs the rest.
    """

    def __init__(self, *, window_days: float = 14.0, position_share: float = 0.2) -> None:
        self.window_days = window_days
        self.position_share = position_share

    def fit(self, data: Interactions) -> TrendScorer:
        self._set_catalogue(data)
        n = data.n_items
        recent = np.zeros(n)
        before = np.zeros(n)
        if data.n_events():
            items = np.concatenate(data.sequences)
            if data.times is not None:
                times = np.concatenate(data.times).astype(np.float64)
                end = times.max()
                w = self.window_days * DAY
                recent = np.bincount(items[times > end - w], minlength=n).astype(np.float64)
                before = np.bincount(items[(times <= end - w) & (times > end - 2 * w)], minlength=n).astype(np.float64)
            else:
                late = np.concatenate([np.arange(len(s)) >= (1 - self.position_share) * len(s) for s in data.sequences])
                recent = np.bincount(items[late], minlength=n).astype(np.float64)
                before = np.bincount(items[~late], minlength=n).astype(np.float64)
                before *= recent.sum() / max(before.sum(), 1.0)  # same total: the ratio is growth
        self.recent_counts_ = recent
        self.previous_counts_ = before
        self.item_scores_ = np.log((recent + 1.0) / (before + 1.0)).astype(np.float32)
        return self

    def _score(self, histories: Histories, weights: Weights) -> np.ndarray:
        return np.broadcast_to(self.item_scores_, (len(histories), self.n_items_)).copy()

    def growth(self, item: int) -> dict[str, float]:
        """The trend figure behind one item's score."""
        return {
            "recent": float(self.recent_counts_[item]),
            "previous": float(self.previous_counts_[item]),
            "log_growth": float(self.item_scores_[item]),
        }

    def evidence(self, history: np.ndarray, item: int, *, ids: IdMap, top: int = 3) -> dict[str, Any]:
        """The item's growth figure (``trend``), the same for every user."""
        self.check_fitted()
        return {"trend": self.growth(item)}
