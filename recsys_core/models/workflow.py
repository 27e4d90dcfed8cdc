"""End-to-end jobs: train the hybrid on a workspace store, or evaluate on a sequence file."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from recsys_core.models.hybrid import HybridConfig, HybridRecommender
from recsys_core.models.interactions import Interactions
from recsys_core.models.protocol import RecsReport, latency_p50_ms, test_report
from recsys_core.models.splits import HeldOut, Split, leave_one_out
from recsys_core.workspace import MODEL_DIR as MODEL_DIR  # the layout owns the name; re-exported
from recsys_core.workspace import Workspace, atomic_write_json


def embed_items(records: Sequence[Mapping[str, object]], cache_dir: str | os.PathLike[str] | None) -> np.ndarray:
    """MiniLM embeddings of item records (title, brand, category, description)."""
    from recsys_core.models.embeddings import TextEmbedder, item_text

    return TextEmbedder(cache_dir=cache_dir, num_threads=2).embed([item_text(r) for r in records])


def fit_model(split: Split, *, config: HybridConfig | None = None,
              log_dir: str | None = None) -> tuple[HybridRecommender, float]:
    """Fit on the split's training part; weights and early stopping on its validation part."""
    start = time.perf_counter()
    model = HybridRecommender(config=config).fit(split.train, validation=split.validation.as_pair(),
                                                 log_dir=log_dir)
    return model, time.perf_counter() - start


def time_single_user(model: HybridRecommender, held: HeldOut, report: RecsReport, calls: int = 200) -> None:
    """p50 latency of ``recommend`` and ``explain`` for one user over the whole catalogue,
    with the held-out histories in place (restored afterwards)."""
    if not len(held.users):
        return
    saved = {int(u): model.histories_.get(int(u)) for u in held.users}
    for u, h in zip(held.users, held.histories, strict=True):
        model.histories_[int(u)] = h
    try:
        ids = model.data_.users.ids(held.users.tolist())
        items = model.data_.items.ids()
        rng = np.random.default_rng(1)
        report.recommend_p50_ms = latency_p50_ms(lambda i: model.recommend(ids[i], 10), n=len(ids), calls=calls)
        report.explain_p50_ms = latency_p50_ms(
            lambda i: model.explain(ids[i], items[int(rng.integers(len(items)))]), n=len(ids), calls=calls)
    finally:
        for u, h in saved.items():
            if h is None:
                model.histories_.pop(u, None)
            else:
                model.histories_[u] = h


def fit_and_report(data: Interactions, *, config: HybridConfig | None = None, log_dir: str | None = None,
                   name: str = "shelfwise hybrid", timing_users: int = 200,
                   split: Split | None = None) -> tuple[HybridRecommender, RecsReport, Split]:
    """Leave-one-out: fit on train, weights + early stopping on validation, report on test."""
    split = split or leave_one_out(data)
    model, seconds = fit_model(split, config=config, log_dir=log_dir)
    report = test_report(name, model.score, split, train_seconds=seconds, weights=model.weights_)
    report.validation_ndcg_at_10 = model.validation_ndcg_
    time_single_user(model, split.test, report, calls=timing_users)
    return model, report, split


BASELINES = ("popularity", "item_knn")  # components that are recommenders on their own


def baseline_figures(model: HybridRecommender, split: Split) -> dict[str, dict[str, float]]:
    """The test figures of the model's popularity and item-kNN components alone, on the same
    test users: what the hybrid has to beat (the components are fitted already, so this is
    one more scoring pass, no training)."""
    from recsys_core.models.protocol import ScoreFn, multi_report

    fns: dict[str, ScoreFn] = {name: model.components_[name].score for name in BASELINES if name in model.components_}
    if not fns:
        return {}
    found = multi_report(fns, split, train_seconds={}, progress=False)
    return {r.model: {"hr_at_10": r.hr_at_10, "ndcg_at_10": r.ndcg_at_10, "mrr": r.mrr,
                      "coverage_at_10": r.coverage_at_10, "novelty_at_10": r.novelty_at_10} for r in found}


def sequences_to_interactions(sequences_path: str | os.PathLike[str], item_text_path: str | None,
                              cache_dir: str | None) -> Interactions:
    """Interactions from a Beauty.txt-format file (+ optional items.jsonl-format text)."""
    from recsys_core.data.adapters import load_item_text, load_sequences
    from recsys_core.models.splits import from_sequences

    sequences = load_sequences(sequences_path)
    if not item_text_path:
        return from_sequences(sequences)
    frame = load_item_text(item_text_path)
    records = [
        {"title": r.title, "brand": r.brand, "categories": list(r.categories) if r.categories is not None else None}
        for r in frame.itertuples()
    ]
    text = embed_items(records, cache_dir)
    meta = {"category": frame["category"].astype(str).tolist(), "brand": frame["brand"].astype(str).tolist()}
    return from_sequences(sequences, item_ids=frame["item_id"].astype(str).tolist(), item_text=text, item_meta=meta)


