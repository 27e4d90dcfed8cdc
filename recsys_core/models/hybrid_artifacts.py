"""Saving and loading a fitted :class:`HybridRecommender` as one versioned artifact bundle."""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

import numpy as np

from recsys_core.errors import ArtifactError
from recsys_core.models.artifacts import load_bundle, save_bundle
from recsys_core.models.base import Scorer
from recsys_core.models.hybrid import HybridConfig, HybridRecommender
from recsys_core.models.idmap import IdMap
from recsys_core.models.interactions import Interactions
from recsys_core.models.registry import registered_scorers

KIND = "shelfwise.hybrid-recommender"


def _scorer_state(scorer: Scorer) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    if hasattr(scorer, "state"):
        return scorer.state()
    params = {p: getattr(scorer, p) for p in inspect.signature(type(scorer).__init__).parameters if p != "self"}
    tensors: dict[str, np.ndarray] = {}
    for attr, value in vars(scorer).items():
        if not attr.endswith("_") or attr.startswith("_"):
            continue
        if isinstance(value, np.ndarray):
            tensors[attr] = value
        elif hasattr(value, "tocsr"):  # scipy sparse
            csr = value.tocsr()
            tensors[f"{attr}.data"], tensors[f"{attr}.indices"] = csr.data, csr.indices
            tensors[f"{attr}.indptr"] = csr.indptr
            tensors[f"{attr}.shape"] = np.asarray(csr.shape, dtype=np.int64)
    return {"params": params, "n_items": scorer.n_items_}, tensors


def _scorer_from_state(name: str, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> Scorer:
    from scipy import sparse

    cls = registered_scorers()[name]  # KeyError for a name no longer registered: ArtifactError below
    if hasattr(cls, "from_state"):
        return cls.from_state(config, tensors)
    scorer = cls(**config["params"])
    scorer.n_items_ = int(config["n_items"])
    for key, value in tensors.items():
        if key.endswith(".shape"):
            attr = key[: -len(".shape")]
            setattr(scorer, attr, sparse.csr_matrix(
                (tensors[f"{attr}.data"], tensors[f"{attr}.indices"], tensors[f"{attr}.indptr"]),
                shape=tuple(int(v) for v in value)))
        elif "." not in key:
            setattr(scorer, key, value)
    return scorer


def save_hybrid(model: HybridRecommender, folder: str | os.PathLike[str]) -> Path:
    """Write ``model`` (components, weights, id maps, current histories) atomically."""
    model._check()
    tensors: dict[str, np.ndarray] = {}
    comps: dict[str, Any] = {}
    for name, scorer in model.components_.items():
        cfg, arrays = _scorer_state(scorer)
        comps[name] = cfg
        tensors.update({f"{name}/{k}": v for k, v in arrays.items()})
    data = model.data_
    users = sorted(model.histories_)
    hist = [model.histories_[u] for u in users]
    tensors["histories/users"] = np.asarray(users, dtype=np.int64)
    tensors["histories/lengths"] = np.asarray([len(h) for h in hist], dtype=np.int64)
    tensors["histories/items"] = np.concatenate(hist).astype(np.int64) if hist else np.zeros(0, np.int64)
    tensors["item_counts"] = model.item_counts_
    if data.item_text is not None:
        tensors["item_text"] = np.asarray(data.item_text, dtype=np.float32)
    config = {
        "components": comps,
        "order": list(model.components_),
        "weights": model.weights_,
        "items": data.items.to_list(),
        "users": data.users.to_list(),
        "item_meta": data.item_meta,
        "hybrid": {"components": list(model.config.components), "params": model.config.params,
                   "weight_users": model.config.weight_users,
                   "pool_per_component": model.config.pool_per_component, "seed": model.config.seed,
                   "review_sentences": model.config.review_sentences},
        "validation_ndcg_at_10": model.validation_ndcg_,
    }
    return save_bundle(folder, kind=KIND, config=config, tensors=tensors)


def saved_hybrid_config(config: dict[str, Any]) -> HybridConfig:
    """The :class:`HybridConfig` a bundle written by :func:`save_hybrid` was trained with
    (KeyError/TypeError when the bundle's config lacks it)."""
    hc = config["hybrid"]
    return HybridConfig(components=tuple(hc["components"]), params=hc["params"], weight_users=hc["weight_users"],
                        pool_per_component=hc["pool_per_component"], seed=hc["seed"],
                        review_sentences=int(hc.get("review_sentences", 0)))


def load_hybrid(folder: str | os.PathLike[str]) -> HybridRecommender:
    """Read a model written by :func:`save_hybrid`; ``ArtifactError`` if it does not fit."""
    config, tensors = load_bundle(folder, kind=KIND)
    try:
        model = HybridRecommender(config=saved_hybrid_config(config))
        items = IdMap(config["items"], kind="item")
        users = IdMap(config["users"], kind="user")
        lengths = tensors["histories/lengths"]
        flat = np.split(tensors["histories/items"], np.cumsum(lengths)[:-1]) if len(lengths) else []
        model.histories_ = {int(u): h for u, h in zip(tensors["histories/users"], flat, strict=True)}
        model.data_ = Interactions(items=items, users=users, sequences=[model.histories_.get(u, np.zeros(0, np.int64))
                                                                        for u in range(len(users))],
                                   item_text=tensors.get("item_text"), item_meta=config["item_meta"])
        model.components_ = {}
        for name in config["order"]:
            sub = {k[len(name) + 1:]: v for k, v in tensors.items() if k.startswith(f"{name}/")}
            model.components_[name] = _scorer_from_state(name, config["components"][name], sub)
        model.weights_ = {k: float(v) for k, v in config["weights"].items()}
        model.item_counts_ = tensors["item_counts"]
        model.validation_ndcg_ = config.get("validation_ndcg_at_10")
    except (KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(f"{folder} does not hold a complete recommender ({exc!r}); retrain with `shelfwise train`") from exc
    return model
