"""Collaborative filtering: implicit ALS (``implicit`` package) and item-item cosine kNN.

Both score from the history passed at call time: ALS solves the user's factor in closed
form against the fitted item factors, kNN sums the neighbour similarities of history items.
Both decompose a score exactly into per-history-item parts (the evidence shown to users).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from recsys_core.models.base import Histories, RegisterScorer, Scorer, Weights
from recsys_core.models.idmap import IdMap
from recsys_core.models.interactions import Interactions


def register_scorers(register: RegisterScorer) -> None:
    """Registry hook (see :mod:`recsys_core.models.registry`)."""
    register("cf")(ALSScorer)
    register("item_knn")(ItemKNNScorer)


def _top_parts(parts: list[tuple[int, float]], ids: IdMap, top: int) -> list[dict[str, Any]]:
    """The ``top`` largest positive parts, as {item_id, weight} (6 decimals)."""
    parts = sorted((p for p in parts if p[1] > 0), key=lambda p: -p[1])[:top]
    return [{"item_id": ids.id(i), "weight": round(v, 6)} for i, v in parts]


class ALSScorer(Scorer):
    """Implicit-feedback matrix factorisation (Hu, Koren & Volinsky 2008) via ``implicit``."""

    def __init__(self, *, factors: int = 64, regularization: float = 0.05, alpha: float = 20.0,
                 iterations: int = 15, seed: int = 0, num_threads: int = 2) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.seed = seed
        self.num_threads = num_threads

    def fit(self, data: Interactions) -> ALSScorer:
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        data.require_events()
        self._set_catalogue(data)
        matrix = data.user_item_matrix(binary=True)
        with threadpool_limits(1, "blas"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # implicit's BLAS-threads advice
            model = AlternatingLeastSquares(
                factors=self.factors, regularization=self.regularization, alpha=self.alpha,
                iterations=self.iterations, random_state=self.seed, num_threads=self.num_threads,
                calculate_training_loss=False,
            )
            model.fit(matrix, show_progress=False)
        self.item_factors_ = np.asarray(model.item_factors, dtype=np.float64)
        y = self.item_factors_
        self.gram_ = y.T @ y + self.regularization * np.eye(y.shape[1])
        return self

    def _solve(self, history: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(A^-1, unique items) with A = Y'Y + reg I + alpha * sum y_i y_i'.

        The last answer is memoised: explaining k items of one user solves once."""
        items = np.unique(np.asarray(history, dtype=np.int64))
        key = items.tobytes()
        memo = getattr(self, "_memo", None)
        if memo is not None and memo[0] == key:
            return memo[1], items
        y = self.item_factors_[items]
        inv = np.linalg.inv(self.gram_ + self.alpha * (y.T @ y))
        self._memo = (key, inv)
        return inv, items

    def user_factors(self, histories: Histories) -> np.ndarray:
        out = np.zeros((len(histories), self.item_factors_.shape[1]))
        for row, hist in enumerate(histories):
            if len(hist):
                inv, items = self._solve(hist)
                out[row] = inv @ ((1.0 + self.alpha) * self.item_factors_[items].sum(axis=0))
        return out

    def _score(self, histories: Histories, weights: Weights) -> np.ndarray:
        # solve in float64, score in float32 (a 12k x 64 product per user is the hot path)
        if getattr(self, "_factors32", None) is None or len(self._factors32) != len(self.item_factors_):
            self._factors32 = np.ascontiguousarray(self.item_factors_, dtype=np.float32)
        return self.user_factors(histories).astype(np.float32) @ self._factors32.T

    def explain_parts(self, history: np.ndarray, item: int) -> list[tuple[int, float]]:
        """Exact split of the ALS score of ``item`` over the user's distinct history items."""
        if len(history) == 0:
            return []
        inv, items = self._solve(history)
        parts = (1.0 + self.alpha) * (self.item_factors_[items] @ inv @ self.item_factors_[item])
        return [(int(i), float(p)) for i, p in zip(items, parts, strict=True)]

    def evidence(self, history: np.ndarray, item: int, *, ids: IdMap, top: int = 3) -> dict[str, Any]:
        """The history items whose factors raise ``item``'s score most (``cf_history_items``)."""
        self.check_fitted()
        if len(history) == 0:
            return {}
        return {"cf_history_items": _top_parts(self.explain_parts(history, item), ids, top)}


