"""Position-based click model (PBM) estimated by EM from logged impressions and clicks.

P(click | item i at position p) = examination(p) * attractiveness(i). Items appear at several
positions across lists, which separates the two; examination is reported relative to the top
position. Purchase-after-click rates are shrunk towards the item's category rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_core.data.shop import ShopData
from recsys_core.errors import NotFittedError
from recsys_core.strategy.errors import InsufficientDataError


def logged_lists(events: pd.DataFrame) -> pd.DataFrame:
    """Impressions with a ``clicked`` flag: a click on the same item, position and surface in
    the same session. Columns: session_id, user_id, surface, query, position, item_id, timestamp,
    clicked."""
    imp = events[(events["type"] == "impression") & events["position"].notna() & events["item_id"].notna()]
    clk = events[(events["type"] == "click") & events["item_id"].notna()]
    key = ["session_id", "surface", "position", "item_id"]
    frame = pd.DataFrame({c: imp[c].astype(str).to_numpy() if c not in ("position", "timestamp") else imp[c].to_numpy()
                          for c in ["session_id", "user_id", "surface", "query", "position", "item_id", "timestamp"]})
    frame["position"] = frame["position"].astype(np.int64)
    frame["surface"] = frame["surface"].replace({"<NA>": "", "None": ""})
    frame["query"] = imp["query"].astype("string").fillna("").to_numpy(dtype=object)
    frame["user_id"] = imp["user_id"].astype("string").fillna("").to_numpy(dtype=object)
    clicks = pd.DataFrame({"session_id": clk["session_id"].astype(str).to_numpy(),
                           "surface": clk["surface"].astype(str).replace({"<NA>": ""}).to_numpy(),
                           "position": clk["position"].astype("Float64").fillna(-1).astype(np.int64).to_numpy(),
                           "item_id": clk["item_id"].astype(str).to_numpy()}).drop_duplicates(key)
    clicks["clicked"] = 1
    frame = frame.merge(clicks, on=key, how="left")
    frame["clicked"] = frame["clicked"].fillna(0).astype(np.int8)
    return frame


def _pbm_em(item_idx: np.ndarray, pos: np.ndarray, c: np.ndarray, n_items: int, n_iter: int,
            prior: float) -> tuple[np.ndarray, np.ndarray]:
    n_pos = int(pos.max()) + 1
    theta = np.linspace(0.9, 0.3, n_pos)
    alpha = np.full(n_items, min(0.9, 2 * float(c.mean())))
    n_item = np.bincount(item_idx, minlength=n_items).astype(np.float64)
    n_at = np.bincount(pos, minlength=n_pos).astype(np.float64)
    for _ in range(n_iter):
        t, a = theta[pos], alpha[item_idx]
        denom = np.maximum(1.0 - t * a, 1e-12)
        e_exam = c + (1 - c) * t * (1 - a) / denom
        e_attr = c + (1 - c) * (1 - t) * a / denom
        theta = np.clip(np.bincount(pos, e_exam, n_pos) / np.maximum(n_at, 1), 1e-4, 1.0)
        alpha = np.clip((np.bincount(item_idx, e_attr, n_items) + prior * float(e_attr.mean()))
                        / (n_item + prior), 1e-5, 1.0)
    return theta, alpha


class PositionBiasModel:
    """PBM by EM, one examination curve per surface (layouts differ) and attractiveness per
    (item, surface); ``prior`` pseudo-impressions shrink rarely shown items to the mean."""

    def __init__(self, *, max_position: int = 20, n_iter: int = 100, prior: float = 10.0,
                 min_clicks: int = 20):
        self.max_position = max_position
        self.n_iter = n_iter
        self.prior = prior
        self.min_clicks = min_clicks

    def fit(self, lists: pd.DataFrame) -> PositionBiasModel:
        lists = lists[lists["position"] < self.max_position]
        if lists["clicked"].sum() < self.min_clicks or lists["position"].nunique() < 2:
            raise InsufficientDataError(
                f"{int(lists['clicked'].sum())} clicks over {lists['position'].nunique()} positions; the "
                f"position-bias model needs >= {self.min_clicks} clicked impressions at >= 2 positions")
        self.examination_: dict[str, np.ndarray] = {}
        attractiveness = []
        for surface, part in lists.groupby("surface"):
            if part["clicked"].sum() < self.min_clicks or part["position"].nunique() < 2:
                continue
            items, idx = np.unique(part["item_id"].to_numpy(dtype=str), return_inverse=True)
            theta, alpha = _pbm_em(idx, part["position"].to_numpy(dtype=np.int64),
                                   part["clicked"].to_numpy(dtype=np.float64), len(items), self.n_iter, self.prior)
            self.examination_[str(surface)] = theta / theta[0]
            attractiveness.append(pd.Series(alpha * theta[0], index=[f"{surface}|{i}" for i in items]))
        if not attractiveness:
            raise InsufficientDataError(
                f"{int(lists['clicked'].sum())} clicks, but no surface has >= {self.min_clicks} clicked "
                "impressions at >= 2 positions; the position-bias model is fitted per surface")
        self.attractiveness_ = pd.concat(attractiveness)
        self.default_attractiveness_ = float(self.attractiveness_.median())
        pooled = np.vstack([np.pad(v, (0, self.max_position - len(v)), mode="edge") for v in self.examination_.values()])
        self.pooled_examination_ = pooled.mean(axis=0)
        self.n_impressions_ = len(lists)
        return self

    def _check(self) -> None:
        if not hasattr(self, "examination_"):
            raise NotFittedError(self)

    def examination(self, positions: np.ndarray, surface: str | None = None) -> np.ndarray:
        """Relative examination of 0-based positions on ``surface`` (beyond the fitted ones:
        the last value; unknown surface: the mean curve)."""
        self._check()
        curve = self.examination_.get(surface or "", self.pooled_examination_)
        p = np.minimum(np.asarray(positions, dtype=np.int64), len(curve) - 1)
        out: np.ndarray = curve[p]
        return out

    def attractiveness(self, items: list[str], surface: str) -> np.ndarray:
        self._check()
        keys = [f"{surface}|{i}" for i in items]
        out: np.ndarray = self.attractiveness_.reindex(keys).fillna(self.default_attractiveness_).to_numpy()
        return out

    def click_probability(self, items: list[str], positions: np.ndarray, surface: str) -> np.ndarray:
        out: np.ndarray = self.attractiveness(items, surface) * self.examination(positions, surface)
        return out


def purchase_rates(shop: ShopData, events: pd.DataFrame, *, prior: float = 20.0,
                   paid_prices: bool = False) -> pd.DataFrame:
    """Per item: P(purchase | click) shrunk to its category, mean units, price and unit margin.

    ``price`` is the list price, or with ``paid_prices`` the mean unit price the item's purchases
    in ``events`` were paid (list price for items not bought), so a sale's discount shows."""
    p = shop.products
    ids = p["item_id"].astype(str)
    category = pd.Series(p["category"].astype(str).to_numpy(), index=ids.to_numpy())
    clicks = events[events["type"] == "click"].groupby(events["item_id"].astype(str)).size()
    buys = events[events["type"] == "purchase"]
    bought = buys.groupby(buys["item_id"].astype(str)).size()
    units = buys.groupby(buys["item_id"].astype(str))["quantity"].mean()
    out = pd.DataFrame(index=ids.to_numpy())
    out["category"] = category
    out["clicks"] = clicks.reindex(out.index).fillna(0.0)
    out["purchases"] = bought.reindex(out.index).fillna(0.0)
    cat_rate = out.groupby("category")[["purchases", "clicks"]].sum()
    overall = float(out["purchases"].sum() / max(out["clicks"].sum(), 1.0))
    base = (cat_rate["purchases"] / cat_rate["clicks"].replace(0, np.nan)).fillna(overall)
    out["buy_rate"] = (out["purchases"] + prior * out["category"].map(base)) / (out["clicks"] + prior)
    cat_units = buys.assign(category=buys["item_id"].astype(str).map(category)).groupby("category")["quantity"].mean()
    out["units"] = units.reindex(out.index).astype("float64")
    out["units"] = out["units"].fillna(out["category"].map(cat_units).astype("float64")).fillna(1.0)
    out["price"] = p["price"].astype("float64").to_numpy()
    if paid_prices and "unit_price" in buys:
        paid = buys["unit_price"].astype("Float64").groupby(buys["item_id"].astype(str)).mean()
        paid = paid.astype("float64").reindex(out.index)
        out["price"] = paid.where(paid.notna(), out["price"])
    cost = p["cost"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    out["unit_margin"] = np.where(np.isnan(cost), np.nan, out["price"].to_numpy() - cost)
    return out
