"""Rank fusion (pure functions, no store imports): reciprocal rank and weighted score fusion.

Inputs are ``{doc_id: score}`` per retriever (higher is better); outputs are ``{doc_id:
fused}``. Ranks are 1-based. The ``*_arrays`` variants take aligned numpy arrays (the search
hot path).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

Normalisation = Literal["minmax", "zscore", "none"]


def ranks(scores: Mapping[str, float]) -> dict[str, int]:
    """1-based ranks by descending score (ties keep input order)."""
    ordered = sorted(scores, key=lambda d: -scores[d])
    return {d: i + 1 for i, d in enumerate(ordered)}


def rrf(
    rankings: Sequence[Mapping[str, float]],
    *,
    k: float = 60.0,
    weights: Sequence[float] | None = None,
) -> dict[str, float]:
    """Reciprocal rank fusion: sum of ``w / (k + rank)`` over the lists a doc appears in."""
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    fused: dict[str, float] = {}
    for scores, w in zip(rankings, weights, strict=True):
        for doc, r in ranks(scores).items():
            fused[doc] = fused.get(doc, 0.0) + w / (k + r)
    return fused


def normalise(scores: Mapping[str, float], method: Normalisation = "minmax") -> dict[str, float]:
    """Scores rescaled per list: min-max to [0, 1], z-score, or unchanged."""
    if method == "none" or not scores:
        return dict(scores)
    values = list(scores.values())
    if method == "minmax":
        lo, hi = min(values), max(values)
        span = hi - lo
        return {d: (s - lo) / span if span > 0 else 1.0 for d, s in scores.items()}
    if method == "zscore":
        mean = sum(values) / len(values)
        var = sum((v - mean) ** 2 for v in values) / len(values)
        std = var**0.5
        return {d: (s - mean) / std if std > 0 else 0.0 for d, s in scores.items()}
    raise ValueError(f"unknown normalisation {method!r}; use minmax, zscore or none")


def weighted(
    score_lists: Sequence[Mapping[str, float]],
    *,
    weights: Sequence[float],
    method: Normalisation = "minmax",
    missing: float = 0.0,
) -> dict[str, float]:
    """Weighted sum of per-list normalised scores; a doc absent from a list gets ``missing``."""
    if len(weights) != len(score_lists):
        raise ValueError(f"{len(weights)} weights for {len(score_lists)} score lists")
    normed = [normalise(s, method) for s in score_lists]
    docs: dict[str, None] = {}
    for s in score_lists:
        docs.update(dict.fromkeys(s))
    return {d: sum(w * n.get(d, missing) for n, w in zip(normed, weights, strict=True)) for d in docs}


def normalise_array(scores: np.ndarray, method: Normalisation = "minmax") -> np.ndarray:
    """Array version of :func:`normalise` (one list's scores)."""
    s = np.asarray(scores, dtype=np.float64)
    if method == "none" or s.size == 0:
        return s
    if method == "minmax":
        lo, hi = float(s.min()), float(s.max())
        return (s - lo) / (hi - lo) if hi > lo else np.ones_like(s)
    if method == "zscore":
        std = float(s.std())
        return (s - s.mean()) / std if std > 0 else np.zeros_like(s)
    raise ValueError(f"unknown normalisation {method!r}; use minmax, zscore or none")


def weighted_arrays(
    score_arrays: Sequence[np.ndarray], *, weights: Sequence[float], method: Normalisation = "minmax"
) -> np.ndarray:
    """Weighted sum of normalised, aligned score arrays (every doc scored by every list)."""
    if len(weights) != len(score_arrays):
        raise ValueError(f"{len(weights)} weights for {len(score_arrays)} score arrays")
    total = np.zeros(len(score_arrays[0]) if score_arrays else 0, dtype=np.float64)
    for s, w in zip(score_arrays, weights, strict=True):
        total += w * normalise_array(s, method)
    return total


def rrf_arrays(
    rank_arrays: Sequence[np.ndarray], *, k: float = 60.0, weights: Sequence[float] | None = None
) -> np.ndarray:
    """RRF over aligned 1-based rank arrays; rank 0 means "not in that list" (adds nothing)."""
    weights = list(weights) if weights is not None else [1.0] * len(rank_arrays)
    if len(weights) != len(rank_arrays):
        raise ValueError(f"{len(weights)} weights for {len(rank_arrays)} rankings")
    total = np.zeros(len(rank_arrays[0]) if rank_arrays else 0, dtype=np.float64)
    for r, w in zip(rank_arrays, weights, strict=True):
        r = np.asarray(r, dtype=np.float64)
        total += np.where(r > 0, w / (k + r), 0.0)
    return total
