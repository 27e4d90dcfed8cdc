"""Fitting the learned search ranker from graded labels (a search set's query/label files).

Training rows are exactly what the ranker sees when serving: each query's top ``depth``
candidates by the hybrid's fused score, with their features; an unlabelled candidate counts as
not relevant (grade 0), and a query none of whose candidates is relevant teaches nothing and is
left out. Hyper-parameters are chosen by cross-validation over the training queries only
(folds by a hash of the query id), each setting's rounds by early stopping on the held fold.

The ``search_popularity`` feature counts, per product, the training queries it is labelled
relevant for (any positive gain). In a training row each query's own label is left out of that
count, so the ranker learns what the count says about a query it has never seen, which is how it
is used when serving.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from retrieval.errors import SearchInputError
from retrieval.ranker import DEFAULT_PARAMS, SearchRanker, fold_of, grade

GRID: tuple[dict[str, Any], ...] = (
    {"num_leaves": 15, "min_data_in_leaf": 100},
    {"num_leaves": 31, "min_data_in_leaf": 50},
    {"num_leaves": 63, "min_data_in_leaf": 50},
)
MAX_ROUNDS = 800


@dataclass
class TrainingRows:
    X: np.ndarray
    y: np.ndarray
    groups: list[int]
    query_ids: list[str]  # one per group
    skipped: int = 0  # queries without a relevant candidate
    weights: np.ndarray | None = None
    popularity: dict[str, float] = field(default_factory=dict)  # item -> relevant training searches
    items: list[list[str]] = field(default_factory=list)  # each group's candidate ids, in row order

    def subset(self, keep: Sequence[bool]) -> TrainingRows:
        starts = np.cumsum([0, *self.groups])
        rows = np.concatenate([np.arange(starts[i], starts[i + 1]) for i, k in enumerate(keep) if k] or [np.zeros(0, int)])
        return TrainingRows(self.X[rows], self.y[rows], [g for g, k in zip(self.groups, keep, strict=True) if k],
                            [q for q, k in zip(self.query_ids, keep, strict=True) if k], 0,
                            None if self.weights is None else self.weights[rows], self.popularity,
                            [i for i, k in zip(self.items, keep, strict=False) if k])


@dataclass
class CVReport:
    folds: int
    grid: list[dict[str, Any]] = field(default_factory=list)  # params, mean ndcg@10 (candidate set), rounds
    chosen: dict[str, Any] = field(default_factory=dict)


def training_rows(searcher: Any, queries: Sequence[tuple[str, str]], gains: Mapping[str, Mapping[str, float]], *,
                  depth: int = 100, vectors: Mapping[str, np.ndarray] | None = None,
                  progress: bool = True) -> TrainingRows:
    """Features and grades of each query's top ``depth`` candidates (``queries``: (id, text)).
    Unjudged candidates stay in as grade 0: trained on the judged ones alone, the ranker never
    learns to keep junk down (on the Home Depot TUNE half that scored NDCG@10 0.334 against
    0.423 for this and 0.417 for the plain hybrid, on a fold held out of training)."""
    from tqdm.auto import tqdm

    features = searcher.features()
    popularity = relevant_counts(gains.get(qid, {}) for qid, _ in queries)
    Xs, ys, groups, ids, skipped, candidates = [], [], [], [], 0, []
    saved, searcher.ranker = searcher.ranker, None  # the rows are the hybrid's, before any ranker
    try:
        for qid, text in tqdm(queries, desc="ranker features", disable=not progress):
            vec = None if vectors is None else vectors.get(searcher.query_text(text))
            scored = searcher._score(text, None, None, query_vector=vec)
            if not len(scored.rows):
                skipped += 1
                continue
            idx = searcher.rerank_positions(scored, depth)
            judged = gains.get(qid, {})
            items = [str(searcher.item_ids_[scored.rows[i]]) for i in idx]
            y = np.array([grade(judged.get(item, 0.0)) for item in items])
            if not (y > 0).any():
                skipped += 1
                continue
            Xs.append(features.build(scored, idx, popularity=others_count(popularity, items, judged)))
            ys.append(y)
            groups.append(len(idx))
            ids.append(qid)
            candidates.append(items)
    finally:
        searcher.ranker = saved
    if not groups:
        raise SearchInputError("no training query has a relevant product among its candidates; the ranker "
                               "cannot learn from these labels")
    return TrainingRows(np.vstack(Xs), np.concatenate(ys), groups, ids, skipped,
                        popularity={k: float(v) for k, v in popularity.items()}, items=candidates)


def relevant_counts(judgements: Iterable[Mapping[str, float]]) -> Counter[str]:
    """Per item, how many of the searches (each a mapping item -> gain or clicks) it was relevant to."""
    counts: Counter[str] = Counter()
    for judged in judgements:
        counts.update(str(item) for item, gain in judged.items() if gain > 0)
    return counts


def others_count(counts: Mapping[str, float], items: Sequence[str], own: Mapping[str, float]) -> np.ndarray:
    """Each item's count of relevant searches without this search's own (``own``: its item ->
    gain or clicks), the ``search_popularity`` a training row holds."""
    return np.asarray([counts.get(i, 0) - (own.get(i, 0) > 0) for i in items], dtype=np.float64)


def cross_validate(rows: TrainingRows, *, folds: int = 3, grid: Sequence[Mapping[str, Any]] = GRID,
                   seed: int = 0) -> CVReport:
    """Mean NDCG@10 over the candidate sets of held folds, per setting; the best is ``chosen``
    (its rounds: the mean of the folds' early-stopping rounds)."""
    import lightgbm as lgb

    fold = np.array([fold_of(q, folds) for q in rows.query_ids])
    report = CVReport(folds)
    for params in grid:
        scores, rounds = [], []
        for f in range(folds):
            train, valid = rows.subset(fold != f), rows.subset(fold == f)
            base = SearchRanker(params=params, seed=seed)._lgb_params()
            dtrain = lgb.Dataset(train.X, label=train.y, group=train.groups, weight=train.weights)
            dvalid = lgb.Dataset(valid.X, label=valid.y, group=valid.groups, reference=dtrain)
            booster = lgb.train(base, dtrain, num_boost_round=MAX_ROUNDS, valid_sets=[dvalid],
                                callbacks=[lgb.early_stopping(50, verbose=False)])
            scores.append(float(booster.best_score["valid_0"]["ndcg@10"]))
            rounds.append(int(booster.best_iteration or MAX_ROUNDS))
        report.grid.append({"params": dict(params), "ndcg@10": float(np.mean(scores)), "rounds": int(np.mean(rounds))})
    report.chosen = max(report.grid, key=lambda r: r["ndcg@10"])
    return report


def fit_search_ranker(searcher: Any, queries: Sequence[tuple[str, str]], gains: Mapping[str, Mapping[str, float]], *,
                      depth: int = 100, vectors: Mapping[str, np.ndarray] | None = None, folds: int = 3,
                      grid: Sequence[Mapping[str, Any]] = GRID, progress: bool = True,
                      seed: int = 0) -> tuple[SearchRanker, CVReport, TrainingRows]:
    """Cross-validate on the training queries, then fit the chosen setting on all of them."""
    rows = training_rows(searcher, queries, gains, depth=depth, vectors=vectors, progress=progress)
    report = cross_validate(rows, folds=folds, grid=grid, seed=seed)
    return fit_chosen(rows, report.chosen, depth=depth, seed=seed), report, rows


def fit_chosen(rows: TrainingRows, chosen: Mapping[str, Any], *, depth: int = 100, seed: int = 0) -> SearchRanker:
    """The ranker of a chosen setting (``{"params", "rounds"}`` from :func:`cross_validate`) fitted
    on all ``rows``."""
    ranker = SearchRanker(n_estimators=max(int(chosen["rounds"]), 20), depth=depth,
                          params={**DEFAULT_PARAMS, **chosen["params"]}, seed=seed)
    return ranker.fit(rows.X, rows.y, rows.groups, weights=rows.weights, popularity=rows.popularity)
