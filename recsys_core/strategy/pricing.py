"""Price elasticity per category from the price variation in the logs (log-log, item effects).

For every item and week with sales, log(units) is regressed on log(average price paid) after
removing each item's own mean (item fixed effects), so the slope comes from an item selling at
different prices over time — not from cheap items simply selling more than dear ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_core.data.shop import ShopData
from recsys_core.strategy.glm import Z95

ELASTICITY_COLUMNS = ["category", "status", "elasticity", "ci_low", "ci_high", "p_value", "observations",
                      "items_with_variation", "price_spread", "note"]


def item_week_sales(shop: ShopData) -> pd.DataFrame:
    """Units and average price paid per (item, week) of purchases with a known price."""
    ev = shop.events
    lines = ev[(ev["type"] == "purchase") & ev["unit_price"].notna() & ev["item_id"].notna()]
    lines = lines[lines["unit_price"].astype("float64") > 0]
    qty = lines["quantity"].astype("Float64").fillna(1.0).to_numpy(dtype=np.float64)
    price = lines["unit_price"].astype("float64").to_numpy()
    start = ev["timestamp"].min().floor("D")
    frame = pd.DataFrame({
        "item_id": lines["item_id"].astype(str).to_numpy(),
        "week": ((lines["timestamp"] - start).dt.days // 7).to_numpy(),
        "units": qty, "paid": qty * price,
    })
    out = frame.groupby(["item_id", "week"], as_index=False)[["units", "paid"]].sum()
    out["price"] = out["paid"] / out["units"]
    category = shop.products.set_index(shop.products["item_id"].astype(str))["category"].astype(str)
    out["category"] = out["item_id"].map(category)
    return out


def _elasticity(group: pd.DataFrame, min_spread: float, min_obs: int) -> dict[str, object]:
    logp = np.log(group["price"].to_numpy())
    logq = np.log(group["units"].to_numpy())
    items = group["item_id"].to_numpy()
    x = logp - pd.Series(logp).groupby(items).transform("mean").to_numpy()
    y = logq - pd.Series(logq).groupby(items).transform("mean").to_numpy()
    varying = pd.Series(np.abs(x) > 1e-9).groupby(items).any()
    spread = float(np.std(x)) if len(x) else 0.0
    base = {"observations": len(group), "items_with_variation": int(varying.sum()), "price_spread": spread}
    if spread < min_spread or int((np.abs(x) > 1e-9).sum()) < min_obs:
        return {**base, "status": "not enough variation", "elasticity": np.nan, "ci_low": np.nan,
                "ci_high": np.nan, "p_value": np.nan,
                "note": f"prices paid vary by {spread:.1%} within items (need >= {min_spread:.0%} on >= {min_obs} item-weeks)"}
    from scipy import stats

    slope = float(x @ y / (x @ x))
    dof = len(x) - 1 - len(np.unique(items))
    resid = y - slope * x
    se = float(np.sqrt(resid @ resid / max(dof, 1) / (x @ x)))
    p = float(2 * stats.t.sf(abs(slope) / se, max(dof, 1))) if se > 0 else float("nan")
    note = "elastic: a 1% price cut lifts units by more than 1%" if slope < -1 else (
        "inelastic" if slope < 0 else "units rise with price here: confounded (e.g. bulk pricing) — treat with care")
    return {**base, "status": "estimated", "elasticity": slope, "ci_low": slope - Z95 * se,
            "ci_high": slope + Z95 * se, "p_value": p, "note": note}


def price_elasticity(shop: ShopData, *, min_spread: float = 0.02, min_obs: int = 10) -> pd.DataFrame:
    """Per category: elasticity of weekly units to price with a 95 % CI, or "not enough variation"."""
    sales = item_week_sales(shop)
    rows = [{"category": cat, **_elasticity(group, min_spread, min_obs)} for cat, group in sales.groupby("category")]
    return pd.DataFrame(rows, columns=ELASTICITY_COLUMNS)
