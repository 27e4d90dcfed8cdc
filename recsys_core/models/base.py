"""The ``Scorer`` base class every recommender component follows, and its registry.

Scorers work on item indexes (see :class:`~recsys_core.models.idmap.IdMap`) and score a
user from the history passed at call time, so events appended after training count at
once without retraining. ``__init__`` stores hyper-parameters only; ``fit`` validates and
returns ``self``; learned state ends in ``_``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

import numpy as np

from recsys_core.errors import NotFittedError, ShelfwiseError
from recsys_core.models.interactions import Interactions

Histories = Sequence[np.ndarray]
Weights = Sequence[np.ndarray] | None

SCORERS: dict[str, type[Scorer]] = {}
S = TypeVar("S", bound="type[Scorer]")


def register_scorer(name: str) -> Callable[[S], S]:
    """Class decorator adding a scorer to the registry under ``name`` (built-ins use it too)."""

    def wrap(cls: S) -> S:
        if name in SCORERS and SCORERS[name] is not cls:
            raise ShelfwiseError(f"a scorer named {name!r} is already registered ({SCORERS[name].__name__})")
        cls.name = name
        SCORERS[name] = cls
        return cls

    return wrap


def create_scorer(name: str, **params: Any) -> Scorer:
    """Instantiate a registered scorer by name."""
    _load_builtins()
    if name not in SCORERS:
        raise ShelfwiseError(f"unknown scorer {name!r}; registered: {', '.join(sorted(SCORERS))}")
    return SCORERS[name](**params)


def _load_builtins() -> None:
    # importing the modules runs their @register_scorer decorators
    from recsys_core.models import cf, content, priors, sequence  # noqa: F401


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

    def _set_catalogue(self, data: Interactions) -> None:
        self.n_items_ = data.n_items


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
