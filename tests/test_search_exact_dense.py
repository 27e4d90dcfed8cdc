"""Dense candidates: exact search over the in-memory vectors up to ``exact_dense_max`` products,
Chroma's HNSW index above it; on a small catalogue both give the same top products and scores."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from retrieval.errors import SearchInputError

DIM = 48
WORDS = ["drill", "hose", "boots", "paint", "ladder", "saw", "lamp", "pipe", "screw", "rake", "tile", "fan"]


def unit(seed: str) -> np.ndarray:
    v = np.random.default_rng(int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)).standard_normal(DIM)
    return (v / np.linalg.norm(v)).astype(np.float32)


def shop(n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    products = pd.DataFrame({"item_id": [f"p{i}" for i in range(n)],
                             "title": [f"{WORDS[i % 12]} {WORDS[(i * 7) % 12]} model {i}" for i in range(n)]})
    return products, np.stack([unit(t) for t in products["title"]])


class CountingAnn:
    """An ANN callable that counts its calls."""

    def __init__(self, inner: Any):
        self.inner, self.calls = inner, 0

    def __call__(self, vector: np.ndarray, k: int) -> Any:
        self.calls += 1
        return self.inner(vector, k)


@pytest.fixture(scope="module")
def hnsw(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, np.ndarray, Any]:
    from retrieval.chroma_store import ann_search, cached_products_collection

    products, vectors = shop()
    root: Path = tmp_path_factory.mktemp("chroma")
    collection, _, _ = cached_products_collection(vectors, products["item_id"].tolist(), cache_root=root,
                                                  show_progress=False)
    return products, vectors, ann_search(collection)


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_exact_and_hnsw_paths_return_the_same_top_products(hnsw: Any, mode: str) -> None:
    from retrieval.search import HybridSearcher

    products, vectors, ann = hnsw
    counted = {"exact": CountingAnn(ann), "hnsw": CountingAnn(ann)}
    searchers = {path: HybridSearcher(mode=mode, query_encoder=unit, candidates=50,
                                      exact_dense_max=None if path == "exact" else 0).fit(
        products, embeddings=vectors, ann=counted[path], show_progress=False) for path in counted}
    assert not searchers["exact"].uses_ann() and searchers["hnsw"].uses_ann()
    for query in ("drill hose", "paint ladder model", "lamp", "rake tile fan", "saw pipe screw"):
        got = {path: [(h.item_id, h.score) for h in s.search(query, k=10)] for path, s in searchers.items()}
        assert len(got["exact"]) == 10 and got["exact"] == got["hnsw"], query
    assert counted["exact"].calls == 0 and counted["hnsw"].calls == 5  # each path really ran


def test_exact_dense_max_comes_from_the_setting(hnsw: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval.search import HybridSearcher

    products, vectors, ann = hnsw

    def fit(**params: Any) -> HybridSearcher:
        return HybridSearcher(query_encoder=unit, **params).fit(products, embeddings=vectors, ann=ann, show_progress=False)

    monkeypatch.delenv("SHELFWISE_EXACT_DENSE_MAX", raising=False)
    assert fit().exact_dense_max_ == 200_000 and not fit().uses_ann()
    monkeypatch.setenv("SHELFWISE_EXACT_DENSE_MAX", str(len(products) - 1))
    assert fit().uses_ann()  # one product over the threshold: HNSW
    monkeypatch.setenv("SHELFWISE_EXACT_DENSE_MAX", str(len(products)))
    assert not fit().uses_ann()
    assert fit(exact_dense_max=0).uses_ann()  # the parameter wins over the setting
    assert not HybridSearcher(query_encoder=unit, exact_dense_max=0).fit(
        products, embeddings=vectors, show_progress=False).uses_ann()  # no index given: exact
    monkeypatch.setenv("SHELFWISE_EXACT_DENSE_MAX", "lots")
    with pytest.raises(SearchInputError, match="SHELFWISE_EXACT_DENSE_MAX='lots'"):
        fit()
    with pytest.raises(SearchInputError, match="negative"):
        fit(exact_dense_max=-1)
