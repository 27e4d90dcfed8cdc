"""Contract every registered scorer passes on tiny data with a known answer."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from recsys_core.errors import NotFittedError
from recsys_core.models import create_scorer, from_sequences, registered_scorers
from tests.recsys_fixtures import CLUSTER_SIZE, FAST_PARAMS, tiny_interactions

NAMES = sorted(registered_scorers())
PERSONAL = ("sequence", "cf", "item_knn", "content")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data():
    return tiny_interactions()


@pytest.fixture(scope="module")
def fitted(data):
    return {name: create_scorer(name, **FAST_PARAMS.get(name, {})).fit(data) for name in NAMES}


def test_registry_holds_the_built_ins():
    assert {"sequence", "cf", "item_knn", "content", "popularity", "trend"} <= set(NAMES)


def test_registry_loads_built_ins_on_first_access_and_plug_ins_use_the_same_hook():
    # a fresh interpreter: nothing has imported the built-in modules before the first look-up
    code = textwrap.dedent("""
        import sys
        import numpy as np
        from recsys_core.errors import ShelfwiseError
        from recsys_core.models import Scorer, register_scorer, registered_scorers, scorer_class
        before = "recsys_core.models.cf" in sys.modules
        assert scorer_class("cf").__name__ == "ALSScorer" and scorer_class("cf").name == "cf"

        @register_scorer("constant")
        class Constant(Scorer):
            def fit(self, data):
                self._set_catalogue(data)
                return self

            def _score(self, histories, weights):
                return np.ones((len(histories), self.n_items_))

        try:
            register_scorer("item_knn")(Constant)
            clash = "none"
        except ShelfwiseError as exc:
            clash = str(exc)
        try:
            scorer_class("nope")
            unknown = "none"
        except ShelfwiseError as exc:
            unknown = str(exc)
        print(before, scorer_class("constant") is Constant, sorted(registered_scorers()))
        print(clash)
        print(unknown)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    first, clash, unknown = out.stdout.strip().splitlines()
    assert first == ("False True ['cf', 'constant', 'content', 'item_knn', 'popularity', 'sequence', 'trend']")
    assert clash == "a scorer named 'item_knn' is already registered (ItemKNNScorer)"
    assert unknown.startswith("unknown scorer 'nope'; registered: cf, constant, content")


@pytest.mark.parametrize("name", NAMES)
def test_not_fitted_error_before_fit(name):
    scorer = create_scorer(name, **FAST_PARAMS.get(name, {}))
    with pytest.raises(NotFittedError, match=type(scorer).__name__):
        scorer.score([np.array([0, 1])])
    with pytest.raises(NotFittedError, match=type(scorer).__name__):
        scorer.evidence(np.array([0, 1]), 2, ids=tiny_interactions().items)


@pytest.mark.parametrize("name", NAMES)
def test_seen_items_never_returned_and_scores_sorted(name, fitted, data):
    histories = data.sequences[:12]
    items, scores = fitted[name].recommend(histories, k=8)
    for row, hist in enumerate(histories):
        assert not set(items[row].tolist()) & set(hist.tolist())
        assert np.all(np.diff(scores[row]) <= 0)


