"""Trends: growth with significance, weekday seasonality, weekly profile and rising/falling lists.

Growth is the slope of a quasi-Poisson regression of 7-day counts on time (offset: days in
the bin, or the shop-wide total for share growth), so a weekly growth of +8 % comes with a
95 % interval and a p-value; q-values correct for testing many items at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from recsys_core.data.shop import ShopData
from recsys_core.strategy.glm import bh_qvalues, poisson_glm
from recsys_core.strategy.series import daily_series, weekly_bins

WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
GROWTH_COLUMNS = ["key", "total", "weeks", "weekly_growth", "ci_low", "ci_high", "p_value", "q_value",
                  "trend", "first_weeks_mean", "last_weeks_mean"]


def growth_of(counts: np.ndarray, days: np.ndarray, offset: np.ndarray | None = None) -> dict[str, float]:
    """Weekly growth (exp(slope) - 1) with its 95 % interval and p-value for one series."""
    n = len(counts)
    t = (np.cumsum(days) - days / 2.0) / 7.0
    t = t - t.mean()
    X = np.column_stack([np.ones(n), t])
    off = np.log(days) if offset is None else offset
    fit = poisson_glm(counts, X, off)
    lo, hi = fit.ci(1)
    return {"weekly_growth": float(np.expm1(fit.coef[1])), "ci_low": float(np.expm1(lo)),
            "ci_high": float(np.expm1(hi)), "p_value": fit.p_value(1)}


def growth_table(shop: ShopData, *, level: str = "category", measure: str = "views",
                 relative: bool = False, min_total: float = 20.0, alpha: float = 0.05,
                 daily: pd.DataFrame | None = None, progress: bool = False) -> pd.DataFrame:
    """Per key: weekly growth, 95 % CI, p- and q-value, trend label; sorted by growth.

    ``relative=True`` measures growth of the key's share of the shop-wide total (robust to
    the whole shop growing or shrinking). Keys with fewer than ``min_total`` are skipped.
    """
    daily = daily_series(shop, level=level, measure=measure) if daily is None else daily
    weekly, days = weekly_bins(daily)
    keep = [c for c in weekly.columns if weekly[c].sum() >= min_total]
    total = weekly.sum(axis=1).to_numpy()
    offset = np.log(np.maximum(total, 1e-9)) if relative else None
    rows = []
    for key in tqdm(keep, desc=f"growth per {level}", disable=not progress or len(keep) < 200):
        y = weekly[key].to_numpy()
        fit = growth_of(y, days, offset)
        rows.append({"key": key, "total": float(y.sum()), "weeks": len(y), **fit,
                     "first_weeks_mean": float(np.mean(y[:2] / days[:2] * 7)),
                     "last_weeks_mean": float(np.mean(y[-2:] / days[-2:] * 7))})
    table = pd.DataFrame(rows, columns=[c for c in GROWTH_COLUMNS if c not in ("q_value", "trend")])
    table["q_value"] = bh_qvalues(table["p_value"].to_numpy()) if len(table) else []
    signif = table["q_value"] < alpha
    table["trend"] = np.where(signif & (table["weekly_growth"] > 0), "rising",
                              np.where(signif & (table["weekly_growth"] < 0), "falling", "flat"))
    return table[GROWTH_COLUMNS].sort_values("weekly_growth", ascending=False, ignore_index=True)


def rising_falling(table: pd.DataFrame, top: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The significant risers (fastest first) and fallers (steepest first)."""
    rising = table[table["trend"] == "rising"].sort_values("weekly_growth", ascending=False)
    falling = table[table["trend"] == "falling"].sort_values("weekly_growth")
    return rising.head(top).reset_index(drop=True), falling.head(top).reset_index(drop=True)


def weekday_profile(shop: ShopData, *, measure: str = "views") -> pd.DataFrame:
    """Multiplier of each weekday vs the average day, with 95 % CI (trend-adjusted GLM)."""
    daily = daily_series(shop, level="shop", measure=measure)["all"]
    y = daily.to_numpy()
    n = len(y)
    dow = daily.index.dayofweek.to_numpy()
    t = np.arange(n) / 7.0
    X = np.column_stack([np.ones(n), t - t.mean()] + [(dow == d).astype(float) for d in range(1, 7)])
    fit = poisson_glm(y, X)
    # contrast of weekday d's log-effect against the mean of all seven weekdays
    effects = np.concatenate([[0.0], fit.coef[2:]])
    rows = []
    for d in range(7):
        c = np.zeros(len(fit.coef))
        c[2:] -= 1.0 / 7.0
        if d > 0:
            c[1 + d] += 1.0
        est = float(effects[d] - effects.mean())
        se = float(np.sqrt(max(c @ fit.cov @ c, 0.0)))
        rows.append({"weekday": WEEKDAYS[d], "index": np.exp(est), "ci_low": np.exp(est - 1.96 * se),
                     "ci_high": np.exp(est + 1.96 * se), "days": int((dow == d).sum())})
    return pd.DataFrame(rows)


def weekly_profile(shop: ShopData, *, measure: str = "sales") -> pd.DataFrame:
    """Calendar weeks (Monday start, complete weeks only): total and ratio to the median week."""
    daily = daily_series(shop, level="shop", measure=measure)["all"]
    counts = daily.resample("W-MON", label="left", closed="left")
    weeks = pd.DataFrame({"total": counts.sum(), "days": counts.count()})
    weeks = weeks[weeks["days"] == 7].copy()
    weeks.index.name = "week_start"
    median = float(weeks["total"].median()) if len(weeks) else float("nan")
    weeks["ratio_to_median"] = weeks["total"] / median if median else np.nan
    return weeks
