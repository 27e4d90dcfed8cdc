"""Items bought (or carted) together: pair support, confidence P(B | A) with a Wilson 95 %
interval, and lift over B's base rate — from the shop's own baskets."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from recsys_core.data.shop import ShopData

BUNDLE_COLUMNS = ["item_a", "item_b", "together", "baskets_a", "confidence", "ci_low", "ci_high", "lift"]


def wilson(successes: float, n: float, level: float = 0.95) -> tuple[float, float]:
    if n <= 0:
        return 0.0, 1.0
    z = stats.norm.ppf(0.5 + level / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def frequently_bought_together(shop: ShopData, *, basket: str = "user", kinds: tuple[str, ...] = ("purchase", "add_to_cart"),
                               min_together: int = 3, top: int = 50) -> pd.DataFrame:
    """Pairs of items in the same basket (a session, or a user's whole history with
    ``basket="user"``) at least ``min_together`` times; best lift first."""
    ev = shop.events
    ev = ev[ev["type"].isin(list(kinds)) & ev["item_id"].notna()]
    key = ev["user_id"] if basket == "user" else ev["session_id"]
    frame = pd.DataFrame({"basket": key.astype("string").to_numpy(), "item": ev["item_id"].astype(str).to_numpy()}).dropna()
    groups = frame.drop_duplicates().groupby("basket")["item"].apply(lambda s: sorted(set(s)))
    n_baskets = len(groups)
    singles: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for items in groups:
        singles.update(items)
        if 1 < len(items) <= 50:
            pairs.update(combinations(items, 2))
    rows = []
    for (a, b), together in pairs.items():
        if together < min_together:
            continue
        for x, y in ((a, b), (b, a)):
            conf = together / singles[x]
            lo, hi = wilson(together, singles[x])
            rows.append({"item_a": x, "item_b": y, "together": together, "baskets_a": singles[x], "confidence": conf,
                         "ci_low": lo, "ci_high": hi, "lift": conf / (singles[y] / n_baskets)})
    out = pd.DataFrame(rows, columns=BUNDLE_COLUMNS)
    return out.sort_values(["lift", "together"], ascending=False, ignore_index=True).head(top)
