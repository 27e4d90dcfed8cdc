"""Demo customers: six latent taste segments (categories, brand tiers) and per-user tastes.

The segment is never written to the users table; it is ground truth that later analytics
(segmentation, personas) should recover.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys_core.demo.catalog import N_BRANDS
from recsys_core.demo.vocab import CATEGORIES, REGIONS, TIERS


@dataclass(frozen=True)
class Segment:
    name: str
    description: str
    share: float
    categories: dict[str, float]  # preferred categories and their weights
    tiers: tuple[float, float, float]  # preference for budget / mid / premium brands


SEGMENTS: tuple[Segment, ...] = (
    Segment("outdoor adventurers", "hikers and campers buying mid-to-premium outdoor and sports gear",
            0.17, {"outdoor": 5.0, "sports": 3.0, "garden": 1.0}, (0.15, 0.45, 0.4)),
    Segment("tech enthusiasts", "early adopters buying premium electronics and office gear",
            0.17, {"electronics": 6.0, "office": 2.5, "books": 1.0}, (0.1, 0.35, 0.55)),
    Segment("home makers", "home cooks and gardeners buying mid-priced kitchen, garden and grocery items",
            0.18, {"home and kitchen": 5.0, "garden": 2.5, "grocery": 2.0}, (0.25, 0.55, 0.2)),
    Segment("style and beauty lovers", "trend-aware shoppers buying premium beauty and fashion",
            0.16, {"beauty": 5.0, "fashion": 4.0}, (0.15, 0.35, 0.5)),
    Segment("young families", "parents buying budget toys, books and everyday groceries",
            0.17, {"toys": 5.0, "books": 2.5, "grocery": 2.0}, (0.55, 0.35, 0.1)),
    Segment("pet owners on a budget", "value seekers buying budget pet supplies and groceries",
            0.15, {"pet": 6.0, "grocery": 2.0, "home and kitchen": 1.0}, (0.6, 0.3, 0.1)),
)
AGE_BANDS: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-54", "55+")
BASE_CATEGORY_WEIGHT = 0.25  # every user glances at categories outside their segment
FAVOURITE_BRAND_BOOST = 5.0


@dataclass
class Population:
    """Users table plus the latent taste arrays the simulator reads (row u = ``user_ids[u]``)."""

    users: pd.DataFrame
    user_ids: list[str]
    segment: np.ndarray  # int index into SEGMENTS
    category_pref: np.ndarray  # (n_users, n_categories), rows sum to 1
    brand_boost: np.ndarray  # (n_users, n_categories * N_BRANDS)
    tier_fit: np.ndarray  # (n_users, 3)
    activity: np.ndarray  # relative session rate
    signup_day: np.ndarray  # day offset from the window start (negative = before)


def build_population(rng: np.random.Generator, n_users: int, n_days: int,
                     start: pd.Timestamp) -> Population:
    """Draw ``n_users`` users; ids are ``U00001``..."""
    n_cat = len(CATEGORIES)
    cat_index = {c.name: i for i, c in enumerate(CATEGORIES)}
    shares = np.array([s.share for s in SEGMENTS])
    segment = rng.choice(len(SEGMENTS), size=n_users, p=shares / shares.sum())
    category_pref = np.zeros((n_users, n_cat))
    brand_boost = np.ones((n_users, n_cat * N_BRANDS))
    tier_fit = np.zeros((n_users, len(TIERS)))
    for u in range(n_users):
        seg = SEGMENTS[int(segment[u])]
        base = np.full(n_cat, BASE_CATEGORY_WEIGHT)
        for name, weight in seg.categories.items():
            base[cat_index[name]] = weight
        pref = base * rng.gamma(2.0, 0.5, size=n_cat)
        category_pref[u] = pref / pref.sum()
        tiers = np.array(seg.tiers) * rng.gamma(4.0, 0.25, size=3)
        tier_fit[u] = tiers / tiers.max()
        # one or two favourite brands in each of the user's three top categories
        for ci in np.argsort(-category_pref[u], kind="stable")[:3]:
            brands = CATEGORIES[int(ci)].brands
            p = np.array([seg.tiers[TIERS.index(t)] for _, t in brands])
            picks = rng.choice(N_BRANDS, size=1 + int(rng.random() < 0.5), replace=False, p=p / p.sum())
            brand_boost[u, int(ci) * N_BRANDS + picks] = FAVOURITE_BRAND_BOOST
    activity = np.exp(rng.normal(0.0, 0.7, size=n_users))
    signup = rng.integers(-720, 0, size=n_users)
    late = rng.random(n_users) < 0.2
    signup[late] = rng.integers(0, max(1, n_days - 10), size=int(late.sum()))
    signup_at = start + pd.to_timedelta(signup * 86400 + rng.integers(0, 86400, size=n_users), unit="s")
    region_p = np.array([w for _, w in REGIONS])
    regions = rng.choice(len(REGIONS), size=n_users, p=region_p / region_p.sum())
    user_ids = [f"U{u + 1:05d}" for u in range(n_users)]
    attributes = [
        json.dumps({
            "age_band": AGE_BANDS[int(rng.integers(len(AGE_BANDS)))],
            "loyalty_member": bool(rng.random() < 0.35),
            "newsletter": bool(rng.random() < 0.5),
        }, sort_keys=True)
        for _ in range(n_users)
    ]
    users = pd.DataFrame({
        "user_id": user_ids,
        "signup_at": signup_at,
        "region": [REGIONS[int(r)][0] for r in regions],
        "attributes": attributes,
    })
    return Population(
        users=users,
        user_ids=user_ids,
        segment=segment.astype(np.int64),
        category_pref=category_pref,
        brand_boost=brand_boost,
        tier_fit=tier_fit,
        activity=activity,
        signup_day=signup.astype(np.int64),
    )
