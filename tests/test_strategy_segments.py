"""Segments: recovered taste segments vs the demo generator's, names, profiles, RFM reuse."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from recsys_core.errors import NotFittedError, UnknownIdError
from recsys_core.strategy import SegmentModel, category_draws
from tests.strategy_demo import demo_shop


@pytest.fixture(scope="module")
def fitted():
    shop, truth = demo_shop()
    return shop, truth, SegmentModel().fit(shop)


def _oracle_ari(shop, truth) -> float:
    """ARI of the best possible assignment: the true segments' own category profiles."""
    counts = category_draws(shop)
    names = sorted(s["name"] for s in truth["segments"])
    seg = {u: names.index(s["name"]) for s in truth["segments"] for u in s["user_ids"]}
    y = np.array([seg[u] for u in counts.index])
    n = counts.to_numpy()
    theta = np.stack([n[y == k].sum(axis=0) + 0.1 for k in range(len(names))])
    theta /= theta.sum(axis=1, keepdims=True)
    prior = np.bincount(y, minlength=len(names)) / len(y)
    return float(adjusted_rand_score(y, np.argmax(n @ np.log(theta).T + np.log(prior), axis=1)))


def test_segments_match_the_generator(fitted) -> None:
    shop, truth, model = fitted
    labels = model.labels()
    seg = {u: s["name"] for s in truth["segments"] for u in s["user_ids"]}
    ari = adjusted_rand_score([seg[u] for u in labels.index], labels.to_numpy())
    oracle = _oracle_ari(shop, truth)
    print(f"segments: k={model.k_}, ARI={ari:.3f} (oracle with the true profiles {oracle:.3f}) over {len(labels)} users")
    assert abs(model.k_ - len(truth["segments"])) <= 1
    # users have ~5 sessions each, so even the true profiles only reach the oracle ARI
    assert ari >= 0.5
    assert ari >= 0.85 * oracle


def test_segment_names_come_from_their_categories(fitted) -> None:
    _, truth, model = fitted
    table = model.segment_table()
    assert table["users"].sum() == len(model.labels())
    named = {frozenset(n.removesuffix(" shoppers").split(" / ")) for n in table["name"]}
    for seg in truth["segments"]:
        main = max(seg["categories"], key=seg["categories"].get)
        assert any(main in n for n in named), (main, named)
    for desc in table["description"]:
        assert "buyers" in desc and "basket value" in desc and "%" in desc


def test_user_profile(fitted) -> None:
    shop, _, model = fitted
    user = str(model.labels().index[0])
    profile = model.profile(shop, user)
    assert profile["segment"] in set(model.segment_table()["name"])
    assert abs(sum(profile["favourite_categories"].values()) - 1.0) < 1e-6 or len(profile["favourite_categories"]) == 3
    assert profile["price_band"] in {"budget", "mid", "premium", "luxury"}
    assert profile["days_since_last_activity"] >= 0
    with pytest.raises(UnknownIdError):
        model.profile(shop, "no-such-user")


def test_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        SegmentModel().labels()
