"""Customer segments: latent taste segments from users' per-session category interest (a
mixture of multinomials, k by ICL), named and described from their own figures; user profiles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys_core.data.features import price_bands, user_rfm
from recsys_core.data.shop import ShopData
from recsys_core.errors import NotFittedError, UnknownIdError
from recsys_core.strategy.errors import InsufficientDataError, StrategyError

EVENT_WEIGHTS: dict[str, float] = {"view": 1.0, "add_to_cart": 2.0, "purchase": 3.0}


def user_interactions(shop: ShopData) -> pd.DataFrame:
    """Weighted (user, item) interactions with the item's category, brand and price band."""
    ev = shop.events
    ev = ev[ev["type"].isin(list(EVENT_WEIGHTS)) & ev["user_id"].notna() & ev["item_id"].notna()]
    bands = price_bands(shop).set_index(shop.products["item_id"].astype(str).to_numpy())
    items = ev["item_id"].astype(str)
    return pd.DataFrame({
        "user_id": ev["user_id"].astype(str).to_numpy(),
        "item_id": items.to_numpy(),
        "weight": ev["type"].astype(str).map(EVENT_WEIGHTS).to_numpy(dtype=np.float64),
        "category": items.map(bands["category"].astype(str)).to_numpy(),
        "brand": items.map(shop.products.set_index(shop.products["item_id"].astype(str))["brand"].astype(str)).to_numpy(),
        "price_band": items.map(bands["price_band"]).to_numpy(),
    })


def category_draws(shop: ShopData) -> pd.DataFrame:
    """Users x categories: in how many sessions each user showed interest in each category.

    A session counts once per category it touched, through views, carts, purchases or the
    lists it asked for (search results, category pages): events within one session are one
    decision, not independent votes.
    """
    ev = shop.events
    engaged = ev["type"].isin(list(EVENT_WEIGHTS))
    asked = (ev["type"] == "impression") & ev["surface"].isin(["search", "category_page"])
    ev = ev[(engaged | asked) & ev["user_id"].notna() & ev["item_id"].notna()]
    category = shop.products.set_index(shop.products["item_id"].astype(str))["category"].astype(str)
    frame = pd.DataFrame({"user_id": ev["user_id"].astype(str).to_numpy(),
                          "session": ev["session_id"].astype(str).fillna("").to_numpy(),
                          "category": ev["item_id"].astype(str).map(category).to_numpy()})
    frame = frame.dropna(subset=["category"]).drop_duplicates(["session", "category"])
    return frame.groupby(["user_id", "category"]).size().unstack(fill_value=0).astype(np.float64)


def multinomial_mixture(counts: np.ndarray, k: int, *, seed: int, alpha: float = 0.1,
                        max_iter: int = 300, tol: float = 1e-6) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """EM for a mixture of multinomials: (log-likelihood, responsibilities, theta, weights)."""
    from scipy.special import logsumexp

    rng = np.random.default_rng(seed)
    resp = rng.dirichlet(np.ones(k), size=len(counts))
    ll = np.zeros(len(counts))
    for _ in range(max_iter):
        weights = resp.mean(axis=0) + 1e-12
        theta = resp.T @ counts + alpha
        theta /= theta.sum(axis=1, keepdims=True)
        logp = counts @ np.log(theta).T + np.log(weights)
        ll = logsumexp(logp, axis=1)
        new = np.exp(logp - ll[:, None])
        done = float(np.abs(new - resp).max()) < tol
        resp = new
        if done:
            break
    return float(ll.sum()), resp, theta, weights


@dataclass(frozen=True)
class Segment:
    segment_id: int
    name: str
    description: str
    users: int
    top_categories: dict[str, float]  # category -> share of the segment's interactions
    price_band: str
    mean_orders: float
    median_revenue: float


