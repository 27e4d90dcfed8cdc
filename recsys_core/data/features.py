"""Feature tables built at ingest: item popularity/recency windows, price bands, user RFM."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_core.data.shop import ShopData

WINDOWS_DAYS: tuple[int, ...] = (7, 30, 90)
ENGAGEMENT_TYPES: tuple[str, ...] = ("view", "click", "add_to_cart", "purchase")
PRICE_BANDS: tuple[str, ...] = ("budget", "mid", "premium", "luxury")


def item_popularity(shop: ShopData) -> pd.DataFrame:
    """Per item: event counts by type over the last 7/30/90 days and overall, and recency."""
    products = shop.products[["item_id", "created_at"]].copy()
    events = shop.events.dropna(subset=["item_id"])
    out = products[["item_id"]].copy()
    if events.empty:
        for days in WINDOWS_DAYS:
            for kind in ENGAGEMENT_TYPES:
                out[f"{kind}s_{days}d"] = 0
        out["last_event_at"] = pd.NaT
        out["days_since_last_event"] = np.nan
        return out
    now = events["timestamp"].max()
    for days in (*WINDOWS_DAYS, None):
        window = (
            events if days is None else events[events["timestamp"] > now - pd.Timedelta(days=days)]
        )
        counts = (
            window[window["type"].isin(ENGAGEMENT_TYPES)]
            .groupby(["item_id", "type"])
            .size()
            .unstack(fill_value=0)
        )
        suffix = "all" if days is None else f"{days}d"
        for kind in ENGAGEMENT_TYPES:
            col = counts[kind] if kind in counts else pd.Series(dtype="int64")
            out[f"{kind}s_{suffix}"] = out["item_id"].map(col).fillna(0).astype("int64")
    last = events.groupby("item_id")["timestamp"].max()
    out["last_event_at"] = out["item_id"].map(last)
    out["days_since_last_event"] = (now - out["last_event_at"]).dt.total_seconds() / 86400.0
    out["created_at"] = products["created_at"]
    out["age_days"] = (now - out["created_at"]).dt.total_seconds() / 86400.0
    return out


def price_bands(shop: ShopData) -> pd.DataFrame:
    """Per item: price quartile band within its category (budget/mid/premium/luxury)."""
    products = shop.products[["item_id", "category", "price"]].copy()
    price = products["price"].astype("float64")
    pct = price.groupby(products["category"].fillna("")).rank(pct=True, method="average")
    index = np.minimum((pct.fillna(0.5) * len(PRICE_BANDS)).astype(int), len(PRICE_BANDS) - 1)
    products["price_band"] = [PRICE_BANDS[i] for i in index]
    products["price_percentile_in_category"] = pct
    return products


def user_rfm(shop: ShopData) -> pd.DataFrame:
    """Recency (days), frequency (purchase sessions), monetary (net revenue), 1-5 scores."""
    ev = shop.events
    purchases = ev[ev["type"] == "purchase"].dropna(subset=["user_id"])
    users = pd.DataFrame({"user_id": shop.users["user_id"].astype("string")})
    if purchases.empty:
        for col in ("recency_days", "frequency", "monetary"):
            users[col] = np.nan
        for col in ("r_score", "f_score", "m_score"):
            users[col] = pd.array([None] * len(users), dtype="Int64")
        users["rfm_segment"] = "no purchases"
        return users
    now = ev["timestamp"].max()
    revenue = purchases["quantity"].fillna(1).astype("float64") * purchases["unit_price"].fillna(
        0
    ).astype("float64")
    returns = ev[(ev["type"] == "return")].dropna(subset=["user_id"])
    returned = (
        (
            returns["quantity"].fillna(1).astype("float64")
            * returns["unit_price"].fillna(0).astype("float64")
        )
        .groupby(returns["user_id"])
        .sum()
    )
    orders = purchases["session_id"].fillna(purchases["event_id"])
    grouped = pd.DataFrame(
        {
            "user_id": purchases["user_id"],
            "ts": purchases["timestamp"],
            "order": orders,
            "revenue": revenue,
        }
    ).groupby("user_id")
    stats = pd.DataFrame(
        {
            "recency_days": (now - grouped["ts"].max()).dt.total_seconds() / 86400.0,
            "frequency": grouped["order"].nunique(),
            "monetary": grouped["revenue"].sum().sub(returned, fill_value=0),
        }
    )
    users = users.merge(stats, left_on="user_id", right_index=True, how="left")
    buyers = users["frequency"].notna()

    def score(series: pd.Series, ascending: bool) -> pd.Series:
        ranks = series[buyers].rank(pct=True, ascending=ascending, method="average")
        scores = np.ceil(ranks * 5).clip(1, 5).astype("int64")
        return (
            pd.Series(pd.array([None] * len(series), dtype="Int64"), index=series.index)
            .where(~buyers, scores.reindex(series.index))
            .astype("Int64")
        )

    users["r_score"] = score(users["recency_days"], ascending=False)
    users["f_score"] = score(users["frequency"], ascending=True)
    users["m_score"] = score(users["monetary"], ascending=True)
    users["rfm_segment"] = [
        _rfm_label(r, f, m)
        for r, f, m in zip(users["r_score"], users["f_score"], users["m_score"], strict=True)
    ]
    return users


def _rfm_label(r: object, f: object, m: object) -> str:
    if r is pd.NA or r is None:
        return "no purchases"
    r, f, m = int(r), int(f), int(m)  # type: ignore[call-overload]
    if r >= 4 and f >= 4:
        return "champions"
    if f >= 4:
        return "loyal" if r >= 3 else "at risk"
    if r >= 4:
        return "new or promising"
    if r <= 2 and f <= 2:
        return "hibernating" if m <= 2 else "lapsed big spenders"
    return "needs attention"


def build_features(shop: ShopData) -> dict[str, pd.DataFrame]:
    return {
        "item_popularity": item_popularity(shop),
        "price_bands": price_bands(shop),
        "user_rfm": user_rfm(shop),
    }
