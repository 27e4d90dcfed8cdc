"""Embedding cache by content hash (no model needed: vectors are put by hand)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.embedding import EmbeddingCache, content_digest, embed_texts


def test_cache_round_trip_and_torn_shard(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    v = np.arange(384, dtype=np.float32)
    cache.put(content_digest("hello"), v)
    cache.flush()
    (tmp_path / "shard-torn.safetensors").write_bytes(b"\x00garbage")  # a killed writer
    again = EmbeddingCache(tmp_path)
    with pytest.warns(UserWarning, match="shard-torn.safetensors"):  # named, then skipped
        got = again.get(content_digest("hello"))
    assert got is not None and np.array_equal(got, v)
    assert again.get(content_digest("other")) is None
    assert not list(tmp_path.glob(".*.tmp"))


def test_embed_texts_uses_cache_without_loading_the_model(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    cache = EmbeddingCache(tmp_path)
    for i, t in enumerate(["a", "b"]):
        vec = np.zeros(384, dtype=np.float32)
        vec[i] = 1.0
        cache.put(content_digest(t), vec)
    cache.flush()

    def no_model(*_a: object, **_k: object) -> None:
        raise AssertionError("the model must not load when every text is cached")

    monkeypatch.setattr("recsys_core.models.encoders._load_sentence_transformer", no_model)
    monkeypatch.setattr("recsys_core.models.encoders._load_tokenizer", no_model)
    out = embed_texts(["b", "a", "b"], cache_dir=tmp_path, show_progress=False)
    assert out.shape == (3, 384) and out[0, 1] == 1.0 and out[1, 0] == 1.0 and out[2, 1] == 1.0
    assert content_digest("a") != content_digest("a ")


@pytest.mark.slow
def test_fast_query_path_matches_the_model_pipeline(tmp_path: Path) -> None:
    from retrieval.embedding import embed_query

    texts = ["waterproof hiking boots", "16 inch x 20 inch air filter", "无线蓝牙耳机"]
    batch = embed_texts(texts, cache_dir=tmp_path, show_progress=False)
    for text, ref in zip(texts, batch, strict=True):
        vec = embed_query(text)
        assert vec.shape == (384,) and abs(float(np.linalg.norm(vec)) - 1.0) < 1e-5
        assert float(vec @ ref) > 0.9999