class SegmentModel:
    """Latent taste segments: a mixture of multinomials over each user's per-session category
    interest, k chosen by ICL (BIC + assignment entropy; ``k=None``) — sparse histories (a handful of sessions per user)
    are pooled through the segment's category profile instead of compared as noisy shares."""

    def __init__(self, *, k: int | None = None, k_range: tuple[int, int] = (2, 10), n_init: int = 5,
                 alpha: float = 0.1, min_sessions: int = 1, min_gain: float = 0.01, seed: int = 0):
        self.k = k
        self.k_range = k_range
        self.n_init = n_init
        self.alpha = alpha
        self.min_sessions = min_sessions
        self.min_gain = min_gain
        self.seed = seed

    def fit(self, shop: ShopData) -> SegmentModel:
        counts = category_draws(shop)
        counts = counts[counts.sum(axis=1) >= self.min_sessions]
        lo, hi = (self.k, self.k) if self.k else self.k_range
        if lo < 1 or hi < lo:
            raise StrategyError(f"invalid k range {self.k_range!r}; use 1 <= low <= high")
        if len(counts) < 10 * hi:
            raise InsufficientDataError(
                f"only {len(counts)} users with >= {self.min_sessions} sessions; segmentation into up to "
                f"{hi} segments needs at least {10 * hi}")
        n = counts.to_numpy()
        icl: dict[int, float] = {}
        fits = {}
        for k in range(lo, hi + 1):
            best = max((multinomial_mixture(n, k, seed=self.seed + r, alpha=self.alpha) for r in range(self.n_init)),
                       key=lambda f: f[0])
            n_params = k * (n.shape[1] - 1) + (k - 1)
            entropy = -float(np.sum(best[1] * np.log(best[1] + 1e-300)))
            icl[k] = -2.0 * best[0] + n_params * np.log(len(n)) + 2.0 * entropy
            fits[k] = best
        self.icl_ = icl
        self.k_ = self._choose_k(icl)
        _, resp, theta, weights = fits[self.k_]
        order = np.argsort(-weights, kind="stable")  # segment 0 = the largest
        self.theta_ = pd.DataFrame(theta[order], columns=list(counts.columns))
        self.weights_ = weights[order]
        self.posterior_ = pd.DataFrame(resp[:, order], index=counts.index)
        self.labels_ = pd.Series(np.argmax(resp[:, order], axis=1), index=counts.index, name="segment")
        self.evidence_ = counts.sum(axis=1)
        self.segments_ = self._describe(shop, user_interactions(shop), self.labels_)
        return self

    def _choose_k(self, icl: dict[int, float]) -> int:
        # Tastes vary inside a segment, so the likelihood keeps improving with more segments;
        # stop at the first k where one more segment gains less than ``min_gain`` of ICL.
        ks = sorted(icl)
        for a, b in zip(ks, ks[1:], strict=False):
            if (icl[a] - icl[b]) / abs(icl[a]) < self.min_gain:
                return a
        return ks[-1]

    def _describe(self, shop: ShopData, inter: pd.DataFrame, labels: pd.Series) -> list[Segment]:
        rfm = user_rfm(shop).set_index("user_id")
        overall = inter.groupby("category")["weight"].sum()
        overall = overall / overall.sum()
        seg_of = inter["user_id"].map(labels)
        buyers = rfm["frequency"].notna()
        mean_f = float(rfm["frequency"].fillna(0).mean())
        basket = (rfm["monetary"] / rfm["frequency"]).where(buyers)
        med_basket = float(basket.median()) if buyers.any() else 0.0
        out = []
        for sid in sorted(labels.unique()):
            part = inter[seg_of == sid]
            share = part.groupby("category")["weight"].sum()
            share = (share / share.sum()).sort_values(ascending=False)
            lift = (share / overall.reindex(share.index)).sort_values(ascending=False)
            top = [c for c in lift.index if lift[c] > 1.3][:2] or list(share.index[:1])
            band_share = part.groupby("price_band")["weight"].sum()
            band = str(band_share.idxmax())
            members = labels.index[labels == sid]
            seg_rfm = rfm.reindex(members)
            orders = float(seg_rfm["frequency"].fillna(0).mean())
            revenue = float(seg_rfm["monetary"].median()) if seg_rfm["monetary"].notna().any() else 0.0
            seg_basket = float(basket.reindex(members).median()) if basket.reindex(members).notna().any() else 0.0
            freq_word = "frequent" if orders > mean_f else "occasional"
            basket_word = "high basket value" if seg_basket > med_basket else "modest basket value"
            name = " / ".join(top) + " shoppers"
            desc = (f"{freq_word} {' / '.join(top)} buyers, {basket_word}, mostly {band}-priced items "
                    f"({', '.join(f'{c} {share[c]:.0%}' for c in share.index[:3])} of their activity)")
            out.append(Segment(int(sid), name, desc, len(members),
                               {str(c): round(float(share[c]), 4) for c in share.index[:3]}, band,
                               orders, revenue))
        return out

    def _check(self) -> None:
        if not hasattr(self, "theta_"):
            raise NotFittedError(self)

    def segment_table(self) -> pd.DataFrame:
        self._check()
        return pd.DataFrame([s.__dict__ for s in self.segments_])

    def labels(self) -> pd.Series:
        """user_id -> segment id (users with any interaction)."""
        self._check()
        return self.labels_

    def segment_names(self) -> dict[str, str]:
        """user_id -> the name of their segment (users with any interaction)."""
        self._check()
        names = {s.segment_id: s.name for s in self.segments_}
        return {str(u): names[int(k)] for u, k in self.labels_.items()}

    def profile(self, shop: ShopData, user_id: str) -> dict[str, object]:
        """Segment, favourite categories and brands, price band, recency and RFM of one user."""
        self._check()
        if user_id not in self.labels_.index:
            known = shop.users["user_id"].astype(str)
            if not (known == user_id).any():
                raise UnknownIdError("user", user_id, "shop users")
            raise StrategyError(f"user {user_id!r} has no views, carts or purchases yet; no taste profile")
        inter = user_interactions(shop)
        mine = inter[inter["user_id"] == user_id]
        seg = self.segments_[[s.segment_id for s in self.segments_].index(int(self.labels_[user_id]))]
        rfm = user_rfm(shop).set_index("user_id").loc[user_id]
        cats = mine.groupby("category")["weight"].sum().sort_values(ascending=False)
        brands = mine.groupby("brand")["weight"].sum().sort_values(ascending=False)
        bands = mine.groupby("price_band")["weight"].sum()  # empty when none of their items has a price band
        last = shop.events.loc[shop.events["user_id"] == user_id, "timestamp"].max()
        return {
            "user_id": user_id,
            "segment": seg.name,
            "segment_description": seg.description,
            "favourite_categories": {str(k): round(float(v / cats.sum()), 3) for k, v in cats.head(3).items()},
            "favourite_brands": {str(k): round(float(v / brands.sum()), 3) for k, v in brands.head(3).items()},
            "price_band": str(bands.idxmax()) if len(bands) and bands.max() > 0 else None,
            "days_since_last_activity": round(float((shop.events["timestamp"].max() - last).total_seconds() / 86400), 1),
            "rfm_segment": str(rfm["rfm_segment"]),
            "orders": None if pd.isna(rfm["frequency"]) else int(rfm["frequency"]),
            "revenue": None if pd.isna(rfm["monetary"]) else round(float(rfm["monetary"]), 2),
            "evidence_weight": float(self.evidence_[user_id]),
        }
