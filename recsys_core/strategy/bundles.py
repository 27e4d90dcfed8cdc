"""Items bought (or carted) together: pair support, confidence P(B | A) with a Wilson 95 %
interval, and lift over B's base rate — from the shop's own baskets.

A lift from a handful of baskets is mostly noise (4 baskets can show a lift of 171), so each pair
also gets a shrunk estimate: P(B | A) under a Beta prior centred on B's base rate with
``prior_strength`` pseudo-baskets, and the lift's 95 % posterior interval. The strength was
chosen on the dev half of Online Retail's item pairs by predicting the next months' co-purchase
rate (``benchmarks/bundle_prior.py``); pairs below ``min_together`` baskets are not reported."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from recsys_core.data.shop import ShopData

BUNDLE_COLUMNS = ["item_a", "item_b", "together", "baskets_a", "confidence", "ci_low", "ci_high", "lift",
                  "base_rate_b", "shrunk_confidence", "shrunk_lift", "lift_ci_low", "lift_ci_high"]
PRIOR_STRENGTH = 100.0  # pseudo-baskets at B's base rate (benchmarks/bundle_prior.py, dev half)
MIN_TOGETHER = 3
MAX_BASKET = 50


def shrunk(together: np.ndarray, baskets_a: np.ndarray, base_b: np.ndarray, strength: float = PRIOR_STRENGTH,
           level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean of P(B | A) under Beta(strength * base_b, strength * (1 - base_b)), and the
    posterior interval at ``level`` (element-wise over arrays)."""
    together, baskets_a, base_b = (np.asarray(v, dtype=np.float64) for v in (together, baskets_a, base_b))
    a = np.maximum(together + strength * base_b, 1e-9)
    b = np.maximum(baskets_a - together + strength * (1 - base_b), 1e-9)
    lo = stats.beta.ppf((1 - level) / 2, a, b)
    hi = stats.beta.ppf((1 + level) / 2, a, b)
    return a / (a + b), lo, hi


def with_shrinkage(pairs: pd.DataFrame, strength: float = PRIOR_STRENGTH) -> pd.DataFrame:
    """``pairs`` with the shrunk confidence and lift (and the lift's 95 % interval) at ``strength``."""
    mean, lo, hi = shrunk(pairs["together"].to_numpy(), pairs["baskets_a"].to_numpy(), pairs["base_rate_b"].to_numpy(),
                          strength)
    base = pairs["base_rate_b"].to_numpy(dtype=np.float64)
    return pairs.assign(shrunk_confidence=mean, shrunk_lift=mean / base, lift_ci_low=lo / base, lift_ci_high=hi / base)


def wilson(successes: float, n: float, level: float = 0.95) -> tuple[float, float]:
    if n <= 0:
        return 0.0, 1.0
    z = stats.norm.ppf(0.5 + level / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def frequently_bought_together(shop: ShopData, *, basket: str = "user", kinds: tuple[str, ...] = ("purchase", "add_to_cart"),
                               min_together: int = MIN_TOGETHER, top: int = 50,
                               prior_strength: float = PRIOR_STRENGTH) -> pd.DataFrame:
    """Pairs of items in the same basket (a session, or a user's whole history with
    ``basket="user"``) at least ``min_together`` times, both directions; best lower bound of the
    shrunk lift first."""
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
            base = singles[y] / n_baskets
            rows.append({"item_a": x, "item_b": y, "together": together, "baskets_a": singles[x], "confidence": conf,
                         "ci_low": lo, "ci_high": hi, "lift": conf / base, "base_rate_b": base})
    out = with_shrinkage(pd.DataFrame(rows, columns=BUNDLE_COLUMNS[:9]), prior_strength)
    return out.sort_values(["lift_ci_low", "together"], ascending=False, ignore_index=True).head(top)


def merge_mirrored(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per unordered pair: the direction with the better lift lower bound, with the
    other direction's confidence as ``mirror_confidence``."""
    if pairs.empty:
        return pairs.assign(mirror_confidence=pd.Series(dtype=float))
    key = [tuple(sorted(p)) for p in zip(pairs["item_a"], pairs["item_b"], strict=True)]
    frame = pairs.assign(_key=key).sort_values(["lift_ci_low", "together"], ascending=False, kind="stable")
    conf = {(a, b): c for a, b, c in zip(frame["item_a"], frame["item_b"], frame["shrunk_confidence"], strict=True)}
    best = frame.drop_duplicates("_key").drop(columns="_key").reset_index(drop=True)
    best["mirror_confidence"] = [conf.get((b, a), np.nan) for a, b in zip(best["item_a"], best["item_b"], strict=True)]
    return best