def evaluate_sequences(sequences_path: str, *, item_text_path: str | None = None, json_out: str | None = None,
                       cache_dir: str | None = None, log_dir: str | None = None,
                       config: HybridConfig | None = None, classification: bool = False) -> RecsReport:
    """``shelfwise eval recs``: the default hybrid under leave-one-out on any sequence file."""
    from recsys_core.models.protocol import purchase_view

    data = sequences_to_interactions(sequences_path, item_text_path, cache_dir)
    model, report, split = fit_and_report(data, config=config, log_dir=log_dir)
    if classification:
        report.extra["classification_report"] = purchase_view(model.score, split.test)
    report.extra.update({"sequences": str(sequences_path), "item_text": item_text_path,
                         "users": data.n_users, "items": data.n_items, "events": data.n_events()})
    if json_out:
        atomic_write_json(json_out, report.to_dict(), default=float)
    return report


def train_workspace(workspace: str | os.PathLike[str], *, config: HybridConfig | None = None) -> dict[str, Any]:
    """``shelfwise train``: fit on the workspace's store, write ``models/recommender``."""
    from recsys_core.data.store import load_store
    from recsys_core.models.hybrid_artifacts import save_hybrid
    from recsys_core.models.review_text import item_records
    from recsys_core.models.splits import from_events

    started = time.perf_counter()
    config = config or HybridConfig()
    ws = Workspace(workspace)
    shop = load_store(ws.root)
    products = shop.products
    records = item_records(products, shop.reviews, sentences=config.review_sentences)
    text = embed_items(records, ws.item_embedding_cache_dir)
    data = from_events(shop.events, products, item_text=text)
    data.require_events()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    log_dir = str(ws.runs_dir / f"recommender-{stamp}")
    model, report, split = fit_and_report(data, config=config, log_dir=log_dir)
    report.extra["baselines"] = baseline_figures(model, split)
    # the served model keeps the full histories (validation + test events included)
    model.histories_ = {u: np.asarray(s, dtype=np.int64) for u, s in enumerate(data.sequences)}
    model.item_counts_ = data.item_counts()
    folder = save_hybrid(model, ws.model_dir)
    summary = {"model": str(folder), "tensorboard": log_dir, "report": report.to_dict(),
               "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
               "seconds": round(time.perf_counter() - started, 1)}
    atomic_write_json(ws.model_report_path, summary, default=float)  # a kill never leaves half a report
    return summary


# ---- the trained model's users: what forget-user asks of the model owner -----------------


def _saved(workspace: str | os.PathLike[str]) -> dict[str, Any] | None:
    from recsys_core.models.artifacts import bundle_config
    from recsys_core.models.hybrid_artifacts import KIND

    return bundle_config(Workspace(workspace).model_dir, kind=KIND)


def trained_users(workspace: str | os.PathLike[str]) -> set[str] | None:
    """The user ids the workspace's recommender was fitted on (None: no model trained)."""
    saved = _saved(workspace)
    return None if saved is None else {str(u) for u in saved.get("users") or []}


def model_version(workspace: str | os.PathLike[str]) -> str | None:
    """A short id of the workspace's current recommender (None: no model trained)."""
    from recsys_core.models.artifacts import bundle_version

    return bundle_version(Workspace(workspace).model_dir)


def saved_config(workspace: str | os.PathLike[str]) -> HybridConfig:
    """The configuration the workspace's recommender was trained with."""
    from recsys_core.errors import ArtifactError
    from recsys_core.models.hybrid_artifacts import saved_hybrid_config

    ws = Workspace(workspace)
    saved = _saved(ws.root)
    try:
        if saved is None:
            raise KeyError("no model")
        return saved_hybrid_config(saved)
    except (KeyError, TypeError) as exc:
        raise ArtifactError(f"{ws.model_dir} has no usable training settings ({exc!r}); run "
                            f"`shelfwise train --workspace {ws.root}`") from exc


def retrain_workspace(workspace: str | os.PathLike[str]) -> dict[str, Any]:
    """Refit every component from scratch on the current store, with the saved configuration."""
    return train_workspace(workspace, config=saved_config(workspace))


def drop_old_models_of(workspace: str | os.PathLike[str], user_id: str) -> int:
    """Delete kept earlier versions of the recommender that were fitted on ``user_id``."""
    from recsys_core.models.artifacts import drop_kept_versions

    return drop_kept_versions(Workspace(workspace).model_dir,
                              lambda config: str(user_id) in {str(u) for u in config.get("users") or []})


