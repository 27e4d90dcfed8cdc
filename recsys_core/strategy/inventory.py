"""Stock signals per item: days of cover, stock-out risk, slow movers, margin headroom."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from recsys_core.data.shop import ShopData

INVENTORY_COLUMNS = ["item_id", "category", "brand", "price", "cost", "stock", "stock_value", "units_recent",
                     "views_recent", "daily_rate", "days_of_cover", "stockout_risk", "margin", "margin_headroom",
                     "slow_mover"]


def inventory_signals(shop: ShopData, *, window_days: int = 28, lead_time_days: int = 14,
                      min_margin: float = 0.15, slow_cover_days: float = 120.0) -> pd.DataFrame:
    """Per item, from the last ``window_days`` of purchases:

    - ``daily_rate``: units sold per day; ``days_of_cover`` = stock / rate (inf when none sold);
    - ``stockout_risk``: P(Poisson demand over ``lead_time_days`` > stock);
    - ``margin`` = (price - cost) / price; ``margin_headroom`` = margin - ``min_margin``, the
      largest discount (as a share of price) that keeps the minimum margin;
    - ``slow_mover``: in stock, and either nothing sold or cover beyond ``slow_cover_days``.
    """
    ev = shop.events
    end = ev["timestamp"].max()
    recent = ev[(ev["type"] == "purchase") & (ev["timestamp"] > end - pd.Timedelta(days=window_days))]
    units = recent.groupby(recent["item_id"].astype(str))["quantity"].sum()
    seen = ev[(ev["type"] == "view") & (ev["timestamp"] > end - pd.Timedelta(days=window_days))]
    views = seen.groupby(seen["item_id"].astype(str)).size()
    p = shop.products
    out = pd.DataFrame({
        "item_id": p["item_id"].astype(str).to_numpy(),
        "category": p["category"].astype(str).to_numpy(),
        "brand": p["brand"].astype("string").fillna("").to_numpy(dtype=object),
        "price": p["price"].astype("float64").to_numpy(),
        "cost": p["cost"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan),
        "stock": p["stock"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan),
    })
    out["stock_value"] = out["stock"] * out["cost"].fillna(out["price"])
    out["units_recent"] = out["item_id"].map(units).fillna(0).astype(np.float64)
    out["views_recent"] = out["item_id"].map(views).fillna(0).astype(np.float64)
    out["daily_rate"] = out["units_recent"] / float(window_days)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["days_of_cover"] = np.where(out["daily_rate"] > 0, out["stock"] / out["daily_rate"], np.inf)
        out["margin"] = np.where(out["price"] > 0, (out["price"] - out["cost"]) / out["price"], np.nan)
    lam = out["daily_rate"].to_numpy() * lead_time_days
    stock = out["stock"].to_numpy()
    risk = np.where(np.isnan(stock), np.nan, stats.poisson.sf(np.nan_to_num(stock), lam))
    out["stockout_risk"] = np.where(stock <= 0, 1.0, risk)
    out["margin_headroom"] = out["margin"] - min_margin
    out["slow_mover"] = (out["stock"] > 0) & ((out["units_recent"] == 0) | (out["days_of_cover"] > slow_cover_days))
    return out[INVENTORY_COLUMNS]


SLOW_MOVER_MIN_HEADROOM = 0.10  # room for at least a 10 % discount above the minimum margin
SLOW_MOVER_BOOST = 1.3  # the visibility boost suggested for slow movers


def slow_movers(inventory: pd.DataFrame) -> pd.DataFrame:
    """Slow movers worth pushing: slow, with margin headroom for a discount, and still viewed."""
    keep = (inventory["slow_mover"] & (inventory["margin_headroom"] >= SLOW_MOVER_MIN_HEADROOM)
            & (inventory["views_recent"] > 0))
    return inventory[keep]
