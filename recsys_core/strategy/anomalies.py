"""Sudden spikes and drops: robust z-scores of daily residuals, and discount (promotion) windows.

Each daily series is fitted with a quasi-Poisson model (level, linear trend, weekday); the
variance-stabilised residuals 2(sqrt(y) - sqrt(mu)) are scored with a median/MAD z, scanned
over 1-, 3- and 7-day windows, and runs of flagged days become windows. Promotions are found directly from the prices paid: days when a
category sold below its list price.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_core.data.shop import ShopData
from recsys_core.strategy.glm import poisson_glm, robust_z
from recsys_core.strategy.series import day_range, key_of_items

ANOMALY_COLUMNS = ["key", "start", "end", "days", "direction", "peak_z", "observed", "expected", "lift"]


def _design(index: pd.DatetimeIndex) -> np.ndarray:
    n = len(index)
    dow = index.dayofweek.to_numpy()
    t = np.arange(n) / 7.0
    return np.column_stack([np.ones(n), t - t.mean()] + [(dow == d).astype(float) for d in range(1, 7)])


def scan(z: np.ndarray, widths: tuple[int, ...]) -> np.ndarray:
    """Per day, the most extreme window statistic sum(z over w days) / sqrt(w) of any window
    (of the given widths) covering that day, signed; a week-long promotion lifting each day
    only modestly still stands out as one window."""
    best = np.zeros(len(z))
    for w in widths:
        if w > len(z):
            continue
        sums = np.convolve(z, np.ones(w), mode="valid") / np.sqrt(w)
        for start, value in enumerate(sums):
            span = slice(start, start + w)
            stronger = np.abs(value) > np.abs(best[span])
            best[span] = np.where(stronger, value, best[span])
    return best


def daily_residual_z(y: np.ndarray, index: pd.DatetimeIndex, threshold: float = 4.0,
                     widths: tuple[int, ...] = (1, 3, 7)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(window statistic per day, expected value per day, daily robust z); flagged days are
    left out of a second fit so an anomaly does not pull its own baseline."""
    X = _design(index)
    keep = np.ones(len(y), dtype=bool)
    stat = z = np.zeros(len(y))
    mu = np.full(len(y), float(y.mean()))
    for _ in range(2):
        fit = poisson_glm(y[keep], X[keep])
        mu = np.exp(np.clip(X @ fit.coef, -30, 30))
        resid = 2.0 * (np.sqrt(y) - np.sqrt(mu))
        z = robust_z(resid)
        stat = scan(z, widths)
        keep = np.abs(stat) < threshold
        if keep.sum() < X.shape[1] + 2:
            break
    return stat, mu, z


def _best_window(z: np.ndarray, a: int, b: int, sign: float, widths: tuple[int, ...]) -> tuple[int, int, float]:
    """Inside the flagged run [a, b], the single window with the most extreme statistic."""
    best = (a, a, -np.inf)
    for w in widths:
        for start in range(a, b - w + 2):
            value = sign * float(z[start:start + w].sum()) / np.sqrt(w)
            if value > best[2]:
                best = (start, start + w - 1, value)
    return best


def _windows(flags: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for i in np.flatnonzero(flags):
        if out and i - out[-1][1] <= max_gap + 1:
            out[-1] = (out[-1][0], int(i))
        else:
            out.append((int(i), int(i)))
    return out


def find_anomalies(daily: pd.DataFrame, *, threshold: float = 4.0, min_mean: float = 2.0,
                   max_gap: int = 1, widths: tuple[int, ...] = (1, 3, 7)) -> pd.DataFrame:
    """Spike and drop windows in every column of a days x keys table. A day is flagged when a
    window of 1, 3 or 7 days around it has a robust residual statistic beyond ``threshold``;
    columns with a daily mean under ``min_mean`` are skipped (too sparse)."""
    index = pd.DatetimeIndex(daily.index)
    rows = []
    for key in daily.columns:
        y = daily[key].to_numpy(dtype=np.float64)
        if y.mean() < min_mean:
            continue
        stat, mu, z = daily_residual_z(y, index, threshold, widths)
        for sign, name in ((1.0, "spike"), (-1.0, "drop")):
            for run_a, run_b in _windows(sign * stat >= threshold, max_gap):
                a, b, peak = _best_window(z, run_a, run_b, sign, widths)
                obs, exp = float(y[a:b + 1].sum()), float(mu[a:b + 1].sum())
                rows.append({"key": key, "start": index[a], "end": index[b], "days": b - a + 1,
                             "direction": name, "peak_z": sign * peak,
                             "observed": obs, "expected": exp, "lift": obs / exp if exp > 0 else np.nan})
    out = pd.DataFrame(rows, columns=ANOMALY_COLUMNS)
    return out.sort_values("peak_z", key=np.abs, ascending=False, ignore_index=True)


def discount_windows(shop: ShopData, *, level: str = "category", min_discount: float = 0.05,
                     min_share: float = 0.5, max_gap: int = 3) -> pd.DataFrame:
    """Windows when a key's cart/purchase lines were paid at least ``min_discount`` below list
    price on most (``min_share``) of the lines of the day; with the median discount seen."""
    ev = shop.events
    lines = ev[ev["type"].isin(["add_to_cart", "purchase"]) & ev["unit_price"].notna() & ev["item_id"].notna()]
    price = shop.products.set_index(shop.products["item_id"].astype(str))["price"].astype("float64")
    items = lines["item_id"].astype(str)
    list_price = items.map(price).to_numpy(dtype=np.float64)
    paid = lines["unit_price"].astype("float64").to_numpy()
    discount = np.where(list_price > 0, 1.0 - paid / list_price, 0.0)
    frame = pd.DataFrame({"key": items.map(key_of_items(shop, level)).to_numpy(),
                          "day": pd.DatetimeIndex(lines["timestamp"]).floor("D"),
                          "discounted": discount >= min_discount, "discount": discount})
    days = day_range(shop)
    rows = []
    for key, group in frame.groupby("key"):
        per_day = group.groupby("day").agg(share=("discounted", "mean"), lines=("discounted", "size"))
        flags = per_day["share"].reindex(days).fillna(0.0).to_numpy() >= min_share
        for a, b in _windows(flags, max_gap):
            inside = group[(group["day"] >= days[a]) & (group["day"] <= days[b]) & group["discounted"]]
            rows.append({"key": key, "start": days[a], "end": days[b], "days": b - a + 1,
                         "lines": len(inside), "median_discount": float(inside["discount"].median())})
    return pd.DataFrame(rows, columns=["key", "start", "end", "days", "lines", "median_discount"])


def window_lift(daily: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, float]:
    """Observed / expected inside [start, end] with a 95 % CI, expected from a fit outside it."""
    index = pd.DatetimeIndex(daily.index)
    y = daily.to_numpy(dtype=np.float64)
    inside = (index >= start) & (index <= end)
    X = _design(index)
    fit = poisson_glm(y[~inside], X[~inside])
    mu = np.exp(X @ fit.coef)
    obs, exp = float(y[inside].sum()), float(mu[inside].sum())
    # log-lift variance: the observed count (dispersion-scaled) plus the fitted expectation's
    grad = (mu[inside, None] * X[inside]).sum(axis=0) / max(exp, 1e-12)
    se = float(np.sqrt(fit.dispersion / max(obs, 1.0) + max(float(grad @ fit.cov @ grad), 0.0)))
    lift = obs / exp if exp > 0 else float("nan")
    return {"observed": obs, "expected": exp, "lift": lift,
            "ci_low": lift * float(np.exp(-1.96 * se)), "ci_high": lift * float(np.exp(1.96 * se))}
