"""Search evaluation on a graded query set: NDCG@10, MRR@10, Recall@100, build time, latency.

Metrics are pure functions with keyword-only arguments. Protocol (as in
``shared/data/README.md``): NDCG uses the gain as given, linear in DCG, unjudged products
count 0; MRR and Recall count a product relevant when its gain ≥ ``RELEVANT_GAIN`` (1.5, i.e.
relevance ≥ 2.5). NDCG averages over queries with a positive ideal DCG, MRR and Recall over
queries with at least one relevant product.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from retrieval.errors import SearchInputError

RELEVANT_GAIN = 1.5


def ndcg_at_k(*, ranked: Sequence[str], gains: Mapping[str, float], k: int = 10) -> float:
    """Normalised DCG of ``ranked[:k]`` with linear gains; 0.0 when the ideal DCG is 0."""
    dcg = sum(gains.get(d, 0.0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def mrr_at_k(*, ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Reciprocal rank of the first relevant doc within ``k``; 0.0 when none."""
    for i, d in enumerate(ranked[:k]):
        if d in relevant:
            return 1.0 / (i + 1)
    return 0.0


def recall_at_k(*, ranked: Sequence[str], relevant: set[str], k: int = 100) -> float:
    """Share of relevant docs found in ``ranked[:k]``; 0.0 when nothing is relevant."""
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


@dataclass(frozen=True)
class SearchSet:
    """A graded search set: products (item_id + text columns), queries, graded labels."""

    products: pd.DataFrame  # item_id plus text columns (title, ...)
    queries: pd.DataFrame  # query_id, query
    gains: dict[str, dict[str, float]]  # query_id -> {item_id: gain}


def load_search_set(products: str | Path, queries: str | Path, labels: str | Path) -> SearchSet:
    """Read and validate the three CSVs of a Home-Depot-style set (see the data adapter)."""
    from recsys_core.data.adapters import load_search_set as read_search_set

    prods, qs, labs = read_search_set(products, queries, labels)
    return _assemble(prods, qs, labs, str(labels))


def _assemble(prods: pd.DataFrame, qs: pd.DataFrame, labs: pd.DataFrame, where: str) -> SearchSet:
    prods = prods.rename(columns={"product_uid": "item_id", "product_title": "title"})
    prods = prods.rename(columns=lambda c: c.removeprefix("product_"))
    prods["item_id"] = prods["item_id"].astype(str)
    labs = labs.rename(columns={"product_uid": "item_id"})
    try:
        gain_values = pd.to_numeric(labs["gain"])
    except (ValueError, TypeError) as exc:
        raise SearchInputError(f"{where}: column 'gain' must be numeric ({exc})") from exc
    gains: dict[str, dict[str, float]] = {}
    for qid, item, g in zip(labs["query_id"].astype(str), labs["item_id"].astype(str), gain_values, strict=True):
        gains.setdefault(qid, {})[item] = float(g)
    queries = qs[["query_id", "query"]].astype(str).reset_index(drop=True)
    return SearchSet(products=prods.reset_index(drop=True), queries=queries, gains=gains)


@dataclass
class SearchReport:
    """Aggregate figures of one evaluated mode."""

    mode: str
    n_queries: int
    ndcg_at_10: float
    mrr_at_10: float
    recall_at_100: float
    build_seconds: float
    latency_p50_ms: float
    latency_p95_ms: float
    n_latency_queries: int
    per_query: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)

    def summary(self) -> dict[str, float | int | str]:
        data = asdict(self)
        data.pop("per_query")
        return data


