"""Id maps, splits, shop-event conversion, embedding cache, artifacts, metrics glue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import recsys_core.models as models
from recsys_core.errors import ArtifactError, UnknownIdError
from recsys_core.models import IdMap, from_events, from_sequences, leave_one_out, temporal_split
from recsys_core.models.artifacts import load_bundle, save_bundle
from recsys_core.models.embeddings import TextEmbedder, item_text
from recsys_core.models.evaluation import summarise_ranks, target_ranks
from recsys_core.models.protocol import purchase_view, segment_breakdown


def test_public_names_are_pinned():
    assert sorted(models.__all__) == sorted([
        "NEW_ITEM_LABEL", "NEW_USER_LABEL", "EmptyDataError", "HeldOut", "HybridConfig",
        "HybridRecommender", "IdMap", "Interactions", "ModelConfigError", "Recommendation", "Scorer",
        "Split", "create_scorer", "from_events", "from_sequences", "leave_one_out", "register_scorer",
        "registered_scorers", "scorer_class", "temporal_split",
    ])


def test_idmap_round_trip_and_unknown_id_names_id_and_map():
    ids = IdMap(["a", "b"], kind="item")
    assert ids.extend(["b", "c"]) == [1, 2]
    assert ids.ids([2, 0]) == ["c", "a"]
    with pytest.raises(UnknownIdError, match=r"unknown item id 'zz' in the item id map \(3 ids\)"):
        ids.index("zz")
    assert ids.indexes(["a", "zz"], skip_unknown=True).tolist() == [0]


def test_leave_one_out_holds_out_last_two():
    data = from_sequences({"u1": ["a", "b", "c", "d"], "u2": ["b", "c"]})
    split = leave_one_out(data)
    assert [s.tolist() for s in split.train.sequences] == [[0, 1], [1, 2]]  # u2 too short: train only
    assert split.validation.targets.tolist() == [2] and split.test.targets.tolist() == [3]
    assert split.test.histories[0].tolist() == [0, 1, 2]


def test_temporal_split_and_event_conversion():
    products = pd.DataFrame({"item_id": ["p1", "p2", "p3"], "category": ["x", "x", "y"], "brand": ["b"] * 3})
    t = pd.Timestamp("2026-01-01", tz="UTC")
    events = pd.DataFrame({
        "user_id": ["u", "u", "u", "u", "u", "v"],
        "item_id": ["p1", "p1", "p2", "p3", "p1", "p2"],
        "type": ["view", "purchase", "click", "view", "add_to_cart", "impression"],
        "timestamp": [t, t + pd.Timedelta(minutes=1), t + pd.Timedelta(days=1), t + pd.Timedelta(days=5),
                      t + pd.Timedelta(days=9), t],
    })
    data = from_events(events, products)
    assert data.users.ids() == ["u"]  # impressions are not interest
    assert data.sequences[0].tolist() == [0, 1, 2, 0]  # view+purchase of p1 in a row merged
    assert data.weights[0].tolist() == [3.0, 1.0, 1.0, 2.0]  # strongest type kept
    day = 86400
    t0 = t.timestamp()
    split = temporal_split(data, validation_cutoff=t0 + 4 * day, cutoff=t0 + 8 * day)
    assert split.train.sequences[0].tolist() == [0, 1]
    assert split.validation.targets.tolist() == [2]
    assert split.test.targets.tolist() == [0] and split.test.histories[0].tolist() == [0, 1, 2]


def test_target_ranks_exclude_history_and_count_ties_against_target():
    scores = np.array([[5.0, 4.0, 3.0, 3.0, 1.0]])
    # item 0 is in the history, so target 2 has only item 1 above it and ties with item 3
    assert target_ranks(scores, np.array([2]), [np.array([0])]).tolist() == [2]
    s = summarise_ranks(np.array([0, 1, 20]), k=10)
    assert s.hr == pytest.approx(2 / 3)
    assert s.ndcg == pytest.approx((1 + 1 / np.log2(3)) / 3)
    assert s.mrr == pytest.approx((1 + 0.5 + 1 / 21) / 3)


def test_segments_and_purchase_view():
    data = from_sequences({f"u{i}": ["a", "b", "c", "d", "e"][: 3 + i % 3] for i in range(9)})
    split = leave_one_out(data)
    seg = segment_breakdown(np.zeros(len(split.test.targets), dtype=int), split.test)
    assert seg and all(v["hr@10"] == 1.0 for v in seg.values())
    perfect = lambda hist: np.tile(np.arange(5, 0, -1, dtype=np.float32), (len(hist), 1))  # noqa: E731
    text = purchase_view(perfect, split.test, k=1)
    assert "next item" in text and "other item" in text


class _FakeModel:
    calls: list[int] = []

    def encode(self, texts, **_):
        self.calls.append(len(texts))
        return np.stack([np.full(384, len(t), dtype=np.float32) for t in texts])


def test_embedding_cache_embeds_only_new_texts(tmp_path):
    fake = _FakeModel()
    first = TextEmbedder(cache_dir=tmp_path, show_progress=False)
    first._model = fake
    a = first.embed(["red lipstick", "blue shampoo"])
    second = TextEmbedder(cache_dir=tmp_path, show_progress=False)
    second._model = fake
    b = second.embed(["blue shampoo", "green soap", "red lipstick"])
    assert fake.calls == [2, 1]
    np.testing.assert_array_equal(b[[0, 2]], a[[1, 0]])
    (tmp_path / "shard-junk.safetensors").write_bytes(b"not a tensor file")
    third = TextEmbedder(cache_dir=tmp_path, show_progress=False)  # reads the folder afresh
    third._model = fake
    with pytest.warns(UserWarning, match="shard-junk.safetensors"):
        assert third.embed(["green soap"]).shape == (1, 384)
    assert fake.calls == [2, 1]  # the damaged file cost nothing: its neighbours were still read


def test_item_text_joins_fields_and_skips_blanks():
    assert item_text({"title": " Rose  Oil ", "brand": None, "categories": ["Skin", "Oils"],
                      "description": float("nan")}) == "Rose Oil. Skin > Oils"


def test_bundle_kind_mismatch_and_missing_files(tmp_path):
    folder = save_bundle(tmp_path / "b", kind="k1", config={"x": 1}, tensors={"w": np.ones(3, np.float32)})
    config, tensors = load_bundle(folder, kind="k1")
    assert config == {"x": 1} and tensors["w"].tolist() == [1, 1, 1]
    with pytest.raises(ArtifactError, match="expected 'k2'"):
        load_bundle(folder, kind="k2")
    (folder / "tensors.safetensors").unlink()
    with pytest.raises(ArtifactError, match="missing or corrupt"):
        load_bundle(folder, kind="k1")
    assert not list(tmp_path.glob(".b.*"))  # no temp folders left behind
