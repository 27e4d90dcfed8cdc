"""The sequence model's network: its hyper-parameters, the SASRec-style torch module and the
left-padded token layout it reads. Torch is imported inside :func:`build_network` only, so
importing this module (or ``recsys_core``) stays light.

The scorer (:mod:`~recsys_core.models.sequence`) and its training loop
(:mod:`~recsys_core.models.training`) both build on this module; it imports neither.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from recsys_core.models.base import Histories
from recsys_core.models.errors import ModelConfigError


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