def score_rankings(
    *, rankings: Mapping[str, Sequence[str]], gains: Mapping[str, Mapping[str, float]]
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Mean NDCG@10/MRR@10/Recall@100 of ``rankings`` (query_id → ranked item ids)."""
    per: dict[str, dict[str, float]] = {}
    nd: list[float] = []
    mrr: list[float] = []
    rec: list[float] = []
    for qid, ranked in rankings.items():
        g = gains.get(qid, {})
        relevant = {d for d, v in g.items() if v >= RELEVANT_GAIN}
        row: dict[str, float] = {}
        if any(v > 0 for v in g.values()):
            row["ndcg@10"] = ndcg_at_k(ranked=ranked, gains=g, k=10)
            nd.append(row["ndcg@10"])
        if relevant:
            row["mrr@10"] = mrr_at_k(ranked=ranked, relevant=relevant, k=10)
            row["recall@100"] = recall_at_k(ranked=ranked, relevant=relevant, k=100)
            mrr.append(row["mrr@10"])
            rec.append(row["recall@100"])
        per[qid] = row
    means = {
        "ndcg@10": float(np.mean(nd)) if nd else 0.0,
        "mrr@10": float(np.mean(mrr)) if mrr else 0.0,
        "recall@100": float(np.mean(rec)) if rec else 0.0,
    }
    return means, per


def evaluate_search(
    *,
    search_set: SearchSet,
    rank: Callable[[str], Sequence[str]],
    mode: str,
    build_seconds: float,
    query_ids: Sequence[str] | None = None,
    latency_queries: int = 500,
    show_progress: bool = True,
) -> SearchReport:
    """Run ``rank(query) -> item ids (≥100)`` over the queries; time a sample for latency."""
    from tqdm.auto import tqdm

    qs = search_set.queries
    if query_ids is not None:
        qs = qs[qs["query_id"].isin(set(query_ids))]
    rankings: dict[str, Sequence[str]] = {}
    latencies: list[float] = []
    for i, (qid, text) in enumerate(
        tqdm(zip(qs["query_id"], qs["query"], strict=True), total=len(qs), desc=f"eval {mode}",
             disable=not show_progress)
    ):
        start = time.perf_counter()
        rankings[qid] = rank(text)
        if i < latency_queries:
            latencies.append((time.perf_counter() - start) * 1000.0)
    means, per = score_rankings(rankings=rankings, gains=search_set.gains)
    lat = np.asarray(latencies) if latencies else np.zeros(1)
    return SearchReport(
        mode=mode,
        n_queries=len(rankings),
        ndcg_at_10=means["ndcg@10"],
        mrr_at_10=means["mrr@10"],
        recall_at_100=means["recall@100"],
        build_seconds=build_seconds,
        latency_p50_ms=float(np.percentile(lat, 50)),
        latency_p95_ms=float(np.percentile(lat, 95)),
        n_latency_queries=len(latencies),
        per_query=per,
    )


def run_search_eval(
    *,
    search_set: SearchSet,
    mode: str = "hybrid",
    params: Mapping[str, object] | None = None,
    query_ids: Sequence[str] | None = None,
    latency_queries: int = 300,
    dense_index: str = "auto",
    show_progress: bool = True,
    train_set: SearchSet | None = None,
) -> SearchReport:
    """Fit a HybridSearcher in ``mode`` on the set's products and evaluate it.

    With ``train_set`` (other queries and labels over the same products) a learned ranker is
    fitted on it — settings by cross-validation inside it — and re-ranks the hybrid; a query id
    or query text found in both sets is an error (:func:`check_disjoint`).

    ``dense_index="hnsw"`` takes dense candidates from a Chroma HNSW collection (cached between
    runs, as the product index does), ``"exact"`` from one matrix product, ``"auto"`` (the
    default) as the app does: exact up to the ``exact_dense_max`` setting's number of products,
    HNSW above it. Quality uses the query vectors live search computes (:func:`embed_queries`); latency
    is timed separately on ``latency_queries`` queries spread over the set, each encoded on
    its own on one thread, as a live search would.
    """
    from retrieval.embedding import embed_queries, embed_texts
    from retrieval.search import HybridSearcher

    if dense_index not in ("auto", "hnsw", "exact"):
        raise SearchInputError(f"unknown dense index {dense_index!r}; use auto, hnsw or exact")
    # "hnsw" asks the index on every query, whatever the catalogue size (the app searches exactly up to exact_dense_max)
    searcher = HybridSearcher(mode=mode, **{"exact_dense_max": 0 if dense_index == "hnsw" else None,  # type: ignore[arg-type]
                                            **dict(params or {})})
    if dense_index == "auto":
        from retrieval.search import exact_dense_limit

        limit = exact_dense_limit(searcher.exact_dense_max)
        dense_index = "hnsw" if len(search_set.products) > limit else "exact"
    start = time.perf_counter()
    embeddings = None
    ann = None
    if mode != "bm25":
        from retrieval.search import document_text

        embeddings = embed_texts(
            document_text(search_set.products), show_progress=show_progress, desc="embedding products",
            encoder=searcher.encoder,
        )
        if dense_index == "hnsw":
            from retrieval.chroma_store import ann_search, cached_products_collection

            ids = search_set.products["item_id"].astype(str).tolist()
            collection, _, _ = cached_products_collection(embeddings, ids, show_progress=show_progress)
            ann = ann_search(collection)
    searcher.fit(search_set.products, embeddings=embeddings, ann=ann, show_progress=show_progress)
    build_seconds = time.perf_counter() - start
    qs = search_set.queries
    if query_ids is not None:
        qs = qs[qs["query_id"].isin(set(query_ids))]
    texts = qs["query"].tolist()
    vectors: dict[str, np.ndarray] = {}
    if mode != "bm25":
        enc_texts = sorted({searcher.query_text(t) for t in texts})
        enc = embed_queries(enc_texts, searcher.encoder, show_progress=show_progress)
        vectors = dict(zip(enc_texts, enc, strict=True))

    if train_set is not None:
        from retrieval.ranker_training import fit_search_ranker

        check_disjoint(train_set, search_set)
        train_texts = sorted({searcher.query_text(t) for t in train_set.queries["query"]} - set(vectors))
        if mode != "bm25" and train_texts:
            vectors.update(zip(train_texts, embed_queries(train_texts, searcher.encoder, show_progress=show_progress),
                               strict=True))
        pairs = list(zip(train_set.queries["query_id"], train_set.queries["query"], strict=True))
        searcher.ranker, cv, _ = fit_search_ranker(searcher, pairs, train_set.gains, vectors=vectors or None,
                                                   progress=show_progress)
        mode = f"{mode}+ranker"
        build_seconds = time.perf_counter() - start

    def rank(text: str) -> Sequence[str]:
        vec = vectors.get(searcher.query_text(text)) if vectors else None
        return searcher.rank_ids(text, 100, query_vector=vec)

    report = evaluate_search(
        search_set=search_set, rank=rank, mode=mode, build_seconds=build_seconds,
        query_ids=query_ids, latency_queries=0, show_progress=show_progress,
    )
    latencies = measure_latency(searcher, texts, n=latency_queries)
    report.latency_p50_ms = float(np.percentile(latencies, 50)) if latencies else 0.0
    report.latency_p95_ms = float(np.percentile(latencies, 95)) if latencies else 0.0
    report.n_latency_queries = len(latencies)
    return report


def check_disjoint(train: SearchSet, test: SearchSet) -> None:
    """Training and evaluation queries share no query id and no query text (case and spaces
    ignored): a ranker must be judged on queries it never saw."""
    def norm(texts: pd.Series) -> set[str]:
        return {" ".join(str(t).lower().split()) for t in texts}

    ids = set(train.queries["query_id"]) & set(test.queries["query_id"])
    texts = norm(train.queries["query"]) & norm(test.queries["query"])
    if ids or texts:
        example = sorted(ids)[:3] or sorted(texts)[:3]
        raise SearchInputError(f"the training queries overlap the evaluation queries ({len(ids)} ids, "
                               f"{len(texts)} texts in both, e.g. {example}); split them so none is in both")


def measure_latency(searcher: object, texts: Sequence[str], *, n: int = 300) -> list[float]:
    """Milliseconds per ``rank_ids(query, 100)`` with live query encoding, ``n`` spread queries."""
    if n <= 0 or not texts:
        return []
    step = max(1, len(texts) // n)
    sample = list(texts[::step])[:n]
    rank_ids = getattr(searcher, "rank_ids")  # noqa: B009 - HybridSearcher, imported lazily
    forget = getattr(searcher, "forget_queries", lambda: None)
    rank_ids(sample[0], 100)  # warm-up: model load and first-call allocations
    out: list[float] = []
    for text in sample:
        forget()  # live encoding every time, never a cached query vector
        start = time.perf_counter()
        rank_ids(text, 100)
        out.append((time.perf_counter() - start) * 1000.0)
    return out


def write_report(reports: Sequence[SearchReport], path: str | Path, **extra: object) -> None:
    """Write the summaries (not per-query rows) as JSON."""
    from recsys_core.workspace import atomic_write_json

    atomic_write_json(Path(path), {"results": [r.summary() for r in reports], **extra}, default=str)
