"""The vectorised ranker features equal, float for float, the per-candidate definitions they
replaced (kept below as the reference), on a small catalogue with brands, prices and stock and
on a slice of the real Home Depot catalogue with its real queries."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rapidfuzz import fuzz

from retrieval.rank_features import FEATURES, numbers, sizes
from retrieval.tokenizer import normalise_text, tokenize
from tests.retrieval_fixtures import fake_embed, fake_vector

HD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "search" / "homedepot"


def reference_coverage(bm: Any, tokens: list[str], rows: list[int]) -> list[float]:
    """The per-row IDF-weighted coverage ``BM25Index.coverages`` used to compute (document
    frequencies counted row by row, each row's weights summed in the query's weight order)."""
    held = [frozenset().union(*(bm.doc_tokens_[f][i] for f in bm.fields)) for i in range(bm.n_docs_)]
    df: dict[str, int] = {}
    for doc in held:
        for t in doc:
            df[t] = df.get(t, 0) + 1
    n = bm.n_docs_
    weights = {t: math.log((n + 1) / (df.get(t, 0) + 0.5)) for t in set(tokens) if t}
    total = sum(weights.values())
    if not total:
        return [0.0] * len(rows)
    return [sum(w for t, w in weights.items() if t in held[row]) / total for row in rows]


def reference_features(searcher: Any, scored: Any, positions: Any) -> np.ndarray:
    """The per-candidate loop the feature builder used to run (one Python pass per row)."""
    products = searcher.products_
    titles = products["title"].fillna("").astype(str).tolist()
    title_norm = [normalise_text(t) for t in titles]
    title_tokens = searcher.bm25_.doc_tokens_.get("title") or [set(t.split()) for t in title_norm]
    brand = products["brand"] if "brand" in products else [None] * len(titles)
    brand_tokens = [set(tokenize(b if isinstance(b, str) and b else (t.split()[0] if t.split() else "")))
                    for b, t in zip(brand, titles, strict=True)]
    price = products["price"].astype("float64").to_numpy() if "price" in products else None
    stock = (products["stock"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
             if "stock" in products else None)
    if price is not None:
        finite = price[np.isfinite(price)]
        edges = np.quantile(finite, [0.2, 0.4, 0.6, 0.8]) if len(finite) else np.zeros(4)

    def share(asked: set[Any], held: set[Any]) -> float:
        return len(asked & held) / len(asked) if asked else math.nan

    tokens = [t for t in scored.analysed.tokens if t]
    qset = set(tokens)
    phrase = normalise_text(scored.analysed.text or "").strip()
    q_numbers, q_sizes = numbers(scored.analysed.text or ""), sizes(scored.analysed.text or "")
    head = tokens[-1] if tokens else None
    n_cand = float(len(scored.rows) + 1)
    out = np.full((len(positions), len(FEATURES)), np.nan)
    fused = scored.fused
    order = np.argsort(-fused, kind="stable")
    fused_rank = np.empty(len(fused))
    fused_rank[order] = np.arange(1, len(fused) + 1)
    rows = [int(scored.rows[i]) for i in positions]
    coverage = reference_coverage(searcher.bm25_, tokens, rows) if tokens else [0.0] * len(rows)
    for j, i in enumerate(positions):
        row = rows[j]
        title = title_tokens[row]
        out[j, 0] = scored.bm25[i] if scored.bm25 is not None else np.nan
        out[j, 1] = scored.bm25_rank[i] or n_cand
        out[j, 2] = scored.dense[i] if scored.dense is not None else np.nan
        out[j, 3] = scored.dense_rank[i] or n_cand
        out[j, 4] = fused[i]
        out[j, 5] = fused_rank[i]
        out[j, 6] = coverage[j]
        out[j, 7] = len(qset & title) / len(qset) if qset else 0.0
        out[j, 8] = float(bool(phrase) and phrase in title_norm[row])
        out[j, 9] = share(q_numbers, numbers(titles[row]))
        out[j, 10] = share(q_sizes, sizes(titles[row]))
        out[j, 11] = float(bool(brand_tokens[row]) and brand_tokens[row] <= qset)
        out[j, 12] = float(head in title) if head else np.nan
        out[j, 13] = len(title)
        out[j, 14] = float(bool(scored.analysed.corrections))
        if price is not None and np.isfinite(price[row]):
            out[j, 15] = math.log1p(max(price[row], 0.0))
            out[j, 16] = float(np.searchsorted(edges, price[row]))
        if stock is not None and np.isfinite(stock[row]):
            out[j, 17] = float(stock[row] > 0)
        # the features added after the vectorised builder, one plain definition each
        if phrase:
            q3, t3 = grams3(phrase), grams3(title_norm[row])
            out[j, 18] = len(q3 & t3) / len(q3)
            out[j, 19] = len(q3 & t3) / len(q3 | t3)
        seq = tokenize(titles[row])
        pairs = {(tokens[k], tokens[k + 1]) for k in range(len(tokens) - 1)}
        if pairs:
            out[j, 20] = sum(any(seq[k:k + 2] == [a, b] for k in range(len(seq))) for a, b in pairs) / len(pairs)
        if tokens:
            out[j, 21] = sum(t in seq or (len(t) >= 4 and max((fuzz.ratio(t, u) for u in seq), default=0) >= 80)
                             for t in tokens) / len(tokens)
            out[j, 24] = float(head in seq[-3:])
        emb = searcher.embeddings_
        if emb is not None and scored.dense is not None:
            top10 = [int(scored.rows[i]) for i in order[:10]]
            centre = np.sum([emb[r].astype(np.float64) for r in top10], axis=0) / len(top10)
            out[j, 22] = float(emb[row].astype(np.float64) @ (centre / np.linalg.norm(centre)))
            out[j, 23] = scored.dense[i] - max(scored.dense)
        out[j, 25] = len(tokens)
    return out


def grams3(text: str) -> set[str]:
    padded = " " + " ".join(text.split()) + " "
    return {padded[k:k + 3] for k in range(len(padded) - 2)}


def assert_same_features(searcher: Any, queries: list[str], depth: int = 100) -> int:
    """Every query's features from the builder equal the reference bit for bit (NaN where NaN)."""
    builder = searcher.features()
    checked = 0
    for q in queries:
        scored = searcher._score(q, None, None)
        idx = searcher.rerank_positions(scored, depth)
        got, want = builder.build(scored, idx), reference_features(searcher, scored, idx)
        assert got.shape == want.shape
        same = (got == want) | (np.isnan(got) & np.isnan(want))
        # the embedding centre is summed in another order here: equal to rounding, not bit for bit
        near = FEATURES.index("top_results_similarity")
        same[:, near] |= np.isclose(got[:, near], want[:, near], rtol=0, atol=1e-12)
        bad = np.argwhere(~same)
        assert not len(bad), f"{q!r}: {FEATURES[bad[0][1]]} differs: {got[tuple(bad[0])]} != {want[tuple(bad[0])]}"
        checked += got.size
    return checked


