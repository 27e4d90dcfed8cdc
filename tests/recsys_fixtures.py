"""Tiny synthetic interaction data with a known structure, for the recommender tests.

Items form 4 clusters of 10; each user walks one cluster in order (item i -> i + 1), so
the next item is predictable from the last one, and item text vectors are near their
cluster's direction, so content similarity follows the clusters too.
"""

from __future__ import annotations

import numpy as np

from recsys_core.models import Interactions, from_sequences

N_CLUSTERS = 4
CLUSTER_SIZE = 10


def tiny_text(n_items: int = N_CLUSTERS * CLUSTER_SIZE, dim: int = 384, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(N_CLUSTERS, dim))
    text = centres[np.arange(n_items) // CLUSTER_SIZE] + 0.3 * rng.normal(size=(n_items, dim))
    return (text / np.linalg.norm(text, axis=1, keepdims=True)).astype(np.float32)


def tiny_sequences(n_users: int = 80, seed: int = 0) -> dict[str, list[str]]:
    rng = np.random.default_rng(seed)
    out = {}
    for u in range(n_users):
        cluster = u % N_CLUSTERS
        start = int(rng.integers(0, CLUSTER_SIZE - 5))
        length = int(rng.integers(5, CLUSTER_SIZE - start + 1))
        out[f"u{u}"] = [f"i{cluster * CLUSTER_SIZE + start + t}" for t in range(length)]
    return out


def tiny_interactions(n_users: int = 80, seed: int = 0) -> Interactions:
    ids = [f"i{i}" for i in range(N_CLUSTERS * CLUSTER_SIZE)]
    meta = {"category": [f"c{i // CLUSTER_SIZE}" for i in range(len(ids))]}
    return from_sequences(tiny_sequences(n_users, seed), item_ids=ids, item_text=tiny_text(), item_meta=meta)


FAST_SEQUENCE = {"dim": 16, "blocks": 1, "max_len": 10, "dropout": 0.0, "lr": 0.01, "batch_size": 64,
                 "max_epochs": 20, "eval_every": 5, "patience": 2, "num_threads": 1}
FAST_PARAMS = {"sequence": FAST_SEQUENCE, "cf": {"factors": 8, "iterations": 5, "num_threads": 1},
               "item_knn": {"neighbours": 20}}
