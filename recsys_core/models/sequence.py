"""SASRec-style self-attention next-item model trained with full-softmax cross-entropy.

Item embeddings start from the MiniLM text embeddings projected to ``dim`` by PCA, and the
output layer is tied to them. After training, a ridge map text -> embedding gives items
that never occurred as a training target (new items) a representation from their text.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import numpy as np

from recsys_core.models.base import Histories, RegisterScorer, Scorer, Weights
from recsys_core.models.interactions import Interactions
from recsys_core.models.sequence_net import SequenceConfig, build_network, pad_left


def register_scorers(register: RegisterScorer) -> None:
    """Registry hook (see :mod:`recsys_core.models.registry`)."""
    register("sequence")(SequenceScorer)


def pca_projection(text: np.ndarray, dim: int) -> np.ndarray:
    """Text embeddings projected on their top ``dim`` principal axes, rows scaled to unit mean norm."""
    centred = text - text.mean(axis=0, keepdims=True)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    proj = centred @ vt[:dim].T
    if proj.shape[1] < dim:
        proj = np.pad(proj, ((0, 0), (0, dim - proj.shape[1])))
    scale = np.linalg.norm(proj, axis=1).mean() or 1.0
    return (proj / scale).astype(np.float32)


class SequenceScorer(Scorer):
    """Next-item scores = logits of a causal self-attention encoder over the recent history."""

    def __init__(self, *, config: SequenceConfig | None = None, **overrides: Any) -> None:
        self.config = config or SequenceConfig()
        if overrides:
            self.config = SequenceConfig(**{**asdict(self.config), **overrides})

    def fit(self, data: Interactions, *, validation: tuple[Histories, np.ndarray] | None = None,
            log_dir: str | None = None) -> SequenceScorer:
        """Train on ``data`` (all positions of every sequence are targets).

        ``validation`` = (histories, next items) for early stopping on NDCG@10; without it
        the model trains for ``max_epochs`` (or ``max_train_seconds``).
        """
        from recsys_core.models.training import train_sequence_model

        data.require_events()
        self._set_catalogue(data)
        net, history = train_sequence_model(self.config, data, init_embeddings=self.init_item_embeddings(data),
                                            validation=validation, log_dir=log_dir)
        self.item_embeddings_ = net.item_emb.weight.detach().cpu().numpy()[1:].copy()
        self.training_history_ = history
        self._net = net
        self._fit_text_map(data)
        return self

    def init_item_embeddings(self, data: Interactions) -> np.ndarray | None:
        """Initial (n_items, dim) embeddings from item text, or None without text."""
        if not self.config.text_init or data.item_text is None:
            return None
        return pca_projection(np.asarray(data.item_text, dtype=np.float32), self.config.dim) / math.sqrt(1.0)

    def _fit_text_map(self, data: Interactions) -> None:
        """Ridge map text -> learned embedding; items never seen as a target take its output."""
        counts = data.item_counts()
        self.text_map_ = None
        if data.item_text is None or (counts > 0).sum() < 10:
            return
        text = np.asarray(data.item_text, dtype=np.float64)
        seen = counts > 0
        x, y = text[seen], self.item_embeddings_[seen].astype(np.float64)
        reg = 1.0 * np.eye(x.shape[1])
        self.text_map_ = np.linalg.solve(x.T @ x + reg, x.T @ y).astype(np.float32)
        cold = ~seen
        if cold.any():
            self.item_embeddings_[cold] = text[cold].astype(np.float32) @ self.text_map_
            self._sync_net_embeddings()

    def _sync_net_embeddings(self) -> None:
        import torch

        with torch.no_grad():
            self._net.item_emb.weight[1:] = torch.from_numpy(self.item_embeddings_)

    def add_items(self, text_embeddings: np.ndarray) -> None:
        """Give new catalogue items an embedding from their text (needs item text at fit)."""
        self.check_fitted()
        if self.text_map_ is None:
            new = np.zeros((len(text_embeddings), self.config.dim), dtype=np.float32)
        else:
            new = np.asarray(text_embeddings, dtype=np.float32) @ self.text_map_
        import torch

        self.item_embeddings_ = np.vstack([self.item_embeddings_, new])
        self.n_items_ = len(self.item_embeddings_)
        old = self._net.item_emb
        self._net.item_emb = torch.nn.Embedding(self.n_items_ + 1, self.config.dim, padding_idx=0)
        with torch.no_grad():
            self._net.item_emb.weight[0] = old.weight[0]
        self._sync_net_embeddings()

    def hidden(self, histories: Histories) -> np.ndarray:
        """User states (B, dim): the encoder output at the last history position."""
        import torch

        self.check_fitted()
        width = max(1, min(self.config.max_len, max(len(h) for h in histories)))
        tokens = torch.from_numpy(pad_left(histories, width))
        if self._net.training:
            self._net.eval()
        with torch.inference_mode():
            return self._net(tokens)[:, -1].numpy()

    def _score(self, histories: Histories, weights: Weights) -> np.ndarray:
        """log(p(item | history) x n_items): the next-item probability's lift over a uniform
        guess (> 0 = more likely than chance); comparable across users, additive-friendly."""
        logits = self.hidden(histories) @ self.item_embeddings_.T
        logits -= logits.max(axis=1, keepdims=True)
        logits -= np.log(np.exp(logits).sum(axis=1, keepdims=True)) - np.log(self.n_items_)
        empty = np.array([len(h) == 0 for h in histories])
        logits[empty] = 0.0  # no history: the sequence component abstains
        return logits

    # artifacts -----------------------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        self.check_fitted()
        tensors = {f"net.{k}": v.detach().cpu().numpy() for k, v in self._net.state_dict().items()}
        tensors["item_embeddings"] = self.item_embeddings_
        if self.text_map_ is not None:
            tensors["text_map"] = self.text_map_
        return {"config": asdict(self.config), "n_items": self.n_items_}, tensors

    @classmethod
    def from_state(cls, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> SequenceScorer:
        import torch

        model = cls(config=SequenceConfig(**config["config"]))
        model.n_items_ = int(config["n_items"])
        net = build_network(model.n_items_ + 1, model.config)
        net.load_state_dict({k[4:]: torch.from_numpy(v) for k, v in tensors.items() if k.startswith("net.")})
        model._net = net
        model.item_embeddings_ = tensors["item_embeddings"]
        model.text_map_ = tensors.get("text_map")
        model.training_history_ = []
        return model
