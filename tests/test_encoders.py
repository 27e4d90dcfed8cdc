"""The encoder registry: fp32 MiniLM, its int8 ONNX export, and fine-tuned folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recsys_core.models.embeddings import content_digest, embed_query, embed_texts
from recsys_core.models.encoders import EncoderError, get_encoder

TEXTS = ["waterproof hiking boots", "16 in. x 20 in. air filter", "1/2 in. copper pipe elbow",
         "Trailhead 2-person dome tent, green", "无线蓝牙耳机"]


def test_an_unknown_encoder_spec_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match="no model.safetensors"):
        get_encoder(str(tmp_path / "nothing-here"))


@pytest.mark.slow
def test_int8_vectors_stay_close_to_fp32_and_never_share_its_cache(tmp_path: Path) -> None:
    fp32 = embed_texts(TEXTS, cache_dir=tmp_path, show_progress=False)
    int8 = embed_texts(TEXTS, cache_dir=tmp_path, show_progress=False, encoder="minilm-int8")
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    cos = (fp32 * int8).sum(axis=1)
    assert cos.min() > 0.95 and cos.mean() > 0.98, cos  # close, but not the same vectors
    assert not np.allclose(fp32, int8, atol=1e-4)
    # the cache holds both, keyed by encoder: asking again returns each encoder's own vectors
    again = embed_texts(TEXTS, cache_dir=tmp_path, show_progress=False)
    assert np.array_equal(again, fp32)
    assert content_digest("a", get_encoder("minilm-int8").id) != content_digest("a")
    # the live single-query path: activations are quantised per batch, so a text alone gets a
    # vector a little different from the one it got among others (still far closer than fp32's)
    for text, ref, ref32 in zip(TEXTS, int8, fp32, strict=True):
        alone = embed_query(text, "minilm-int8")
        assert float(alone @ ref) > 0.98 and abs(float(alone @ ref32) - float(ref @ ref32)) < 0.02
        assert np.array_equal(alone, embed_query(text, "minilm-int8"))  # deterministic


@pytest.mark.slow
def test_int8_ranks_products_like_fp32(tmp_path: Path) -> None:
    """The nearest title to each query is the same under both encoders (a small retrieval check;
    benchmarks/search.py measures NDCG on the Home Depot queries)."""
    titles = ["cordless drill 20v", "garden hose 50 ft", "ceiling fan with light", "LED light bulb 60W",
              "paint roller 9 in.", "toilet flapper", "door knob brushed nickel", "smoke detector"]
    queries = ["drill", "hose for the garden", "fan light", "bulb", "roller for painting", "flapper",
               "nickel door handle", "fire alarm"]
    for spec in ("minilm", "minilm-int8"):
        docs = embed_texts(titles, cache_dir=tmp_path, show_progress=False, encoder=spec)
        best = [int(np.argmax(docs @ embed_query(q, spec))) for q in queries]
        assert best == list(range(len(titles))), (spec, best)
