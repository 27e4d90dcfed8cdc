"""Fusion and evaluation metrics on tables computed by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from retrieval.evaluation import (
    load_search_set,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    score_rankings,
)
from retrieval.fusion import normalise, ranks, rrf, weighted


def test_ranks_are_one_based_descending() -> None:
    assert ranks({"a": 0.1, "b": 0.9, "c": 0.5}) == {"b": 1, "c": 2, "a": 3}


def test_rrf_by_hand() -> None:
    fused = rrf([{"a": 3, "b": 2}, {"b": 5, "c": 1}], k=1)
    assert fused["a"] == pytest.approx(1 / 2)
    assert fused["b"] == pytest.approx(1 / 3 + 1 / 2)
    assert fused["c"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        rrf([{"a": 1}], weights=[1, 2])


def test_weighted_minmax_by_hand() -> None:
    fused = weighted([{"a": 10, "b": 0}, {"a": 0.2, "b": 0.6}], weights=[0.5, 0.5])
    assert fused == {"a": pytest.approx(0.5), "b": pytest.approx(0.5)}
    only_one = weighted([{"a": 2, "b": 1}, {"b": 1}], weights=[1, 1])
    assert only_one["a"] == pytest.approx(1.0) and only_one["b"] == pytest.approx(1.0)


def test_normalise_variants() -> None:
    assert normalise({"a": 1, "b": 3}) == {"a": 0.0, "b": 1.0}
    z = normalise({"a": 1, "b": 3}, "zscore")
    assert z["a"] == pytest.approx(-1.0) and z["b"] == pytest.approx(1.0)
    assert normalise({"a": 2}, "minmax") == {"a": 1.0}
    with pytest.raises(ValueError, match="unknown"):
        normalise({"a": 1}, "bogus")  # type: ignore[arg-type]


def test_ndcg_by_hand() -> None:
    gains = {"a": 2.0, "b": 1.0}
    assert ndcg_at_k(ranked=["a", "b"], gains=gains) == pytest.approx(1.0)
    swapped = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert ndcg_at_k(ranked=["b", "a"], gains=gains) == pytest.approx(swapped)
    assert ndcg_at_k(ranked=["x", "a"], gains=gains, k=1) == 0.0
    assert ndcg_at_k(ranked=["a"], gains={"a": 0.0}) == 0.0


def test_mrr_and_recall_by_hand() -> None:
    assert mrr_at_k(ranked=["x", "y", "a"], relevant={"a"}) == pytest.approx(1 / 3)
    assert mrr_at_k(ranked=["x"] * 10 + ["a"], relevant={"a"}) == 0.0
    assert recall_at_k(ranked=["a", "x"], relevant={"a", "b"}) == 0.5
    assert recall_at_k(ranked=["a"], relevant=set()) == 0.0


def test_score_rankings_uses_relevance_threshold() -> None:
    gains = {"q1": {"a": 2.0, "b": 1.0}, "q2": {"c": 1.0}}
    means, per = score_rankings(rankings={"q1": ["b", "a"], "q2": ["c"]}, gains=gains)
    # q2 has no product with gain >= 1.5: counted for NDCG only
    assert "mrr@10" not in per["q2"] and per["q2"]["ndcg@10"] == pytest.approx(1.0)
    assert means["mrr@10"] == pytest.approx(0.5)
    assert means["recall@100"] == pytest.approx(1.0)


def write_set(tmp: Path, label_rows: str) -> tuple[Path, Path, Path]:
    p, q, lab = tmp / "p.csv", tmp / "q.csv", tmp / "l.csv"
    p.write_text("product_uid,product_title\n1,Red Shoe\n2,Blue Hat\n")
    q.write_text("query_id,query\nq1,red shoe\n")
    lab.write_text("query_id,product_uid,gain\n" + label_rows)
    return p, q, lab


def test_load_search_set_reads_and_validates(tmp_path: Path) -> None:
    s = load_search_set(*write_set(tmp_path, "q1,1,2.0\nq1,2,0.0\n"))
    assert list(s.products.columns[:2]) == ["item_id", "title"]
    assert s.gains == {"q1": {"1": 2.0, "2": 0.0}}
    from recsys_core.errors import DataValidationError

    with pytest.raises(DataValidationError, match="gain"):
        load_search_set(*write_set(tmp_path, "q1,1,lots\n"))
