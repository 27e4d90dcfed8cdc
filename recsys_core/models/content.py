"""Content profile scorer: R_u^v = sum_t alpha_t <I_ut, E_v> over the user's history.

``I_ut`` is the text embedding of the t-th item the user interacted with, ``E_v`` the
candidate's, and ``alpha_t`` = event-type weight x recency decay, normalised to sum to 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from recsys_core.models.base import Histories, RegisterScorer, Scorer, Weights
from recsys_core.models.errors import EmptyDataError, ModelConfigError
from recsys_core.models.idmap import IdMap
from recsys_core.models.interactions import Interactions


def register_scorers(register: RegisterScorer) -> None:
    """Registry hook (see :mod:`recsys_core.models.registry`)."""
    register("content")(ContentScorer)


class ContentScorer(Scorer):
    """Recency- and event-type-weighted mean of history text embeddings, scored by inner product."""

    def __init__(self, *, decay: float = 0.7, max_history: int = 50) -> None:
        self.decay = decay
        self.max_history = max_history

    def fit(self, data: Interactions) -> ContentScorer:
        if not 0.0 < self.decay <= 1.0:
            raise ModelConfigError(f"content decay={self.decay!r} must be in (0, 1]")
        if data.item_text is None:
            raise EmptyDataError("the content scorer needs item text embeddings (Interactions.item_text)")
        self._set_catalogue(data)
        self.item_vectors_ = np.asarray(data.item_text, dtype=np.float32)
        return self

    def alphas(self, history: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
        """alpha_t for each history event (most recent has decay**0)."""
        n = len(history)
        alpha = self.decay ** np.arange(n - 1, -1, -1, dtype=np.float64)
        if weights is not None:
            alpha = alpha * np.asarray(weights, dtype=np.float64)
        total = alpha.sum()
        return (alpha / total if total > 0 else alpha).astype(np.float32)

    def profile(self, history: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        history = np.asarray(history, dtype=np.int64)[-self.max_history:]
        if weights is not None:
            weights = np.asarray(weights)[-self.max_history:]
        if len(history) == 0:
            return np.zeros(self.item_vectors_.shape[1], dtype=np.float32)
        return self.alphas(history, weights) @ self.item_vectors_[history]

    def _score(self, histories: Histories, weights: Weights) -> np.ndarray:
        profiles = np.stack([
            self.profile(h, None if weights is None else weights[i]) for i, h in enumerate(histories)
        ])
        return profiles @ self.item_vectors_.T

    def add_items(self, text_embeddings: np.ndarray) -> None:
        """New catalogue items become reachable at once through their text."""
        self.check_fitted()
        self.item_vectors_ = np.vstack([self.item_vectors_, np.asarray(text_embeddings, dtype=np.float32)])
        self.n_items_ = len(self.item_vectors_)

    def similar_history(self, history: np.ndarray, item: int, top: int = 3) -> list[tuple[int, float]]:
        """History items most similar in text to ``item``, with cosine similarities."""
        history = np.unique(np.asarray(history, dtype=np.int64))
        if len(history) == 0:
            return []
        sims = self.item_vectors_[history] @ self.item_vectors_[item]
        order = np.argsort(-sims)[:top]
        return [(int(history[j]), float(sims[j])) for j in order]

    def evidence(self, history: np.ndarray, item: int, *, ids: IdMap, top: int = 3) -> dict[str, Any]:
        """The history items closest in text to ``item`` (``similar_history``, cosine to 4 decimals)."""
        self.check_fitted()
        if len(history) == 0:
            return {}
        return {"similar_history": [{"item_id": ids.id(i), "similarity": round(s, 4)}
                                    for i, s in self.similar_history(history, item, top)]}
