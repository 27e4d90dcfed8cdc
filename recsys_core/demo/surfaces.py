"""The lists the demo shop shows: search results, category pages, recommendation slots.

These play the shop's *logging policy*: what gets an impression (and at which position)
depends on them, and what-if replay later reasons about exactly these lists.
"""

from __future__ import annotations

import math

import numpy as np

from recsys_core.demo.catalog import Catalog

PRICE_STEPS: tuple[int, ...] = (5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 300, 500, 1000)


def price_ceiling(value: float) -> int:
    """The smallest round 'under $N' bound at or above ``value``."""
    for step in PRICE_STEPS:
        if value <= step:
            return step
    return int(math.ceil(value / 1000.0) * 1000)


class Shelves:
    """Builds the ranked lists shown on each surface (positions 0..size-1)."""

    def __init__(self, catalog: Catalog, rng: np.random.Generator, size: int):
        self.catalog = catalog
        self.rng = rng
        self.size = size
        self._log_pop = np.log(catalog.popularity)

    def available(self, items: np.ndarray, day: int) -> np.ndarray:
        """Items listed on ``day``: those created on an earlier day."""
        return items[self.catalog.created_day[items] < day]

    def _top(self, items: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
        order = np.argsort(-score, kind="stable")[:k]
        return items[order]

    def _noisy_pop(self, items: np.ndarray, noise: float) -> np.ndarray:
        out: np.ndarray = self._log_pop[items] + noise * self.rng.gumbel(size=len(items))
        return out

    def search(self, query: str, noun: int, category: int, day: int,
               max_price: float | None) -> np.ndarray:
        """Items of the category ranked by query-word overlap, product type, then popularity."""
        cat = self.catalog
        items = self.available(cat.by_category[category], day)
        if max_price is not None:
            items = items[cat.price[items] <= max_price]
        if len(items) == 0:
            return items
        words = set(query.lower().split())
        overlap = np.fromiter((len(words & cat.tokens[i]) for i in items), dtype=np.float64,
                              count=len(items))
        score = overlap + 3.0 * (cat.noun[items] == noun) + 0.3 * self._noisy_pop(items, 0.8)
        return self._top(items, score, self.size)

    def category_page(self, category: int, day: int) -> np.ndarray:
        items = self.available(self.catalog.by_category[category], day)
        return self._top(items, self._noisy_pop(items, 0.7), self.size)

    def _merge(self, first: np.ndarray, fill: np.ndarray) -> np.ndarray:
        seen: set[int] = set()
        out: list[int] = []
        for i in np.concatenate([first, fill]):
            j = int(i)
            if j not in seen:
                seen.add(j)
                out.append(j)
                if len(out) == self.size:
                    break
        return np.array(out, dtype=np.int64)

    def home(self, recent: list[int], day: int) -> np.ndarray:
        """Home-page recommendations: complements of recent items, then popular items."""
        cat = self.catalog
        comps = [cat.complements[i] for i in recent[-3:]]
        first = self.available(np.concatenate(comps), day) if comps else np.empty(0, np.int64)
        first = first[: self.size // 2]
        every = self.available(np.arange(len(cat)), day)
        fill = self._top(every, self._noisy_pop(every, 0.6), self.size)
        return self._merge(first, fill)

    def product_page(self, item: int, day: int) -> np.ndarray:
        """'Goes well with' slot under a product: its complements, then its category's best."""
        cat = self.catalog
        first = self.available(cat.complements[item], day)
        same = self.available(cat.by_category[int(cat.category[item])], day)
        same = same[same != item]
        fill = self._top(same, self._noisy_pop(same, 0.7), self.size)
        return self._merge(first, fill)
