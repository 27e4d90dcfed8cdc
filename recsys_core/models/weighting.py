"""Learning the hybrid's component weights on validation users by coordinate search on NDCG@10.

Each validation user keeps a candidate pool (the union of every component's top items plus
the held-out item), so trying a weight vector costs one small matrix product.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

GRID = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


@dataclass
class CandidatePool:
    """Standardised component scores of candidate items: (users, pool, components)."""

    scores: np.ndarray
    target: np.ndarray  # position of the held-out item in each user's pool
    scale: np.ndarray   # per-component std used to standardise (weights are divided by it)
    names: tuple[str, ...]


def build_pool(component_scores: Callable[[Sequence[np.ndarray]], dict[str, np.ndarray]],
               histories: Sequence[np.ndarray], targets: np.ndarray, *, per_component: int = 50,
               batch_size: int = 512) -> CandidatePool:
    """Candidate pools for ``histories`` from ``component_scores(histories) -> {name: (B, n)}``."""
    blocks: list[np.ndarray] = []
    positions: list[int] = []
    names: tuple[str, ...] = ()
    for start in range(0, len(histories), batch_size):
        hist = histories[start:start + batch_size]
        parts = component_scores(hist)
        names = tuple(parts)
        stacked = np.stack([parts[n] for n in names], axis=-1).astype(np.float32)  # (B, n, C)
        for row, h in enumerate(hist):
            s = stacked[row]
            seen = np.zeros(s.shape[0], dtype=bool)
            seen[np.asarray(h, dtype=np.int64)] = True
            pool: set[int] = {int(targets[start + row])}
            per = min(per_component, s.shape[0] - 1)
            for c in range(s.shape[1]):
                col = np.where(seen, -np.inf, s[:, c])
                if np.ptp(s[:, c]) > 0:
                    pool.update(np.argpartition(-col, per)[:per].tolist())
            cand = np.array(sorted(pool), dtype=np.int64)
            cand = cand[~seen[cand] | (cand == targets[start + row])]
            blocks.append(s[cand])
            positions.append(int(np.flatnonzero(cand == targets[start + row])[0]))
    width = max(len(b) for b in blocks)
    scores = np.full((len(blocks), width, len(names)), np.nan, dtype=np.float32)
    for i, b in enumerate(blocks):
        scores[i, : len(b)] = b
    scale = np.nanstd(scores.reshape(-1, len(names)), axis=0)
    scale[~(scale > 0)] = 1.0
    scores = np.nan_to_num(scores / scale, nan=-1e9)
    return CandidatePool(scores=scores, target=np.asarray(positions), scale=scale, names=names)


def pool_ndcg(pool: CandidatePool, weights: np.ndarray, k: int = 10) -> float:
    total = pool.scores @ weights
    total[pool.scores[..., 0] <= -1e8] = -np.inf  # padding rows never rank
    rows = np.arange(len(total))
    tgt = total[rows, pool.target]
    ranks = (total > tgt[:, None]).sum(axis=1)
    return float(np.where(ranks < k, 1.0 / np.log2(ranks + 2.0), 0.0).mean())


def coordinate_search(pool: CandidatePool, *, anchor: str, exclude: Sequence[str] = (),
                      rounds: int = 3) -> tuple[dict[str, float], float]:
    """Weights maximising pool NDCG@10; ``anchor`` is fixed at 1 (scale), ``exclude`` at 0.

    Returns weights on the *raw* component scores (standardising scale folded in).
    """
    names = pool.names
    usable = [i for i, n in enumerate(names) if n not in exclude]
    fixed = names.index(anchor) if anchor in names and anchor not in exclude else (usable[0] if usable else -1)
    w = np.zeros(len(names))
    if fixed >= 0:
        w[fixed] = 1.0
    best = pool_ndcg(pool, w)
    free = [i for i in usable if i != fixed]
    for _ in range(rounds):
        improved = False
        for i in free:
            for value in GRID:
                trial = w.copy()
                trial[i] = value
                score = pool_ndcg(pool, trial)
                if score > best + 1e-6:
                    best, w, improved = score, trial, True
        if not improved:
            break
    raw = {n: float(w[i] / pool.scale[i]) for i, n in enumerate(names)}
    return raw, best