class ItemKNNScorer(Scorer):
    """Item-item cosine similarity on co-occurrence, top ``neighbours`` kept per item."""

    def __init__(self, *, neighbours: int = 100, shrink: float = 0.0, recency_decay: float = 1.0) -> None:
        self.neighbours = neighbours
        self.shrink = shrink
        self.recency_decay = recency_decay

    def fit(self, data: Interactions) -> ItemKNNScorer:
        from scipy import sparse

        data.require_events()
        self._set_catalogue(data)
        ui = data.user_item_matrix(binary=True).tocsc()
        co = (ui.T @ ui).tocsr().astype(np.float64)
        co.setdiag(0.0)
        co.eliminate_zeros()
        norms = np.sqrt(np.asarray(ui.sum(axis=0)).ravel())
        co = co.tocoo()
        sim = co.data / (norms[co.row] * norms[co.col] + self.shrink + 1e-12)
        full = sparse.csr_matrix((sim, (co.row, co.col)), shape=co.shape)
        self.similarity_ = self._prune(full)
        return self

    def _prune(self, full):
        from scipy import sparse

        rows, cols, vals = [], [], []
        for i in range(full.shape[0]):
            start, stop = full.indptr[i], full.indptr[i + 1]
            if stop == start:
                continue
            data, idx = full.data[start:stop], full.indices[start:stop]
            if len(data) > self.neighbours:
                keep = np.argpartition(-data, self.neighbours - 1)[: self.neighbours]
                data, idx = data[keep], idx[keep]
            rows.append(np.full(len(idx), i))
            cols.append(idx)
            vals.append(data)
        if not rows:
            return sparse.csr_matrix(full.shape, dtype=np.float32)
        return sparse.csr_matrix(
            (np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))), shape=full.shape
        )

    def history_weights(self, history: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distinct history items and their weights (most recent weighs most when decaying)."""
        history = np.asarray(history, dtype=np.int64)
        w = self.recency_decay ** np.arange(len(history) - 1, -1, -1, dtype=np.float64)
        items, inverse = np.unique(history, return_inverse=True)
        return items, np.bincount(inverse, weights=w, minlength=len(items)).clip(max=1.0 if self.recency_decay == 1.0 else None)

    def _score(self, histories: Histories, weights: Weights) -> np.ndarray:
        from scipy import sparse

        rows, cols, vals = [], [], []
        for r, hist in enumerate(histories):
            if len(hist):
                items, w = self.history_weights(hist)
                rows.append(np.full(len(items), r))
                cols.append(items)
                vals.append(w)
        if not rows:
            return np.zeros((len(histories), self.n_items_), dtype=np.float32)
        hv = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                               shape=(len(histories), self.n_items_))
        return np.asarray((hv @ self.similarity_).todense(), dtype=np.float32)

    def explain_parts(self, history: np.ndarray, item: int) -> list[tuple[int, float]]:
        """Exact split of the kNN score of ``item`` over the user's distinct history items."""
        if len(history) == 0:
            return []
        items, w = self.history_weights(history)
        key = items.tobytes()
        memo = getattr(self, "_memo", None)
        if memo is None or memo[0] != key:  # one dense block per user, reused for k items
            memo = (key, np.asarray(self.similarity_[items].todense()))
            self._memo = memo
        col = memo[1][:, item]
        return [(int(i), float(p)) for i, p in zip(items, w * col, strict=True)]

    def evidence(self, history: np.ndarray, item: int, *, ids: IdMap, top: int = 3) -> dict[str, Any]:
        """The history items whose similarity to ``item`` adds most to its score (``neighbour_items``)."""
        self.check_fitted()
        if len(history) == 0:
            return {}
        return {"neighbour_items": _top_parts(self.explain_parts(history, item), ids, top)}
