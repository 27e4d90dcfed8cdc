"""Exposure audit: who gets the attention of the top-k (position-weighted), how unequal it is
(Gini over items), and how much of the catalogue is never shown."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, 1 = all on one)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    if len(v) == 0 or v.sum() <= 0:
        return 0.0
    n = len(v)
    return float((2 * np.arange(1, n + 1) - n - 1) @ v / (n * v.sum()))


def default_position_weight(positions: np.ndarray) -> np.ndarray:
    """1 / log2(position + 2): the usual DCG discount for 0-based positions."""
    out: np.ndarray = 1.0 / np.log2(np.asarray(positions, dtype=np.float64) + 2.0)
    return out


def item_exposure(lists: Sequence[Sequence[str]], *, k: int = 10,
                  weight: Callable[[np.ndarray], np.ndarray] = default_position_weight) -> pd.Series:
    """Total position-weighted exposure per item over the top ``k`` of every list."""
    total: dict[str, float] = {}
    w = weight(np.arange(k))
    for ranking in lists:
        for pos, item in enumerate(ranking[:k]):
            total[item] = total.get(item, 0.0) + float(w[pos])
    return pd.Series(total, dtype=np.float64).sort_values(ascending=False)


def exposure_audit(lists: Sequence[Sequence[str]], products: pd.DataFrame, *, k: int = 10,
                   weight: Callable[[np.ndarray], np.ndarray] = default_position_weight) -> dict[str, object]:
    """Shares of exposure per brand and category, Gini over catalogue items, never-shown share."""
    exp = item_exposure(lists, k=k, weight=weight)
    ids = products["item_id"].astype(str)
    full = exp.reindex(ids.to_numpy()).fillna(0.0)
    total = float(full.sum()) or 1.0
    brand = pd.Series(products["brand"].astype("string").fillna("(none)").to_numpy(dtype=object), index=ids.to_numpy())
    category = pd.Series(products["category"].astype(str).to_numpy(), index=ids.to_numpy())
    return {
        "lists": len(lists),
        "k": k,
        "brand_share": (full.groupby(brand).sum() / total).sort_values(ascending=False),
        "category_share": (full.groupby(category).sum() / total).sort_values(ascending=False),
        "gini_items": gini(full.to_numpy()),
        "never_shown_share": float((full == 0).mean()),
        "never_shown": int((full == 0).sum()),
        "top_items": (exp.head(10) / total),
    }
