"""Review text in the item representation: summaries, item text, the saved option, and the
content scorer on real MiniLM embeddings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_core.models import HybridConfig, HybridRecommender, leave_one_out
from recsys_core.models.embeddings import item_text
from recsys_core.models.hybrid_artifacts import load_hybrid, save_hybrid, saved_hybrid_config
from recsys_core.models.review_text import item_records, review_summaries
from tests.recsys_fixtures import FAST_PARAMS, tiny_interactions

STAMP = pd.Timestamp("2026-02-01T00:00:00Z")


def _reviews(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """(item, text, helpful votes) -> a reviews table in the agreed schema."""
    return pd.DataFrame({
        "review_id": [f"R{i}" for i in range(len(rows))], "item_id": [r[0] for r in rows], "user_id": None,
        "rating": 4, "title": None, "text": [r[1] for r in rows],
        "created_at": [STAMP + pd.Timedelta(hours=i) for i in range(len(rows))], "verified": 1,
        "helpful_votes": [r[2] for r in rows],
    })


def test_summaries_take_the_most_helpful_first_sentences_redacted() -> None:
    reviews = _reviews([
        ("A", "Runs small, order a size up. Otherwise great.", 9),
        ("A", "Nice colour! Mail me at jo@example.com for photos.", 1),
        ("A", "Runs small, order a size up. Seriously.", 5),  # same first sentence: said once
        ("A", "Call me on 415-555-0123 about these. They are fine.", 7),
        ("B", "Kept me dry all night", 0),
    ])
    got = review_summaries(reviews, sentences=3)
    assert got["A"] == "Runs small, order a size up. Call me on [PHONE] about these. Nice colour!"
    assert got["B"] == "Kept me dry all night."
    assert review_summaries(reviews, sentences=1)["A"] == "Runs small, order a size up."
    assert review_summaries(reviews, sentences=0) == {} and review_summaries(reviews.iloc[0:0]) == {}
    assert len(review_summaries(reviews, sentences=3, max_chars=10)["A"]) == 10


def test_item_text_appends_reviews_only_when_asked() -> None:
    products = pd.DataFrame({"item_id": ["A", "B", "C"], "title": ["Vanta sneaker", "Trail tent", "Mug"],
                             "brand": ["Vanta", "Peak", None], "category": ["shoes", "outdoor", "kitchen"],
                             "description": ["Light runner", None, "Ceramic"]})
    reviews = _reviews([("A", "Runs small. Sadly.", 3), ("B", "Leaks in heavy rain.", 2)])
    plain = [item_text(r) for r in item_records(products)]
    assert plain == [item_text(r) for r in products.to_dict("records")]  # unchanged without the option
    assert plain == [item_text(r) for r in item_records(products, reviews, sentences=0)]
    rich = [item_text(r) for r in item_records(products, reviews, sentences=2)]
    assert rich[0] == "Vanta sneaker. Vanta. shoes. Light runner. Reviews: Runs small."
    assert rich[1] == "Trail tent. Peak. outdoor. Reviews: Leaks in heavy rain."
    assert rich[2] == plain[2]  # no reviews, no change


def test_the_option_is_saved_with_the_model(tmp_path) -> None:
    split = leave_one_out(tiny_interactions())
    config = HybridConfig(components=("popularity", "item_knn"), params=FAST_PARAMS, weight_users=50,
                          review_sentences=3)
    model = HybridRecommender(config=config).fit(split.train, validation=split.validation.as_pair())
    folder = save_hybrid(model, tmp_path / "m")
    assert load_hybrid(folder).config.review_sentences == 3
    from recsys_core.models.artifacts import bundle_config
    from recsys_core.models.hybrid_artifacts import KIND

    saved = bundle_config(folder, kind=KIND)
    assert saved is not None and saved_hybrid_config(saved).review_sentences == 3
    del saved["hybrid"]["review_sentences"]  # a model saved before the option: reviews off
    assert saved_hybrid_config(saved).review_sentences == 0


def test_content_scorer_sees_review_text_with_real_embeddings(tmp_path) -> None:
    """Two identical boots; customers say one keeps the rain out. A shopper who bought a rain
    jacket gets that one ranked higher only when reviews are in the representation."""
    pytest.importorskip("sentence_transformers")
    from recsys_core.models.content import ContentScorer
    from recsys_core.models.splits import from_sequences
    from recsys_core.models.workflow import embed_items

    products = pd.DataFrame({"item_id": ["jacket", "boot1", "boot2", "mug"],
                             "title": ["Waterproof rain jacket", "Leather hiking boot", "Leather hiking boot",
                                       "Ceramic mug"], "brand": ["Peak", "Peak", "Peak", "Brew"]})
    reviews = _reviews([("boot1", "Waterproof in heavy rain, my feet stayed dry.", 5),
                        ("boot2", "Comfortable on long walks.", 5)])
    sequences = {"u1": ["jacket", "mug"], "u2": ["mug", "boot1"], "u3": ["boot2", "mug"]}

    def scores(sentences: int) -> np.ndarray:
        text = embed_items(item_records(products, reviews, sentences=sentences), tmp_path / "cache")
        data = from_sequences(sequences, item_ids=products["item_id"].tolist(), item_text=text)
        scorer = ContentScorer().fit(data)
        return scorer.score([data.items.indexes(["jacket"])])[0]

    plain, rich = scores(0), scores(2)
    assert plain[1] == pytest.approx(plain[2])  # same text, same score
    assert rich[1] > rich[2] + 0.02
