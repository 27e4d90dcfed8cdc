"""Ranking metrics as pure functions with keyword-only arguments.

Each takes ``recommended`` (one ranked list of item ids per user) and, where needed,
``relevant`` (the held-out items of each user, aligned with ``recommended``), and returns
the mean over users. Relevance is binary. Users with no relevant items count as zero for
accuracy metrics; filter them out beforehand if that is not wanted.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Mapping, Sequence

Ranked = Sequence[Sequence[Hashable]]
Relevant = Sequence[Collection[Hashable]]

__all__ = [
    "catalogue_coverage",
    "hit_rate_at_k",
    "mrr_at_k",
    "ndcg_at_k",
    "novelty_at_k",
    "precision_at_k",
    "recall_at_k",
]


def _check(recommended: Ranked, relevant: Relevant | None, k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if relevant is not None and len(recommended) != len(relevant):
        raise ValueError(
            f"recommended has {len(recommended)} users but relevant has {len(relevant)}; "
            "pass one relevant set per recommended list"
        )


def _hits(rec: Sequence[Hashable], rel: Collection[Hashable], k: int) -> list[bool]:
    wanted = set(rel)
    return [i in wanted for i in list(rec)[:k]]


def _mean(values: list[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0


def hit_rate_at_k(*, recommended: Ranked, relevant: Relevant, k: int) -> float:
    """Share of users with at least one relevant item in their top ``k``."""
    _check(recommended, relevant, k)
    return _mean([
        1.0 if any(_hits(rec, rel, k)) else 0.0
        for rec, rel in zip(recommended, relevant, strict=True)
    ])


def precision_at_k(*, recommended: Ranked, relevant: Relevant, k: int) -> float:
    """Relevant items in the top ``k`` divided by ``k``, averaged over users."""
    _check(recommended, relevant, k)
    return _mean([
        sum(_hits(rec, rel, k)) / k
        for rec, rel in zip(recommended, relevant, strict=True)
    ])


def recall_at_k(*, recommended: Ranked, relevant: Relevant, k: int) -> float:
    """Relevant items in the top ``k`` divided by the user's relevant items."""
    _check(recommended, relevant, k)
    return _mean([
        sum(_hits(rec, rel, k)) / len(set(rel)) if len(rel) else 0.0
        for rec, rel in zip(recommended, relevant, strict=True)
    ])


def mrr_at_k(*, recommended: Ranked, relevant: Relevant, k: int) -> float:
    """Mean reciprocal rank of the first relevant item within the top ``k`` (0 if none)."""
    _check(recommended, relevant, k)
    scores = []
    for rec, rel in zip(recommended, relevant, strict=True):
        wanted = set(rel)
        rank = next((r for r, i in enumerate(list(rec)[:k], start=1) if i in wanted), None)
        scores.append(1.0 / rank if rank else 0.0)
    return _mean(scores)


def ndcg_at_k(*, recommended: Ranked, relevant: Relevant, k: int) -> float:
    """Binary-relevance NDCG: gain 1/log2(rank+1), normalised by the ideal top ``k``."""
    _check(recommended, relevant, k)
    scores = []
    for rec, rel in zip(recommended, relevant, strict=True):
        wanted = set(rel)
        dcg = sum(1.0 / math.log2(r + 1) for r, i in enumerate(list(rec)[:k], start=1) if i in wanted)
        ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(wanted), k) + 1))
        scores.append(dcg / ideal if ideal > 0 else 0.0)
    return _mean(scores)


def catalogue_coverage(*, recommended: Ranked, catalogue_size: int, k: int) -> float:
    """Distinct items appearing in any user's top ``k``, as a share of the catalogue."""
    _check(recommended, None, k)
    if isinstance(catalogue_size, bool) or not isinstance(catalogue_size, int) or catalogue_size < 1:
        raise ValueError(f"catalogue_size must be a positive integer, got {catalogue_size!r}")
    distinct = {i for rec in recommended for i in list(rec)[:k]}
    return len(distinct) / catalogue_size


def novelty_at_k(*, recommended: Ranked, item_counts: Mapping[Hashable, int], n_users: int,
                 k: int) -> float:
    """Mean self-information ``-log2(p)`` of recommended items, ``p = count / n_users``.

    ``item_counts`` holds how many training users interacted with each item; items with no
    count are treated as seen by one user (the rarest possible), so novelty stays finite.
    """
    _check(recommended, None, k)
    if isinstance(n_users, bool) or not isinstance(n_users, int) or n_users < 1:
        raise ValueError(f"n_users must be a positive integer, got {n_users!r}")
    values = [
        -math.log2(min(max(int(item_counts.get(i, 0)), 1), n_users) / n_users)
        for rec in recommended
        for i in list(rec)[:k]
    ]
    return _mean(values)