def test_features_equal_the_per_candidate_definitions_with_brand_price_stock() -> None:
    from retrieval.search import HybridSearcher

    rng = np.random.default_rng(3)
    kinds = ["copper pipe", "garden hose", "trash can", "wood screw", "paint roller 9 in", "door hinge"]
    size = ["1/2 in.", "3/4 in.", "10 ft.", "30 gal.", "2x4", "50-ft", ""]
    rows = []
    for i in range(300):
        rows.append({"item_id": f"p{i}", "title": f"{size[i % 7]} {kinds[i % 6]} {'pro' if i % 5 == 0 else ''}".strip(),
                     "brand": [None, "Acme", "Bolt Tools", ""][i % 4], "category": ["plumbing", "garden"][i % 2],
                     "price": [float(rng.uniform(-1, 90)), np.nan][int(i % 11 == 0)],
                     "stock": [int(rng.integers(0, 3)), None][int(i % 13 == 0)]})
    products = pd.DataFrame(rows)
    products["stock"] = products["stock"].astype("Int64")
    searcher = HybridSearcher(query_encoder=fake_vector).fit(
        products, embeddings=fake_embed(products["title"].tolist()), show_progress=False)
    queries = ["acme 1/2 in copper pipe", "50 ft garden hose", "30 gal trash can bolt tools", "hinge",
               "paint roller 9 in", "2x4", "pro wood screws", "garden hoes", "zzz unknown words"]
    assert assert_same_features(searcher, queries, depth=60) > 0
    X = searcher.features().build(searcher._score("acme 1/2 in copper pipe", None, None), [0, 1, 2])
    assert np.isfinite(X[:, FEATURES.index("numbers_match")]).all()  # the query names numbers: read per title


@pytest.mark.skipif(not (HD / "products.csv").is_file(), reason="Home Depot data absent")
def test_features_equal_the_per_candidate_definitions_on_home_depot() -> None:
    from retrieval.evaluation import load_search_set
    from retrieval.search import HybridSearcher

    data = load_search_set(HD / "products.csv", HD / "dev_queries.csv", HD / "dev_labels.csv")
    products = data.products.iloc[:4000].reset_index(drop=True)
    searcher = HybridSearcher(query_encoder=fake_vector).fit(
        products, embeddings=fake_embed(products["title"].tolist()), show_progress=False)
    queries = data.queries["query"].tolist()[::40][:200]
    assert assert_same_features(searcher, queries) > 100 * len(FEATURES)
