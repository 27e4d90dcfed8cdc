"""Fine-tuning the search encoder on (query, relevant title) pairs."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from retrieval.encoder_tuning import MIN_PAIRS, Pair, _batches, fine_tune_encoder, pairs_from_labels
from retrieval.errors import SearchInputError


def test_pairs_from_labels_take_relevant_titles_and_a_labelled_negative() -> None:
    pairs = pairs_from_labels({"q1": "copper pipe", "q2": "drill"},
                              {"q1": {"a": 2.0, "b": 0.0, "c": 0.5}, "q2": {"d": 1.0, "zz": 2.0}},
                              {"a": "copper pipe 1/2 in.", "b": "garden hose", "c": "pipe cutter", "d": "cordless drill"})
    assert pairs == [Pair("copper pipe", "copper pipe 1/2 in.", "garden hose"), Pair("drill", "cordless drill", None)]


def test_batches_never_repeat_a_query_or_title() -> None:
    rng = random.Random(0)
    pairs = [Pair(f"q{i % 7}", f"t{i % 11}") for i in range(200)]
    batches = _batches(pairs, 8, rng)
    for b in batches:
        assert len({p.query for p in b}) == len(b) and len({p.positive for p in b}) == len(b)
    assert sum(len(b) for b in batches) > 100  # most pairs are used


def test_too_few_pairs_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SearchInputError, match=f"at least {MIN_PAIRS}"):
        fine_tune_encoder([Pair("a", "b")], tmp_path / "m")


@pytest.mark.slow
def test_fine_tuning_pulls_queries_towards_their_titles(tmp_path: Path) -> None:
    from recsys_core.models.embeddings import embed_query, embed_texts

    rng = random.Random(1)
    words = ["zorbel", "quint", "flarn", "mippet", "drove", "sklar", "brunt", "yolk", "pelf", "vasp"]
    pairs = [Pair(f"{a} {b}", f"{b} {a} fitting kit no. {i}") for i, (a, b) in
             enumerate((rng.choice(words), rng.choice(words)) for _ in range(80))]
    before = np.mean([float(embed_query(p.query) @ embed_texts([p.positive], cache_dir=tmp_path / "c",
                                                                show_progress=False)[0]) for p in pairs[:10]])
    report = fine_tune_encoder(pairs, tmp_path / "adapted", batch_size=16, epochs=2, show_progress=False)
    assert report.steps > 0 and (tmp_path / "adapted" / "model.safetensors").is_file()
    spec = str(tmp_path / "adapted")
    after = np.mean([float(embed_query(p.query, spec) @ embed_texts([p.positive], cache_dir=tmp_path / "c",
                                                                     show_progress=False, encoder=spec)[0])
                     for p in pairs[:10]])
    assert after > before + 0.02, (before, after)
