"""The ``Scorer`` base class every recommender component follows.

Scorers work on item indexes (see :class:`~recsys_core.models.idmap.IdMap`) and score a
user from the history passed at call time, so events appended after training count at
once without retraining. ``__init__`` stores hyper-parameters only; ``fit`` validates and
returns ``self``; learned state ends in ``_``. Scorers are found by name through
:mod:`recsys_core.models.registry`.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from recsys_core.errors import NotFittedError
from recsys_core.models.idmap import IdMap
from recsys_core.models.interactions import Interactions

Histories = Sequence[np.ndarray]
Weights = Sequence[np.ndarray] | None


class Scorer(abc.ABC):
    """Scores every catalogue item for users given their histories (item indexes, time order)."""

    name: ClassVar[str] = ""

    @abc.abstractmethod
    def fit(self, data: Interactions) -> Scorer:
        """Learn from ``data``; returns ``self``."""

    @abc.abstractmethod
    def _score(self, histories: Histories, weights: Weights) -> np.ndarray:
        """Scores ``(len(histories), n_items)`` for fitted models."""

    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "n_items_")

    def check_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError(self)

    def score(self, histories: Histories, weights: Weights = None) -> np.ndarray:
        """Float32 scores of all items for each history (higher = better)."""
        self.check_fitted()
        if len(histories) == 0:
            return np.zeros((0, self.n_items_), dtype=np.float32)
        return np.asarray(self._score(histories, weights), dtype=np.float32)

    def recommend(self, histories: Histories, k: int = 10, *, weights: Weights = None,
                  exclude_seen: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` item indexes and their scores per history, best first."""
        scores = self.score(histories, weights)
        if exclude_seen:
            mask_seen(scores, histories)
        return top_k(scores, k)

    def evidence(self, history: np.ndarray, item: int, *, ids: IdMap, top: int = 3) -> dict[str, Any]:
        """Why this scorer scores ``item`` as it does for ``history`` (item indexes, time order),
        as JSON-ready facts naming items by their ids in ``ids``; at most ``top`` per list.
        Empty by default: a scorer with nothing item-specific to show says nothing."""
        self.check_fitted()
        return {}

    def _set_catalogue(self, data: Interactions) -> None:
        self.n_items_ = data.n_items


# What a module's ``register_scorers(register)`` hook is handed: the registry's register_scorer.
RegisterScorer = Callable[[str], Callable[[type[Scorer]], type[Scorer]]]


def mask_seen(scores: np.ndarray, histories: Histories) -> None:
    """Set the score of each user's already-seen items to -inf, in place."""
    for row, items in enumerate(histories):
        if len(items):
            scores[row, np.asarray(items, dtype=np.int64)] = -np.inf


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indexes and values of the ``k`` largest finite scores per row, sorted descending."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < scores.shape[1] else np.tile(np.arange(scores.shape[1]), (scores.shape[0], 1))
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    idx = np.take_along_axis(part, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    out_idx = [row[np.isfinite(v)] for row, v in zip(idx, vals, strict=True)]
    width = min((len(r) for r in out_idx), default=0)
    return np.stack([r[:width] for r in out_idx]) if out_idx else idx[:, :0], vals[:, :width]
