"""Multi-objective re-ranking: relevance x margin x stock x diversity (MMR), with weights.

Each objective is scaled to [0, 1] within the candidate list; the value of an item is
``w_rel*relevance + w_margin*margin + w_stock*stock`` and items are picked greedily by
``(1 - diversity) * value - diversity * max similarity to the items already picked``
(similarity 1 for the same brand and category, 0.5 for one of the two).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field


class RerankWeights(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    relevance: float = Field(default=1.0, ge=0)
    margin: float = Field(default=0.0, ge=0)
    stock: float = Field(default=0.0, ge=0)
    diversity: float = Field(default=0.0, ge=0, le=1)  # MMR trade-off lambda
    cover_days: float = Field(default=30.0, gt=0)  # stock score saturates at this cover


@dataclass
class ItemFacts:
    """Per-item margin rate, units in stock, sales rate, brand and category (from the shop)."""

    margin: dict[str, float]
    stock: dict[str, float]
    daily_rate: dict[str, float]
    brand: dict[str, str]
    category: dict[str, str]

    @classmethod
    def from_shop(cls, products: pd.DataFrame, events: pd.DataFrame | None = None, window_days: int = 28) -> ItemFacts:
        ids = products["item_id"].astype(str).to_numpy()
        price = products["price"].astype("float64").to_numpy()
        cost = products["cost"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            margin = np.where((price > 0) & ~np.isnan(cost), (price - cost) / price, 0.0)
        stock = products["stock"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        rate: dict[str, float] = {}
        if events is not None and len(events):
            end = events["timestamp"].max()
            buys = events[(events["type"] == "purchase") & (events["timestamp"] > end - pd.Timedelta(days=window_days))]
            rate = (buys.groupby(buys["item_id"].astype(str))["quantity"].sum() / window_days).astype(float).to_dict()
        return cls(
            margin=dict(zip(ids, margin.tolist(), strict=True)),
            stock=dict(zip(ids, np.nan_to_num(stock, nan=1.0).tolist(), strict=True)),
            daily_rate=rate,
            brand=dict(zip(ids, products["brand"].astype("string").fillna("").to_numpy(dtype=object), strict=True)),
            category=dict(zip(ids, products["category"].astype(str).to_numpy(), strict=True)),
        )


def _unit(x: np.ndarray) -> np.ndarray:
    lo, hi = float(np.min(x)), float(np.max(x))
    return np.zeros_like(x) if hi - lo < 1e-12 else (x - lo) / (hi - lo)


def rerank(ranked: Sequence[tuple[str, float]], weights: RerankWeights, facts: ItemFacts,
           k: int | None = None) -> list[tuple[str, float]]:
    """Re-order ``ranked`` (best first) by the weighted objectives; returns (item, value).

    MMR picks the first ``k`` (default: all); the rest follow by value."""
    if not ranked:
        return []
    items = [str(i) for i, _ in ranked]
    rel = _unit(np.array([s for _, s in ranked], dtype=np.float64))
    margin = _unit(np.array([facts.margin.get(i, 0.0) for i in items]))
    stock = np.array([facts.stock.get(i, 1.0) for i in items])
    rate = np.array([facts.daily_rate.get(i, 0.0) for i in items])
    cover = np.where(rate > 0, stock / np.maximum(rate, 1e-9), np.where(stock > 0, weights.cover_days, 0.0))
    stock_score = np.clip(cover / weights.cover_days, 0.0, 1.0)
    value = weights.relevance * rel + weights.margin * margin + weights.stock * stock_score
    k = len(items) if k is None else min(k, len(items))
    lam = weights.diversity
    if lam == 0:
        order = np.argsort(-value, kind="stable")
        return [(items[i], float(value[i])) for i in order]
    _, brand = np.unique([facts.brand.get(i, "") for i in items], return_inverse=True)
    _, cat = np.unique([facts.category.get(i, "") for i in items], return_inverse=True)
    picked: list[int] = []
    sim_max = np.zeros(len(items))
    left = np.ones(len(items), dtype=bool)
    for _ in range(k):
        mmr = np.where(left, (1 - lam) * value - lam * sim_max, -np.inf)
        j = int(np.argmax(mmr))
        picked.append(j)
        left[j] = False
        sim_max = np.maximum(sim_max, 0.5 * (brand == brand[j]) + 0.5 * (cat == cat[j]))
    rest = [i for i in np.argsort(-value, kind="stable") if left[i]]
    return [(items[i], float(value[i])) for i in picked + rest]
