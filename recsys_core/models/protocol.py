"""The offline protocol shared by ``shelfwise eval recs`` and ``benchmarks/recsys.py``.

Fit on the training part of a :class:`Split`, make every choice on validation, then rank
ALL items (the user's history excluded) for each test user; report HR@10, NDCG@10, MRR,
coverage, novelty, training seconds and single-user latency.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from recsys_core.models.splits import HeldOut, Split

ScoreFn = Callable[[Sequence[np.ndarray]], np.ndarray]


@dataclass
class RecsReport:
    """Test figures of one model under the protocol."""

    model: str
    hr_at_10: float
    ndcg_at_10: float
    mrr: float
    coverage_at_10: float
    novelty_at_10: float
    train_seconds: float
    users: int
    recommend_p50_ms: float | None = None
    explain_p50_ms: float | None = None
    validation_ndcg_at_10: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def latency_p50_ms(fn: Callable[[int], object], calls: int = 200, seed: int = 0, n: int = 1) -> float:
    """Median wall time of ``fn(i)`` for ``calls`` random ``i`` in ``range(n)``."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, max(n, 1), size=calls)
    fn(int(picks[0]))  # warm-up
    times = []
    for i in picks:
        start = time.perf_counter()
        fn(int(i))
        times.append((time.perf_counter() - start) * 1000.0)
    return float(np.median(times))


def test_report(name: str, score_fn: ScoreFn, split: Split, *, train_seconds: float,
                held: HeldOut | None = None, k: int = 10, progress: bool = True,
                **extra: Any) -> RecsReport:
    """Full-ranking test figures of ``score_fn`` (batch of histories -> (B, n_items) scores)."""
    return multi_report({name: score_fn}, split, train_seconds={name: train_seconds}, held=held, k=k,
                        progress=progress, extra={name: extra})[0]


