"""The injected market story: category trends, one promotion, stock-outs, weekly rhythm.

Everything here is ground truth that the generated events follow and that later analytics
should find again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys_core.demo.catalog import Catalog
from recsys_core.demo.vocab import CATEGORIES

WEEKEND_UPLIFT = 1.35  # session rate on Saturday and Sunday relative to weekdays
PROMO_DEMAND = 2.5  # how much more often the promoted category is the session's intent
PROMO_CART_BOOST = 1.5
STOCKOUT_SHARE = 0.02
# share of sessions starting in each hour of the day (UTC): quiet nights, evening peak
HOUR_WEIGHTS = np.array(
    [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 3.5, 3.5, 3.5, 4, 3.5, 3.5, 3.5, 4, 4.5, 5.5, 6.5, 6.5, 5, 3.5, 2],
    dtype=np.float64,
)


@dataclass(frozen=True)
class Trend:
    category: str
    direction: str  # "up" or "down"
    weekly_growth: float  # multiplicative change of the category's demand per week


@dataclass(frozen=True)
class Promotion:
    category: str
    start_day: int
    end_day: int  # exclusive
    discount: float  # fraction off the list price


@dataclass
class Scenario:
    start: pd.Timestamp
    n_days: int
    trends: list[Trend]
    promotion: Promotion
    stockout_day: np.ndarray  # per item; n_days (never) unless it sells out in the window
    day_weight: np.ndarray  # session-rate weight per day (weekly seasonality)
    category_multiplier: np.ndarray  # (n_days, n_categories) demand multipliers

    def promo_active(self, day: int, category: int) -> bool:
        p = self.promotion
        return CATEGORIES[category].name == p.category and p.start_day <= day < p.end_day

    def day_timestamp(self, day: int) -> pd.Timestamp:
        return self.start + pd.Timedelta(days=day)


def build_scenario(rng: np.random.Generator, catalog: Catalog, n_days: int,
                   start: pd.Timestamp) -> Scenario:
    n_cat = len(CATEGORIES)
    order = [int(i) for i in rng.permutation(n_cat)]
    up, down, promo_cat = order[:3], order[3:5], order[5]
    trends = [Trend(CATEGORIES[c].name, "up", round(float(rng.uniform(1.07, 1.11)), 3)) for c in up]
    trends += [Trend(CATEGORIES[c].name, "down", round(float(rng.uniform(0.89, 0.93)), 3)) for c in down]
    days = np.arange(n_days, dtype=np.float64)
    multiplier = np.ones((n_days, n_cat))
    index = {c.name: i for i, c in enumerate(CATEGORIES)}
    for t in trends:
        multiplier[:, index[t.category]] = t.weekly_growth ** ((days - (n_days - 1) / 2) / 7.0)
    length = max(1, min(7, n_days // 4))
    lo, hi = int(n_days * 0.5), max(int(n_days * 0.5) + 1, int(n_days * 0.75) - length)
    promo_start = int(rng.integers(lo, hi))
    promotion = Promotion(
        category=CATEGORIES[promo_cat].name,
        start_day=promo_start,
        end_day=promo_start + length,
        discount=float(rng.choice([0.15, 0.2, 0.25])),
    )
    multiplier[promotion.start_day:promotion.end_day, promo_cat] *= PROMO_DEMAND
    weekday = np.array([(start + pd.Timedelta(days=int(d))).dayofweek for d in range(n_days)])
    day_weight = np.where(weekday >= 5, WEEKEND_UPLIFT, 1.0)
    # stock-outs hit popular items that exist for the whole window
    n = len(catalog)
    eligible = np.flatnonzero(catalog.created_day < 0)
    by_pop = eligible[np.argsort(-catalog.popularity[eligible], kind="stable")]
    pool = by_pop[: max(1, len(by_pop) // 3)]
    n_out = max(3, int(round(STOCKOUT_SHARE * n)))
    chosen = np.sort(rng.choice(pool, size=min(n_out, len(pool)), replace=False))
    stockout_day = np.full(n, n_days, dtype=np.int64)
    stockout_day[chosen] = rng.integers(int(n_days * 0.2), max(int(n_days * 0.2) + 1, int(n_days * 0.9)),
                                        size=len(chosen))
    return Scenario(
        start=start,
        n_days=n_days,
        trends=trends,
        promotion=promotion,
        stockout_day=stockout_day,
        day_weight=day_weight.astype(np.float64),
        category_multiplier=multiplier,
    )
