"""Ranking metrics on tiny tables worked out by hand."""

from __future__ import annotations

import math

import pytest

from recsys_core import metrics
from recsys_core.metrics import (
    catalogue_coverage,
    hit_rate_at_k,
    mrr_at_k,
    ndcg_at_k,
    novelty_at_k,
    precision_at_k,
    recall_at_k,
)

# user 1: relevant "b" at rank 2; user 2: relevant "z" and "x" at ranks 1 and 3;
# user 3: relevant "q" not recommended at all
RECOMMENDED = [["a", "b", "c"], ["z", "y", "x"], ["a", "c", "d"]]
RELEVANT = [{"b"}, {"x", "z"}, {"q"}]


def test_public_names_are_pinned() -> None:
    assert metrics.__all__ == [
        "catalogue_coverage",
        "hit_rate_at_k",
        "mrr_at_k",
        "ndcg_at_k",
        "novelty_at_k",
        "precision_at_k",
        "recall_at_k",
    ]


def test_hit_rate() -> None:
    assert hit_rate_at_k(recommended=RECOMMENDED, relevant=RELEVANT, k=3) == pytest.approx(2 / 3)
    assert hit_rate_at_k(recommended=RECOMMENDED, relevant=RELEVANT, k=1) == pytest.approx(1 / 3)


def test_precision_and_recall() -> None:
    # hits in top 2: user1 1, user2 1, user3 0
    assert precision_at_k(recommended=RECOMMENDED, relevant=RELEVANT, k=2) == pytest.approx((0.5 + 0.5 + 0) / 3)
    assert recall_at_k(recommended=RECOMMENDED, relevant=RELEVANT, k=2) == pytest.approx((1 + 0.5 + 0) / 3)
    assert recall_at_k(recommended=RECOMMENDED, relevant=RELEVANT, k=3) == pytest.approx((1 + 1 + 0) / 3)


def test_mrr() -> None:
    assert mrr_at_k(recommended=RECOMMENDED, relevant=RELEVANT, k=3) == pytest.approx((0.5 + 1 + 0) / 3)
    assert mrr_at_k(recommended=RECOMMENDED, relevant=RELEVANT, k=1) == pytest.approx((0 + 1 + 0) / 3)


def test_ndcg() -> None:
    user1 = (1 / math.log2(3)) / 1.0
    user2 = (1 / math.log2(2) + 1 / math.log2(4)) / (1 / math.log2(2) + 1 / math.log2(3))
    expected = (user1 + user2 + 0.0) / 3
    assert ndcg_at_k(recommended=RECOMMENDED, relevant=RELEVANT, k=3) == pytest.approx(expected)
    # a perfect ranking scores 1
    assert ndcg_at_k(recommended=[["x", "z", "y"]], relevant=[{"x", "z"}], k=2) == pytest.approx(1.0)


def test_coverage() -> None:
    # top 2 items: {a, b} + {z, y} + {a, c} = {a, b, c, y, z}
    assert catalogue_coverage(recommended=RECOMMENDED, catalogue_size=10, k=2) == pytest.approx(0.5)


def test_novelty() -> None:
    counts = {"a": 4, "b": 2, "z": 1}  # "c" never seen: treated as seen once
    # top 1: a (p=4/8 -> 1 bit), z (1/8 -> 3 bits), a (1 bit)
    assert novelty_at_k(recommended=RECOMMENDED, item_counts=counts, n_users=8, k=1) == pytest.approx(5 / 3)
    # top 2 adds b (2/8 -> 2 bits), y (unseen -> 3 bits), c (unseen -> 3 bits)
    assert novelty_at_k(recommended=RECOMMENDED, item_counts=counts, n_users=8, k=2) == pytest.approx(13 / 6)


def test_empty_input_scores_zero() -> None:
    assert hit_rate_at_k(recommended=[], relevant=[], k=5) == 0.0
    assert ndcg_at_k(recommended=[[]], relevant=[set()], k=5) == 0.0


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_bad_k_is_rejected(k: object) -> None:
    with pytest.raises(ValueError, match="k must be a positive integer"):
        hit_rate_at_k(recommended=RECOMMENDED, relevant=RELEVANT, k=k)  # type: ignore[arg-type]


def test_misaligned_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="3 users but relevant has 2"):
        ndcg_at_k(recommended=RECOMMENDED, relevant=RELEVANT[:2], k=3)


def test_arguments_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        mrr_at_k(RECOMMENDED, RELEVANT, 3)  # type: ignore[misc]