def weighted_score_fns(component_scores: Callable[[Sequence[np.ndarray]], dict[str, np.ndarray]],
                       weight_sets: dict[str, dict[str, float]]) -> dict[str, ScoreFn]:
    """Score functions for several weightings of the same components, sharing one scoring
    pass per batch (the components are computed once for all weightings)."""
    cache: dict[str, Any] = {"key": None, "parts": None}

    def parts_for(hist: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
        key = (id(hist[0]) if len(hist) else 0, len(hist))
        if cache["key"] != key:
            cache["key"], cache["parts"] = key, component_scores(hist)
        return cache["parts"]

    def make(weights: dict[str, float]) -> ScoreFn:
        def score(hist: Sequence[np.ndarray]) -> np.ndarray:
            parts = parts_for(hist)
            out = np.zeros(next(iter(parts.values())).shape, dtype=np.float64)
            for comp, values in parts.items():
                w = weights.get(comp, 0.0)
                if w:
                    out += w * values
            return out
        return score

    return {name: make(w) for name, w in weight_sets.items()}


def multi_report(score_fns: dict[str, ScoreFn], split: Split, *, train_seconds: dict[str, float],
                 held: HeldOut | None = None, k: int = 10, progress: bool = True,
                 extra: dict[str, dict[str, Any]] | None = None) -> list[RecsReport]:
    """Test figures of several scorers in one pass over the test users."""
    from tqdm.auto import tqdm

    from recsys_core.metrics import catalogue_coverage, hit_rate_at_k, ndcg_at_k, novelty_at_k
    from recsys_core.models.base import mask_seen, top_k
    from recsys_core.models.evaluation import summarise_ranks, target_ranks

    held = held or split.test
    ranks: dict[str, list[np.ndarray]] = {n: [] for n in score_fns}
    tops: dict[str, list[list[int]]] = {n: [] for n in score_fns}
    for start in tqdm(range(0, len(held.targets), 1024), desc="testing", disable=not progress, leave=False):
        hist = held.histories[start:start + 1024]
        tgt = np.asarray(held.targets[start:start + 1024])
        for name, fn in score_fns.items():
            scores = np.array(fn(hist), dtype=np.float32, copy=True)
            ranks[name].append(target_ranks(scores, tgt, hist))
            mask_seen(scores, hist)
            tops[name].extend(top_k(scores, k)[0].tolist())
    relevant = [{int(t)} for t in held.targets]
    counts = np.bincount(np.concatenate([np.unique(s) for s in split.train.sequences]),
                         minlength=split.train.n_items)
    count_map = dict(enumerate(counts.tolist()))
    reports = []
    for name in score_fns:
        summary = summarise_ranks(np.concatenate(ranks[name]) if ranks[name] else np.zeros(0), k=k)
        rec = tops[name]
        more = dict((extra or {}).get(name, {}))
        # rank-based figures (ties counted against the target) next to the list-based ones
        more.setdefault("rank_based", summary.as_dict(k))
        more.setdefault("by_history_length", segment_breakdown(np.concatenate(ranks[name]) if ranks[name]
                                                               else np.zeros(0), held, k=k))
        reports.append(RecsReport(
            model=name,
            hr_at_10=hit_rate_at_k(recommended=rec, relevant=relevant, k=k),
            ndcg_at_10=ndcg_at_k(recommended=rec, relevant=relevant, k=k),
            mrr=summary.mrr,
            coverage_at_10=catalogue_coverage(recommended=rec, catalogue_size=split.train.n_items, k=k),
            novelty_at_10=novelty_at_k(recommended=rec, item_counts=count_map,
                                       n_users=max(split.train.n_users, 1), k=k),
            train_seconds=train_seconds.get(name, 0.0),
            users=len(held.targets),
            extra=more,
        ))
    return reports


SEGMENTS = ((1, 3), (4, 7), (8, 15), (16, 10**9))


def segment_breakdown(ranks: np.ndarray, held: HeldOut, *, k: int = 10) -> dict[str, dict[str, float]]:
    """HR@k / NDCG@k per user segment (by history length: new-ish to heavy users)."""
    from recsys_core.models.evaluation import summarise_ranks

    lengths = np.array([len(h) for h in held.histories])
    out = {}
    for lo, hi in SEGMENTS:
        sel = (lengths >= lo) & (lengths <= hi)
        if sel.any() and len(ranks) == len(lengths):
            label = f"{lo}-{hi}" if hi < 10**9 else f"{lo}+"
            out[label] = summarise_ranks(ranks[sel], k=k).as_dict(k)
    return out


def purchase_view(score_fn: ScoreFn, held: HeldOut, *, k: int = 10, seed: int = 0) -> str:
    """sklearn ``classification_report`` of "will buy next" predicted as "ranked in the top k".

    Positives are each test user's real next item; negatives one random item per user that
    is neither the next item nor in the history.
    """
    from sklearn.metrics import classification_report

    from recsys_core.models.evaluation import target_ranks

    rng = np.random.default_rng(seed)
    n_items = None
    pos, neg = [], []
    for s in range(0, len(held.targets), 1024):
        hist, tgt = held.histories[s:s + 1024], held.targets[s:s + 1024]
        scores = score_fn(hist)
        n_items = scores.shape[1]
        other = np.full(len(tgt), -1)
        for r, h in enumerate(hist):
            free = np.setdiff1d(np.arange(n_items), np.r_[np.asarray(h, dtype=np.int64), tgt[r]])
            if len(free):
                other[r] = rng.choice(free)
        pos.append(target_ranks(scores, tgt, hist) < k)
        ok = other >= 0  # users who have seen every other item get no negative
        neg.append(target_ranks(scores[ok], other[ok], [h for h, keep in zip(hist, ok, strict=True) if keep]) < k)
    y_pred = np.concatenate(pos + neg)
    y_true = np.r_[np.ones(sum(len(p) for p in pos)), np.zeros(sum(len(n) for n in neg))]
    return str(classification_report(y_true, y_pred, labels=[0, 1], target_names=["other item", "next item"],
                                     zero_division=0))
