"""Training the learned search ranker from the shop's own search log: no labels needed.

Every logged search list (impressions with positions, and the clicks on them) becomes one
training group: the searcher's top ``depth`` candidates for the query, the clicked ones graded
relevant. Clicks are biased towards the top slots, so each group is weighted by the inverse of
the examination probability of its clicked slots (the position-bias model the strategy engine
fits on the same log), clipped at ``MAX_WEIGHT``. The last ``held_days`` are kept out of
training; on them the plain hybrid and the ranker are both scored against what shoppers clicked
(NDCG@10, MRR@10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from retrieval.errors import SearchInputError
from retrieval.evaluation import mrr_at_k, ndcg_at_k
from retrieval.ranker import SearchRanker
from retrieval.ranker_training import GRID, TrainingRows, cross_validate

# one setting, its rounds by early stopping over two folds: the whole fit takes about a minute on
# the demo shop's ~3,000 search lists (the full grid took four, for 0.6 points of candidate NDCG)
LOG_GRID = (GRID[1],)

MAX_WEIGHT = 10.0
CLICK_GRADE = 3  # a clicked result counts as gain 1.0 (labels are 0..6 = gain 0..2)
MIN_LISTS = 30


@dataclass
class SearchList:
    query: str
    day: pd.Timestamp
    clicked: dict[str, int]  # item -> 0-based position clicked


@dataclass
class LogTrainingReport:
    train_lists: int
    held_lists: int
    cut: str
    examination: list[float]
    cv: dict[str, Any] = field(default_factory=dict)
    held: dict[str, dict[str, float]] = field(default_factory=dict)  # "hybrid"/"hybrid+ranker" -> metrics

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def search_lists(events: pd.DataFrame) -> list[SearchList]:
    """The logged search result lists with at least one click."""
    from recsys_core.strategy.clickmodel import logged_lists
    from recsys_core.strategy.whatif import split_lists

    lists = logged_lists(events)
    lists = lists[(lists["surface"] == "search") & (lists["query"].astype(str).str.strip() != "")]
    if lists.empty:
        return []
    out = []
    for _, g in split_lists(lists).groupby("list_id", sort=False):
        clicked = g[g["clicked"] > 0]
        if len(clicked):
            out.append(SearchList(str(g["query"].iloc[0]), pd.Timestamp(g["timestamp"].iloc[0]),
                                  dict(zip(clicked["item_id"].astype(str), clicked["position"].astype(int), strict=True))))
    return out


def _rows(searcher: Any, lists: list[SearchList], exam: np.ndarray, depth: int) -> TrainingRows:
    from retrieval.ranker_training import others_count, relevant_counts

    features = searcher.features()
    clicks = [dict.fromkeys(sl.clicked, 1.0) for sl in lists]  # a list counts once per item it led to
    popularity = relevant_counts(clicks)
    Xs, ys, ws, groups, ids = [], [], [], [], []
    saved, searcher.ranker = searcher.ranker, None
    try:
        for n, sl in enumerate(lists):
            scored = searcher._score(sl.query, None, None)
            if not len(scored.rows):
                continue
            idx = searcher.rerank_positions(scored, depth)
            items = [str(searcher.item_ids_[scored.rows[i]]) for i in idx]
            y = np.array([CLICK_GRADE if i in sl.clicked else 0 for i in items])
            if not (y > 0).any():
                continue
            shown = [p for i, p in sl.clicked.items() if i in items]
            weight = min(MAX_WEIGHT, float(np.mean([1.0 / exam[min(p, len(exam) - 1)] for p in shown])))
            Xs.append(features.build(scored, idx, popularity=others_count(popularity, items, clicks[n])))
            ys.append(y)
            ws.append(np.full(len(idx), weight))
            groups.append(len(idx))
            ids.append(f"list{n}")
    finally:
        searcher.ranker = saved
    if not groups:
        raise SearchInputError("no logged search list has a clicked result among the searcher's candidates")
    return TrainingRows(np.vstack(Xs), np.concatenate(ys), groups, ids, 0, np.concatenate(ws),
                        {k: float(v) for k, v in popularity.items()})


def _held_metrics(searcher: Any, lists: list[SearchList]) -> dict[str, float]:
    nd, mrr = [], []
    for sl in lists:
        ranked = searcher.rank_ids(sl.query, 10)
        gains = dict.fromkeys(sl.clicked, 1.0)
        nd.append(ndcg_at_k(ranked=ranked, gains=gains, k=10))
        mrr.append(mrr_at_k(ranked=ranked, relevant=set(sl.clicked), k=10))
    return {"ndcg@10": float(np.mean(nd)), "mrr@10": float(np.mean(mrr)), "lists": len(lists)}


def fit_ranker_from_logs(searcher: Any, events: pd.DataFrame, *, held_days: int = 14, depth: int = 100,
                         seed: int = 0) -> tuple[SearchRanker, LogTrainingReport]:
    """A ranker fitted on the search lists before the last ``held_days`` (click-model weighted,
    rounds by early stopping over two folds), and the plain-vs-ranker comparison on those held days."""
    from recsys_core.strategy.clickmodel import PositionBiasModel, logged_lists

    lists = search_lists(events)
    if len(lists) < MIN_LISTS:
        raise SearchInputError(f"{len(lists)} logged search lists with clicks; a search ranker needs at least "
                               f"{MIN_LISTS} (impressions with positions and the clicks on them)")
    cut = max(sl.day for sl in lists) - pd.Timedelta(days=held_days)
    train = [sl for sl in lists if sl.day <= cut]
    held = [sl for sl in lists if sl.day > cut]
    logged = logged_lists(events[events["timestamp"] <= cut])
    model = PositionBiasModel().fit(logged[logged["surface"] == "search"])
    exam = model.examination_.get("search", model.pooled_examination_)
    rows = _rows(searcher, train, exam, depth)
    cv = cross_validate(rows, folds=2, grid=LOG_GRID, seed=seed)
    ranker = SearchRanker(n_estimators=max(cv.chosen["rounds"], 20), depth=depth,
                          params=cv.chosen["params"], seed=seed).fit(rows.X, rows.y, rows.groups, weights=rows.weights,
                                                                     popularity=rows.popularity)
    report = LogTrainingReport(len(train), len(held), str(cut), [round(float(x), 4) for x in exam],
                               cv={"grid": cv.grid, "chosen": cv.chosen})
    if held:
        saved = searcher.ranker
        searcher.ranker = None
        report.held["hybrid"] = _held_metrics(searcher, held)
        searcher.ranker = ranker
        report.held["hybrid+ranker"] = _held_metrics(searcher, held)
        searcher.ranker = saved
    return ranker, report


def train_workspace_ranker(workspace: Any, *, held_days: int = 14) -> dict[str, Any]:
    """``shelfwise train``'s search step: fit on the store's search log with the workspace's
    searcher (its Chroma index, or the same vectors from the index's embedding cache when the
    index is not built yet), save ``models/search-ranker.json`` and its report."""
    from recsys_core.data.store import load_store
    from recsys_core.errors import ShelfwiseError
    from recsys_core.workspace import Workspace, atomic_write_json
    from retrieval.embedding import embed_texts
    from retrieval.indexing import (
        index_dir,
        open_product_search,
        resolve_encoder,
        search_encoder_spec,
    )
    from retrieval.search import HybridSearcher, document_text

    ws = Workspace(workspace)
    shop = load_store(ws.root)
    try:
        searcher = open_product_search(ws.root, products=shop.products)
    except (ShelfwiseError, FileNotFoundError):  # no usable index yet: the vectors it will hold, exact search
        encoder = resolve_encoder(ws.root, search_encoder_spec(ws.root))
        vectors = embed_texts(document_text(shop.products), cache_dir=index_dir(ws.root) / "embed-cache",
                              show_progress=False, encoder=encoder)
        searcher = HybridSearcher(encoder=encoder).fit(shop.products, embeddings=vectors, show_progress=False)
    searcher.ranker = None
    ranker, report = fit_ranker_from_logs(searcher, shop.events, held_days=held_days)
    ranker.save(ws.search_ranker_path)
    summary = {"ranker": str(ws.search_ranker_path), **report.to_dict(),
               "importance": dict(sorted(ranker.importance().items(), key=lambda kv: -kv[1]))}
    atomic_write_json(ws.search_ranker_report_path, summary, default=float)
    return summary