@pytest.mark.parametrize("name", NAMES)
def test_batch_equals_per_user(name, fitted, data):
    histories = data.sequences[:6]
    batch = fitted[name].score(histories)
    single = np.vstack([fitted[name].score([h]) for h in histories])
    np.testing.assert_allclose(batch, single, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", PERSONAL)
def test_known_answer_next_item_stays_in_the_users_cluster(name, fitted):
    # users walk one cluster in order: after i20..i23 the best picks are in cluster 2 (i20-i29)
    history = np.array([20, 21, 22, 23])
    top, _ = fitted[name].recommend([history], k=2)
    assert all(i // CLUSTER_SIZE == 2 for i in top[0]), top
    if name == "sequence":  # the walk is deterministic: i23 is followed by i24
        assert top[0][0] == 24


def test_popularity_known_answer(fitted, data):
    counts = data.item_counts()
    top, _ = fitted["popularity"].recommend([np.array([], dtype=np.int64)], k=1)
    assert counts[top[0][0]] == counts.max()


def test_recommend_empty_history_for_personal_scorers_gives_flat_or_finite_scores(fitted):
    for name in PERSONAL:
        scores = fitted[name].score([np.array([], dtype=np.int64)])
        assert np.all(np.isfinite(scores))


# evidence: what each scorer says about one item for one history ---------------------------
@pytest.mark.parametrize("name", NAMES)
def test_evidence_is_json_and_names_only_history_items(name, fitted, data):
    history, item = data.sequences[5], 17
    evidence = fitted[name].evidence(history, item, ids=data.items, top=2)
    json.dumps(evidence)
    seen = set(data.items.ids(history))
    for value in evidence.values():
        if isinstance(value, list):
            assert 0 < len(value) <= 2 and {e["item_id"] for e in value} <= seen
    # with no history a scorer can only say what holds for every user
    assert not any(isinstance(v, list) for v in fitted[name].evidence(np.zeros(0, np.int64), item,
                                                                      ids=data.items).values())


@pytest.mark.parametrize("name", ["cf", "item_knn"])
def test_collaborative_evidence_is_an_exact_split_of_the_score(name, fitted, data):
    history, item = data.sequences[3], 7
    parts = fitted[name].explain_parts(history, item)
    assert sum(p for _, p in parts) == pytest.approx(float(fitted[name].score([history])[0, item]), rel=1e-4, abs=1e-5)
    key = {"cf": "cf_history_items", "item_knn": "neighbour_items"}[name]
    shown = fitted[name].evidence(history, item, ids=data.items, top=2)[key]
    best = sorted((p for p in parts if p[1] > 0), key=lambda p: -p[1])[:2]
    assert shown == [{"item_id": data.items.id(i), "weight": round(w, 6)} for i, w in best]


def _abc(sequences, text=None):
    return from_sequences(sequences, item_ids=["a", "b", "c"], item_text=text)


def test_known_answer_neighbour_items():
    # co-occurrence a-b 2, a-c 1; item counts a 3, b 2, c 1: cosine a-b 2/sqrt(6), a-c 1/sqrt(3)
    data = _abc({"u1": ["a", "b"], "u2": ["a", "b"], "u3": ["a", "c"]})
    knn = create_scorer("item_knn").fit(data)
    evidence = knn.evidence(data.items.indexes(["b", "c"]), data.items.index("a"), ids=data.items)
    assert evidence == {"neighbour_items": [{"item_id": "b", "weight": 0.816497},
                                            {"item_id": "c", "weight": 0.57735}]}


def test_known_answer_similar_history():
    text = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32)
    data = _abc({"u1": ["a", "b", "c"]}, text)
    content = create_scorer("content").fit(data)
    evidence = content.evidence(data.items.indexes(["c", "b"]), data.items.index("a"), ids=data.items)
    assert evidence == {"similar_history": [{"item_id": "b", "similarity": 0.6},
                                            {"item_id": "c", "similarity": 0.0}]}


def test_known_answer_trend_and_silent_scorers():
    # no event times: each user's last 20% of events (here the 5th) is "recent"; the earlier
    # counts are scaled to the same total, so b: 2 recent vs 0 before, a: 0 vs 8 * 2/8
    data = _abc({"u1": ["a", "a", "a", "a", "b"], "u2": ["a", "a", "a", "a", "b"]})
    trend = create_scorer("trend").fit(data)
    b = data.items.index("b")
    assert trend.evidence(np.zeros(0, np.int64), b, ids=data.items) == {
        "trend": {"recent": 2.0, "previous": 0.0, "log_growth": float(np.float32(np.log(3.0)))}}
    assert create_scorer("popularity").fit(data).evidence(np.array([0]), b, ids=data.items) == {}
