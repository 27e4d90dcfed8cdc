"""Hybrid ranker: exact attribution, counterfactuals, history at call time, cold start, artifacts."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from recsys_core.errors import ArtifactError, NotFittedError, UnknownIdError
from recsys_core.models import (
    NEW_ITEM_LABEL,
    NEW_USER_LABEL,
    HybridConfig,
    HybridRecommender,
    leave_one_out,
)
from recsys_core.models.hybrid_artifacts import load_hybrid, save_hybrid
from tests.recsys_fixtures import FAST_PARAMS, tiny_interactions, tiny_text


def _fit() -> HybridRecommender:
    split = leave_one_out(tiny_interactions())
    config = HybridConfig(params=FAST_PARAMS, weight_users=100)
    return HybridRecommender(config=config).fit(split.train, validation=split.validation.as_pair())


@pytest.fixture(scope="module")
def model() -> HybridRecommender:
    return _fit()


def test_not_fitted():
    with pytest.raises(NotFittedError, match="HybridRecommender"):
        HybridRecommender().recommend("u1")


def test_contributions_sum_exactly_to_the_score(model):
    for rec in model.recommend("u3", k=10):
        assert rec.score == math.fsum(rec.contributions.values())
        assert set(rec.contributions) == set(model.components_)
        for name, value in rec.contributions.items():
            assert value == model.weight(name) * rec.component_scores[name]


def test_removing_the_top_component_lowers_the_score_by_its_contribution(model):
    rec = model.recommend("u5", k=1)[0]
    top = rec.top_component()
    assert rec.contributions[top] != 0.0
    # the same item scored with that component's weight set to zero
    saved = dict(model.weights_)
    try:
        model.weights_[top] = 0.0
        again = model.explain("u5", rec.item_id)
    finally:
        model.weights_ = saved
    assert again.score == pytest.approx(rec.score - rec.contributions[top], abs=1e-9)


def test_scores_sorted_ranks_consistent_and_seen_excluded(model):
    recs = model.recommend("u2", k=8)
    assert [r.rank for r in recs] == list(range(1, 9))
    assert all(a.score >= b.score for a, b in zip(recs, recs[1:], strict=False))
    seen = set(model.data_.items.ids(model.history("u2")))
    assert not seen & {r.item_id for r in recs}


def test_explain_works_outside_the_top_k_with_its_rank(model):
    recs = model.recommend("u2", k=40)
    far = recs[-1]
    explained = model.explain("u2", far.item_id)
    assert explained.rank == far.rank > 10
    assert explained.score == pytest.approx(far.score)
    assert model.recommend("u2", k=3)[0].rank == 1


def test_evidence_names_similar_history_neighbours_and_trend(model):
    rec = model.recommend("u3", k=1)[0]
    history = set(model.data_.items.ids(model.history("u3")))
    sims = rec.evidence["similar_history"]
    assert sims and all(s["item_id"] in history for s in sims)
    assert sims == sorted(sims, key=lambda s: -s["similarity"])
    assert "trend" in rec.evidence and set(rec.evidence["trend"]) == {"recent", "previous", "log_growth"}
    json.dumps([r.to_dict() for r in model.recommend("u3", k=3)])  # serialisable for the API


def test_evidence_known_answer_on_tiny_data(model):
    """The values the hybrid showed before each scorer gave its own evidence (u3 walks i30-i32)."""
    evidence = model.explain("u3", "i33").evidence
    assert set(evidence) == {"item_interactions", "recent_history", "similar_history", "neighbour_items",
                             "cf_history_items", "trend"}
    assert evidence["item_interactions"] == 16
    assert evidence["recent_history"] == ["i32", "i31", "i30"]
    assert evidence["similar_history"] == [{"item_id": "i32", "similarity": 0.9181},
                                           {"item_id": "i30", "similarity": 0.9116},
                                           {"item_id": "i31", "similarity": 0.9096}]
    # item-item cosine of co-occurrence, exact on this data
    assert evidence["neighbour_items"] == [{"item_id": "i32", "weight": 0.711512},
                                           {"item_id": "i31", "weight": 0.447214},
                                           {"item_id": "i30", "weight": 0.288675}]
    cf = evidence["cf_history_items"]  # ALS weights depend on the solver's BLAS: their shape only
    assert cf and cf == sorted(cf, key=lambda e: -e["weight"]) and {e["item_id"] for e in cf} <= {"i30", "i31", "i32"}
    assert evidence["trend"] == {"recent": 0.0, "previous": pytest.approx(1.5121951219512195),
                                 "log_growth": pytest.approx(-0.92115694, abs=1e-6)}
    assert model.evidence_for("u3", "i33") == evidence
    # a user with no history: only what holds for everyone
    assert model.explain("someone-new", "i33").evidence == {"item_interactions": 16, "trend": evidence["trend"]}


def test_evidence_is_gathered_from_every_component_not_by_name(model):
    class Talking:
        def evidence(self, history, item, *, ids, top=3):
            return {"talking": {"item": ids.id(item), "history": len(history), "top": top}}

    saved = dict(model.components_)
    try:
        model.components_ = {name: (Talking() if name == "trend" else s) for name, s in saved.items()}
        evidence = model.evidence_for("u3", "i33")
    finally:
        model.components_ = saved
    assert evidence["talking"] == {"item": "i33", "history": 3, "top": 3} and "trend" not in evidence


def test_appended_events_count_at_once_without_retraining():
    model = _fit()
    before = [r.item_id for r in model.recommend("u0", k=5)]  # u0 walks cluster 0
    model.add_events("u0", ["i30", "i31", "i32"])  # now the user moves to cluster 3
    after = [r.item_id for r in model.recommend("u0", k=5)]
    assert before != after
    assert int(after[0][1:]) // 10 == 3


def test_new_user_gets_labelled_popularity_picks(model):
    recs = model.recommend("someone-new", k=3)
    assert len(recs) == 3
    assert all(r.source == NEW_USER_LABEL for r in recs)
    assert all(r.contributions.get("sequence", 0.0) == 0.0 for r in recs)


def test_new_user_is_ranked_by_popularity_even_when_validation_zeroed_it(model):
    """Validation users all have a history, so the learned popularity and trend weights can be 0;
    a user with none must still get the popular items (exactly attributed), not an arbitrary order."""
    saved = dict(model.weights_)
    try:
        model.weights_ = {n: (0.0 if n in ("popularity", "trend") else max(w, 0.5)) for n, w in saved.items()}
        recs = model.recommend("someone-new", k=5)
        popularity = model.component_scores([np.zeros(0, np.int64)])["popularity"][0]
        assert [r.score for r in recs] == pytest.approx(sorted(popularity, reverse=True)[:5])  # the most popular
        for r in recs:
            assert r.score > 0 and abs(sum(r.contributions.values()) - r.score) < 1e-9
            assert r.contributions["popularity"] == pytest.approx(r.score)
        assert model.score([np.zeros(0, np.int64)])[0] == pytest.approx(popularity)  # the batch path agrees
        known = model.recommend(model.data_.users.id(0), k=3)
        assert all(r.contributions["popularity"] == 0.0 for r in known)  # users with a history: learned weights
    finally:
        model.weights_ = saved


def test_new_item_is_reachable_through_text_and_labelled():
    model = _fit()
    text = tiny_text()[[25]] + 0.01  # a new item described like cluster 2's items
    model.add_items(["brand-new"], text)
    explained = model.explain("u2", "brand-new")  # u2 walks cluster 2
    assert explained.source == NEW_ITEM_LABEL
    assert explained.contributions["content"] != 0.0 or explained.contributions["sequence"] != 0.0
    assert explained.rank <= 15


def test_filters_restrict_the_candidates(model):
    recs = model.recommend("u1", k=5, filters={"category": "c3"})
    assert recs and all(int(r.item_id[1:]) // 10 == 3 for r in recs)
    with pytest.raises(Exception, match="unknown recommendation filter 'colour'"):
        model.recommend("u1", k=5, filters={"colour": "red"})


def test_unknown_item_is_named(model):
    with pytest.raises(UnknownIdError, match="'nope'"):
        model.explain("u1", "nope")


def test_artifact_round_trip_and_clear_errors(model, tmp_path):
    folder = save_hybrid(model, tmp_path / "rec")
    loaded = load_hybrid(folder)
    a = [(r.item_id, round(r.score, 5)) for r in model.recommend("u4", k=5)]
    b = [(r.item_id, round(r.score, 5)) for r in loaded.recommend("u4", k=5)]
    assert a == b
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format_version"] = 999
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="version 999"):
        load_hybrid(folder)
    save_hybrid(model, folder)
    with open(folder / "tensors.safetensors", "r+b") as fh:
        fh.seek(200)
        fh.write(b"corrupt!")
    with pytest.raises(ArtifactError, match="corrupt"):
        load_hybrid(folder)
    with pytest.raises(ArtifactError, match="shelfwise train"):
        load_hybrid(tmp_path / "missing")


def test_weights_learned_on_validation_beat_sequence_alone_or_match(model):
    from recsys_core.models.weighting import pool_ndcg

    names = model.pool_.names
    alone = np.array([1.0 if n == "sequence" else 0.0 for n in names])
    assert model.validation_ndcg_ >= pool_ndcg(model.pool_, alone) - 1e-9
