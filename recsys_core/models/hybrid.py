"""Hybrid recommender: score = sum of weighted named components, explained exactly.

Components (each a registered :class:`Scorer`): ``sequence``, ``cf`` (ALS), ``item_knn``,
``content``, ``popularity``, ``trend``. Weights are learned on validation users; users are scored from their history as it is
at call time, so appended events count at once without retraining.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from recsys_core.errors import NotFittedError
from recsys_core.models.attribution import Recommendation, contributions, source_label, total
from recsys_core.models.base import Histories, Scorer
from recsys_core.models.interactions import Interactions
from recsys_core.models.registry import create_scorer

LEARNED = ("sequence", "cf", "item_knn", "content", "popularity", "trend")


@dataclass
class HybridConfig:
    """Which components to use and their hyper-parameters (``params[name]`` -> scorer kwargs).

    ``review_sentences > 0`` appends that many of each item's most helpful review sentences to
    the item text that the content scorer and the sequence model's initialisation embed."""

    components: tuple[str, ...] = LEARNED
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    weight_users: int = 4000
    pool_per_component: int = 50
    seed: int = 0
    review_sentences: int = 0


class HybridRecommender:
    """Fits the components, learns their weights on validation, recommends and explains."""

    def __init__(self, *, config: HybridConfig | None = None) -> None:
        self.config = config or HybridConfig()

    # fitting -------------------------------------------------------------------
    def fit(self, data: Interactions, *, validation: tuple[Histories, np.ndarray] | None = None,
            log_dir: str | None = None) -> HybridRecommender:
        """Fit every component on ``data``; learn weights on ``validation`` (histories, next items)."""
        from tqdm.auto import tqdm

        data.require_events()
        self.data_ = data
        self.components_: dict[str, Scorer] = {}
        for name in tqdm(self.config.components, desc="fitting components", leave=False):
            if name == "content" and data.item_text is None:
                continue
            scorer = create_scorer(name, **self.config.params.get(name, {}))
            if name == "sequence":
                scorer.fit(data, validation=validation, log_dir=log_dir)
            else:
                scorer.fit(data)
            self.components_[name] = scorer
        self.weights_ = {name: (1.0 if name == "sequence" else 0.0) for name in self.components_}
        if "sequence" not in self.components_ and self.components_:
            self.weights_[next(iter(self.components_))] = 1.0
        self.histories_ = {u: np.asarray(s, dtype=np.int64) for u, s in enumerate(data.sequences)}
        self.item_counts_ = data.item_counts()
        self.validation_ndcg_ = None
        if validation is not None:
            self.fit_weights(validation)
        return self

    def fit_weights(self, validation: tuple[Histories, np.ndarray], *, exclude: Sequence[str] = ()) -> dict[str, float]:
        """Learn component weights by coordinate search on validation NDCG@10."""
        from recsys_core.models.weighting import build_pool, coordinate_search

        self._check()
        if not hasattr(self, "pool_"):
            hist, targets = validation
            rng = np.random.default_rng(self.config.seed)
            keep = [i for i in range(len(hist)) if len(hist[i])]
            if len(keep) > self.config.weight_users:
                keep = sorted(rng.choice(keep, self.config.weight_users, replace=False).tolist())
            self.pool_ = build_pool(self.component_scores, [hist[i] for i in keep],
                                    np.asarray(targets)[keep], per_component=self.config.pool_per_component)
        weights, ndcg = coordinate_search(self.pool_, anchor="sequence", exclude=exclude)
        self.weights_ = weights
        self.validation_ndcg_ = ndcg
        return weights

    def _check(self) -> None:
        if not hasattr(self, "components_"):
            raise NotFittedError(self)

    # scoring -------------------------------------------------------------------
    @property
    def n_items(self) -> int:
        self._check()
        return len(self.data_.items)

    def component_scores(self, histories: Histories) -> dict[str, np.ndarray]:
        """Raw (unweighted) scores of every component, (B, n_items) each."""
        self._check()
        out = {name: scorer.score(histories) for name, scorer in self.components_.items()}
        return out

    def weight(self, name: str) -> float:
        return float(self.weights_.get(name, 0.0))

    def weights_for(self, history: np.ndarray, names: Iterable[str]) -> dict[str, float]:
        """The weights that score a history. A user with no history yet gets only what needs none:
        the learned popularity/trend weights, or popularity alone when validation (where every
        user has a history) set both to 0 — never an all-zero, arbitrary ranking."""
        weights = {n: self.weight(n) for n in names}
        if len(history) or "popularity" not in weights:
            return weights
        cold = {n: (w if n in ("popularity", "trend") else 0.0) for n, w in weights.items()}
        if not (cold.get("popularity") or cold.get("trend")):
            cold["popularity"] = 1.0
        return cold

    def score(self, histories: Histories) -> np.ndarray:
        """Hybrid scores (B, n_items) = sum_c weight_c * score_c."""
        parts = self.component_scores(histories)
        out = np.zeros((len(histories), self.n_items), dtype=np.float64)
        for name, values in parts.items():
            w = self.weight(name)
            if w:
                out += w * values.astype(np.float64)
        for row, history in enumerate(histories):  # rare: a user with no history yet
            if len(history) == 0:
                out[row] = 0.0
                for name, w in self.weights_for(np.zeros(0, np.int64), parts).items():
                    if w:
                        out[row] += w * parts[name][row].astype(np.float64)
        return out

    # users, items, rules -------------------------------------------------------
    def history(self, user_id: object) -> np.ndarray:
        """The user's current history (item indexes); empty for unknown users."""
        self._check()
        if user_id in self.data_.users:
            return self.histories_.get(self.data_.users.index(user_id), np.zeros(0, dtype=np.int64))
        return np.zeros(0, dtype=np.int64)

    def add_events(self, user_id: object, item_ids: Sequence[object]) -> None:
        """Append events to a user's history (new users welcome); they count at the next call."""
        self._check()
        items = self.data_.items.indexes(item_ids)
        uidx = self.data_.users.extend([user_id])[0]
        self.histories_[uidx] = np.concatenate([self.history(user_id), items]).astype(np.int64)

    def add_items(self, item_ids: Sequence[object], text_embeddings: np.ndarray) -> None:
        """New catalogue items: reachable through content and sequence via their text."""
        self._check()
        self.data_.items.extend(item_ids)
        extra = len(self.data_.items) - len(self.item_counts_)
        for scorer in self.components_.values():
            if hasattr(scorer, "add_items"):
                scorer.add_items(text_embeddings)
            else:
                _pad_scorer(scorer, extra)
        self.item_counts_ = np.concatenate([self.item_counts_, np.zeros(extra)])
        if self.data_.item_text is not None:
            self.data_.item_text = np.vstack([self.data_.item_text, text_embeddings])

    # recommend & explain --------------------------------------------------------
    def _user_scores(self, history: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        parts = {n: v[0].astype(np.float64) for n, v in self.component_scores([history]).items()}
        scores = np.zeros(self.n_items)
        for name, w in self.weights_for(history, parts).items():
            scores += w * parts[name]
        if len(history):
            scores[history] = -np.inf
        return parts, scores

    def _allowed(self, filters: Mapping[str, Any] | None) -> np.ndarray | None:
        if not filters:
            return None
        from recsys_core.models.filters import allowed_items

        return allowed_items(self.data_, filters)

    def recommend(self, user_id: object, k: int = 10, filters: Mapping[str, Any] | None = None,
                  *, evidence: bool = True) -> list[Recommendation]:
        """Top-``k`` unseen items for the user with exact contributions and evidence."""
        history = self.history(user_id)
        parts, scores = self._user_scores(history)
        allowed = self._allowed(filters)
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        k = min(k, int(np.isfinite(scores).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [self._describe(history, parts, int(i), rank + 1, evidence) for rank, i in enumerate(top)]

    def evidence_for(self, user_id: object, item_id: object) -> dict[str, Any]:
        """The evidence ``recommend`` attaches to an item (for a list built with ``evidence=False``)."""
        return self._evidence(self.history(user_id), self.data_.items.index(item_id))

    def _evidence(self, history: np.ndarray, item: int, *, top: int = 3) -> dict[str, Any]:
        """Why ``item`` scored as it did for ``history``: the hybrid's own facts (the item's
        interaction count, the latest history items), then each component's own evidence."""
        ids = self.data_.items
        out: dict[str, Any] = {"item_interactions": int(self.item_counts_[item])}
        if len(history):
            out["recent_history"] = ids.ids(history[-top:][::-1])
        for scorer in self.components_.values():
            out.update(scorer.evidence(history, item, ids=ids, top=top))
        return out

    def profile_vector(self, user_id: object) -> np.ndarray:
        """The user's content profile (recency-weighted mean of history text embeddings), in
        the text-embedding space product search uses; zeros for a user with no history."""
        from recsys_core.models.content import ContentScorer
        from recsys_core.models.errors import ModelConfigError

        self._check()
        content = self.components_.get("content")
        if not isinstance(content, ContentScorer):
            raise ModelConfigError("profile_vector needs the 'content' component; retrain with it enabled")
        return content.profile(self.history(user_id))

    def explain(self, user_id: object, item_id: object) -> Recommendation:
        """Breakdown of any item for the user, with its rank among all unseen items."""
        history = self.history(user_id)
        item = self.data_.items.index(item_id)
        parts, scores = self._user_scores(history)
        if not np.isfinite(scores[item]):
            rank = 0  # already in the history: not recommendable
        else:
            rank = int((scores > scores[item]).sum()) + 1
        return self._describe(history, parts, item, rank, True)

    def _describe(self, history: np.ndarray, parts: dict[str, np.ndarray], item: int, rank: int,
                  with_evidence: bool) -> Recommendation:
        raw = {n: float(v[item]) for n, v in parts.items()}
        contribs = contributions(raw, self.weights_for(history, raw))
        return Recommendation(
            item_id=self.data_.items.id(item),
            rank=rank,
            score=total(contribs),
            contributions=contribs,
            component_scores=raw,
            source=source_label(contribs, user_has_history=len(history) > 0,
                                item_interactions=float(self.item_counts_[item])),
            evidence=self._evidence(history, item) if with_evidence else {},
        )


def _pad_scorer(scorer: Scorer, extra: int) -> None:
    """Items unknown to a collaborative scorer score 0 there (no interaction data yet)."""
    if hasattr(scorer, "item_scores_"):
        scorer.item_scores_ = np.concatenate([scorer.item_scores_, np.zeros(extra, dtype=np.float32)])
    if hasattr(scorer, "item_factors_"):
        scorer.item_factors_ = np.vstack([scorer.item_factors_, np.zeros((extra, scorer.item_factors_.shape[1]))])
    if hasattr(scorer, "similarity_"):
        from scipy import sparse

        n = scorer.similarity_.shape[0] + extra
        s = scorer.similarity_.tocoo()
        scorer.similarity_ = sparse.csr_matrix((s.data, (s.row, s.col)), shape=(n, n))
    for attr in ("counts_", "recent_counts_", "previous_counts_"):
        if hasattr(scorer, attr):
            setattr(scorer, attr, np.concatenate([getattr(scorer, attr), np.zeros(extra)]))
    scorer.n_items_ += extra
