"""SASRec-style self-attention next-item model trained with full-softmax cross-entropy.

Item embeddings start from the MiniLM text embeddings projected to ``dim`` by PCA, and the
output layer is tied to them. After training, a ridge map text -> embedding gives items
that never occurred as a training target (new items) a representation from their text.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from recsys_core.models.base import Histories, Scorer, Weights, register_scorer
from recsys_core.models.errors import ModelConfigError
from recsys_core.models.interactions import Interactions


@dataclass(frozen=True)
class SequenceConfig:
    """Hyper-parameters of the sequence model (defaults chosen on Beauty validation)."""

    dim: int = 64
    blocks: int = 2
    heads: int = 1
    max_len: int = 50
    dropout: float = 0.3
    lr: float = 2e-3
    weight_decay: float = 0.0
    batch_size: int = 256
    max_epochs: int = 200
    patience: int = 5
    eval_every: int = 2
    max_train_seconds: float = 3600.0  # wall-clock cap
    max_train_cpu_seconds: float = 1800.0  # 15 min on 2 cores, counted as process CPU time
    val_users: int = 6000
    negatives: int = 0
    text_init: bool = True
    seed: int = 0
    num_threads: int = 2

    def __post_init__(self) -> None:
        if self.max_train_seconds <= 0 or self.max_train_cpu_seconds <= 0:
            raise ModelConfigError("sequence time budgets must be > 0 seconds")
        for name in ("dim", "blocks", "heads", "max_len", "batch_size", "max_epochs", "patience", "eval_every"):
            if int(getattr(self, name)) < 1:
                raise ModelConfigError(f"sequence setting {name}={getattr(self, name)!r} must be >= 1")
        if not 0.0 <= self.dropout < 1.0:
            raise ModelConfigError(f"sequence setting dropout={self.dropout!r} must be in [0, 1)")
        if self.dim % self.heads:
            raise ModelConfigError(f"sequence setting dim={self.dim} must be divisible by heads={self.heads}")


def build_network(n_tokens: int, cfg: SequenceConfig):
    """The torch module (imported lazily so ``import recsys_core`` stays light)."""
    import torch
    from torch import nn

    class SASRecNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.item_emb = nn.Embedding(n_tokens, cfg.dim, padding_idx=0)
            self.pos_emb = nn.Embedding(cfg.max_len, cfg.dim)
            nn.init.normal_(self.item_emb.weight, std=1.0 / math.sqrt(cfg.dim))
            nn.init.normal_(self.pos_emb.weight, std=0.02)
            self.drop = nn.Dropout(cfg.dropout)
            layer = nn.TransformerEncoderLayer(
                cfg.dim, cfg.heads, dim_feedforward=cfg.dim * 2, dropout=cfg.dropout,
                activation="gelu", batch_first=True, norm_first=True,
            )
            self.encoder = nn.TransformerEncoder(layer, cfg.blocks, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(cfg.dim)
            mask = torch.triu(torch.full((cfg.max_len, cfg.max_len), float("-inf")), diagonal=1)
            self.register_buffer("causal", mask, persistent=False)

        def forward(self, seqs: torch.Tensor) -> torch.Tensor:
            """Hidden states (B, L, dim) of left-padded token sequences (B, L)."""
            length = seqs.shape[1]
            x = self.item_emb(seqs) * math.sqrt(cfg.dim)
            x = x + self.pos_emb.weight[cfg.max_len - length:].unsqueeze(0)
            pad = seqs == 0
            x = self.drop(x) * (~pad).unsqueeze(-1)
            # causal + key padding; each position may always see itself, so left-padded rows
            # never attend to nothing (NaN) and real rows never see padding
            mask = self.causal[:length, :length].expand(len(seqs), length, length)
            mask = mask.masked_fill(pad.unsqueeze(1), float("-inf"))
            diag = torch.arange(length)
            mask[:, diag, diag] = 0.0
            # is_causal=False: the mask is not purely causal, and it spares torch's per-call check
            h = self.encoder(x, mask=mask.repeat_interleave(cfg.heads, dim=0), is_causal=False)
            return self.norm(h)

    return SASRecNet()


def pad_left(sequences: Histories, length: int) -> np.ndarray:
    """Last ``length`` items of each sequence as tokens (index + 1), left-padded with 0."""
    out = np.zeros((len(sequences), length), dtype=np.int64)
    for row, seq in enumerate(sequences):
        tail = np.asarray(seq[-length:], dtype=np.int64) + 1
        if len(tail):
            out[row, length - len(tail):] = tail
    return out


def pca_projection(text: np.ndarray, dim: int) -> np.ndarray:
    """Text embeddings projected on their top ``dim`` principal axes, rows scaled to unit mean norm."""
    centred = text - text.mean(axis=0, keepdims=True)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    proj = centred @ vt[:dim].T
    if proj.shape[1] < dim:
        proj = np.pad(proj, ((0, 0), (0, dim - proj.shape[1])))
    scale = np.linalg.norm(proj, axis=1).mean() or 1.0
    return (proj / scale).astype(np.float32)


@register_scorer("sequence")
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
        net, history = train_sequence_model(self, data, validation=validation, log_dir=log_dir)
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
