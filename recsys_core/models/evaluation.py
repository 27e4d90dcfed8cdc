"""Full-ranking evaluation: rank of each held-out item among all items the user has not seen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from recsys_core.models.base import Histories, mask_seen


def target_ranks(scores: np.ndarray, targets: np.ndarray, histories: Histories) -> np.ndarray:
    """0-based rank of ``targets[u]`` in row ``u`` of ``scores`` after removing the user's history.

    Ties count against the target (pessimistic), so a constant scorer cannot look good.
    """
    scores = np.array(scores, dtype=np.float32, copy=True)
    mask_seen(scores, histories)
    rows = np.arange(len(targets))
    target_scores = scores[rows, targets].copy()
    scores[rows, targets] = -np.inf
    return (scores >= target_scores[:, None]).sum(axis=1)


@dataclass(frozen=True)
class RankSummary:
    """Ranking quality from 0-based target ranks."""

    hr: float
    ndcg: float
    mrr: float
    users: int

    def as_dict(self, k: int = 10) -> dict[str, float]:
        return {f"hr@{k}": self.hr, f"ndcg@{k}": self.ndcg, "mrr": self.mrr, "users": self.users}


def summarise_ranks(ranks: np.ndarray, *, k: int = 10) -> RankSummary:
    """HR@k, NDCG@k (one relevant item) and MRR over all users."""
    ranks = np.asarray(ranks, dtype=np.float64)
    if len(ranks) == 0:
        return RankSummary(0.0, 0.0, 0.0, 0)
    hit = ranks < k
    return RankSummary(
        hr=float(hit.mean()),
        ndcg=float(np.where(hit, 1.0 / np.log2(ranks + 2.0), 0.0).mean()),
        mrr=float((1.0 / (ranks + 1.0)).mean()),
        users=int(len(ranks)),
    )


def evaluate_scorer(score_fn: Callable[[Histories], np.ndarray], histories: Sequence[np.ndarray],
                    targets: np.ndarray, *, k: int = 10, batch_size: int = 1024,
                    progress: bool = False) -> tuple[RankSummary, np.ndarray]:
    """Rank every target with ``score_fn`` in batches; returns the summary and the ranks."""
    from tqdm.auto import tqdm

    ranks = np.empty(len(targets), dtype=np.int64)
    starts = range(0, len(targets), batch_size)
    for start in tqdm(starts, desc="evaluating", disable=not progress, leave=False):
        stop = min(start + batch_size, len(targets))
        hist = histories[start:stop]
        ranks[start:stop] = target_ranks(score_fn(hist), np.asarray(targets[start:stop]), hist)
    return summarise_ranks(ranks, k=k), ranks
