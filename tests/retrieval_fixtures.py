"""Tiny catalogue and a deterministic fake embedder shared by the retrieval tests."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

DIM = 32


def fake_vector(text: str) -> np.ndarray:
    """Bag-of-words hashing vector: texts sharing words are similar (unit norm)."""
    v = np.zeros(DIM, dtype=np.float32)
    for word in text.lower().replace(".", " ").split():
        h = int(hashlib.md5(word.encode()).hexdigest(), 16)
        v[h % DIM] += 1.0
    n = np.linalg.norm(v)
    return v / n if n else v


def fake_embed(texts: Sequence[str], *_args: object) -> np.ndarray:
    return np.stack([fake_vector(t) for t in texts]) if texts else np.zeros((0, DIM), np.float32)


def catalogue() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["p1", "p2", "p3", "p4", "p5", "p6", "p7"],
            "title": [
                "Waterproof hiking boots",
                "Leather hiking boots brown",
                "Running shoes light",
                "Cordless drill 20V",
                "无线蓝牙耳机 降噪",
                "防水登山靴",
                "Garden hose 50 ft",
            ],
            "brand": ["Trek", "Trek", "Zoom", "Volt", "声", "山", "Aqua"],
            "category": [
                "footwear > boots", "footwear > boots", "footwear > shoes", "tools",
                "audio", "footwear > boots", "garden",
            ],
            "price": [150.0, 99.0, 80.0, 120.0, 50.0, 110.0, 30.0],
            "stock": [3, 5, 0, 2, 4, 1, 0],
        }
    )
