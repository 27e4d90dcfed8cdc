"""The learned search ranker: a LightGBM LambdaMART model over :mod:`retrieval.rank_features`,
re-ranking the hybrid's top candidates, with exact per-feature explanations.

A hit's ranker score is the booster's raw output; ``contributions`` are the booster's own
TreeSHAP values (``pred_contrib``), one per feature plus the model's base value, and they sum to
the score exactly. The model is stored as JSON (``{"features": [...], "params": {...},
"model": <LightGBM text model>}``): nothing but JSON is ever loaded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from recsys_core.errors import ArtifactError, NotFittedError
from retrieval.rank_features import FEATURES

GRADES = 7  # labels 0..6: a graded gain g in [0, 2] becomes round(3 g)
DEFAULT_PARAMS: dict[str, Any] = {"num_leaves": 31, "min_data_in_leaf": 50, "learning_rate": 0.05,
                                  "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1,
                                  "lambda_l2": 1.0}
FORMAT = "shelfwise-search-ranker/1"


def grade(gain: float) -> int:
    """A graded gain (0..2, as in the search sets) as a LambdaMART label 0..6."""
    return int(np.clip(round(3 * float(gain)), 0, GRADES - 1))


def fold_of(query_id: str, folds: int) -> int:
    return hashlib.sha256(str(query_id).encode()).digest()[0] % folds


class SearchRanker:
    """LambdaMART over the search features. ``fit`` takes a feature matrix, integer labels
    (0..6), the size of each query's group (rows in query order) and optional row weights
    (inverse propensities, for rankers trained on click logs)."""

    def __init__(self, *, n_estimators: int = 300, depth: int = 100, params: Mapping[str, Any] | None = None,
                 seed: int = 0):
        self.n_estimators = n_estimators
        self.depth = depth  # the hybrid's top candidates the ranker re-ranks
        self.params = {**DEFAULT_PARAMS, **dict(params or {})}
        self.seed = seed

    def _lgb_params(self) -> dict[str, Any]:
        return {"objective": "lambdarank", "metric": "ndcg", "ndcg_eval_at": [10], "verbosity": -1,
                "label_gain": [g / 3 for g in range(GRADES)], "num_threads": 0, "seed": self.seed,
                "deterministic": True, "force_row_wise": True, **self.params}

    def fit(self, X: np.ndarray, y: np.ndarray, groups: Sequence[int], *,
            weights: np.ndarray | None = None, popularity: Mapping[str, float] | None = None) -> SearchRanker:
        """``popularity``: item id -> the number of training searches it was relevant to (the
        ``search_popularity`` feature at serving time; in ``X`` each search's own is left out)."""
        import lightgbm as lgb

        data = lgb.Dataset(np.asarray(X, dtype=np.float64), label=np.asarray(y), group=list(groups),
                           weight=weights, feature_name=list(FEATURES), free_raw_data=True)
        self.booster_ = lgb.train(self._lgb_params(), data, num_boost_round=self.n_estimators)
        self.features_ = list(FEATURES)
        self.popularity_ = {str(k): float(v) for k, v in (popularity or {}).items() if v > 0}
        return self

    def _check(self) -> None:
        if not hasattr(self, "booster_"):
            raise NotFittedError(self)

    def score(self, X: np.ndarray) -> np.ndarray:
        self._check()
        return np.asarray(self.booster_.predict(np.asarray(X, dtype=np.float64), raw_score=True, num_threads=1))

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """TreeSHAP values: one column per feature, then the base value; rows sum to the score."""
        self._check()
        return np.asarray(self.booster_.predict(np.asarray(X, dtype=np.float64), pred_contrib=True, num_threads=1))

    def importance(self) -> dict[str, float]:
        """Total gain per feature (what the model leans on overall)."""
        self._check()
        gain = self.booster_.feature_importance(importance_type="gain")
        return {f: float(g) for f, g in zip(self.features_, gain, strict=True)}

    # ---- persistence (JSON only) ---------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        self._check()
        return {"format": FORMAT, "features": self.features_, "depth": self.depth,
                "n_estimators": self.n_estimators, "params": self.params, "popularity": self.popularity_,
                "model": self.booster_.model_to_string()}

    def save(self, path: str | Path) -> Path:
        from recsys_core.workspace import atomic_write_text

        return atomic_write_text(path, json.dumps(self.to_json()))

    @classmethod
    def load(cls, path: str | Path) -> SearchRanker:
        import lightgbm as lgb

        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, expected {FORMAT!r}")
            if list(data["features"]) != list(FEATURES):
                raise ValueError("its features differ from this version's; retrain it")
            ranker = cls(n_estimators=int(data["n_estimators"]), depth=int(data["depth"]), params=data["params"])
            ranker.booster_ = lgb.Booster(model_str=data["model"])
            ranker.features_ = list(data["features"])
            ranker.popularity_ = {str(k): float(v) for k, v in dict(data.get("popularity") or {}).items()}
        except (OSError, ValueError, KeyError, TypeError, lgb.basic.LightGBMError) as exc:
            raise ArtifactError(f"search ranker {path} cannot be used ({exc}); retrain it") from exc
        return ranker
