"""Daily and weekly series of a measure (views, sales, revenue...) per item, category or brand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_core.data.shop import ShopData
from recsys_core.strategy.errors import InsufficientDataError, StrategyError

# measure -> (event type, value): count of events, or a column of them
MEASURES: dict[str, tuple[str, str]] = {
    "views": ("view", "count"),
    "clicks": ("click", "count"),
    "carts": ("add_to_cart", "count"),
    "orders": ("purchase", "count"),
    "sales": ("purchase", "quantity"),
    "revenue": ("purchase", "revenue"),
    "impressions": ("impression", "count"),
}
LEVELS: tuple[str, ...] = ("item", "category", "brand", "shop")


def _check(level: str, measure: str) -> None:
    if measure not in MEASURES:
        raise StrategyError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}")
    if level not in LEVELS:
        raise StrategyError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")


def measure_values(shop: ShopData, measure: str) -> pd.DataFrame:
    """Rows (timestamp, item_id, value) of the events behind ``measure``."""
    _check("shop", measure)
    kind, value = MEASURES[measure]
    ev = shop.events
    ev = ev[(ev["type"] == kind) & ev["item_id"].notna()]
    if value == "count":
        vals = np.ones(len(ev))
    else:
        qty = ev["quantity"].astype("Float64").fillna(1.0).to_numpy(dtype=np.float64)
        vals = qty if value == "quantity" else qty * ev["unit_price"].astype("Float64").fillna(0.0).to_numpy(dtype=np.float64)
    return pd.DataFrame({"timestamp": ev["timestamp"].to_numpy(), "item_id": ev["item_id"].astype(str).to_numpy(), "value": vals})


def key_of_items(shop: ShopData, level: str) -> pd.Series:
    """item_id -> the key the item is counted under at ``level``."""
    products = shop.products
    ids = products["item_id"].astype(str)
    if level == "item":
        return pd.Series(ids.to_numpy(), index=ids.to_numpy())
    if level == "shop":
        return pd.Series("all", index=ids.to_numpy())
    col = products[level].astype("string").fillna(f"(no {level})")
    return pd.Series(col.to_numpy(dtype=object), index=ids.to_numpy())


def day_range(shop: ShopData) -> pd.DatetimeIndex:
    """Every UTC day from the first to the last event of the shop."""
    ts = shop.events["timestamp"]
    if ts.empty:
        raise InsufficientDataError("the shop has no events; ingest events before analysing trends")
    return pd.date_range(ts.min().floor("D"), ts.max().floor("D"), freq="D")


def daily_series(shop: ShopData, *, level: str = "category", measure: str = "views") -> pd.DataFrame:
    """Days x keys table of ``measure`` (zeros on days without events)."""
    _check(level, measure)
    days = day_range(shop)
    rows = measure_values(shop, measure)
    keys = key_of_items(shop, level)
    rows["key"] = rows["item_id"].map(keys)
    rows = rows.dropna(subset=["key"])
    rows["day"] = pd.DatetimeIndex(rows["timestamp"]).floor("D")
    table = rows.groupby(["day", "key"])["value"].sum().unstack(fill_value=0.0)
    table = table.reindex(days, fill_value=0.0)
    table.index.name = "day"
    table.columns.name = level
    return table.astype(np.float64)


def weekly_bins(daily: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """7-day bins anchored at the first day; returns (sums, days per bin) — the last may be short."""
    week = np.arange(len(daily)) // 7
    sums = daily.groupby(week).sum()
    sums.index = daily.index[::7][: len(sums)]
    sums.index.name = "week_start"
    days = np.bincount(week).astype(np.float64)
    return sums, days
