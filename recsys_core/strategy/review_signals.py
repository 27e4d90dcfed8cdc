"""Review signals for merchandisers: rating trends and rising complaint aspects, per item and
per category, as insight cards.

Both compare the last ``days`` days (default 4 weeks) with the ``days`` before, ending at the
newest review. A rating trend is a Welch t-test of the two windows' star ratings; a rising
complaint is the exact conditional test of two Poisson counts (given ``n`` complaining reviews
in both windows, the recent count is Binomial(n, 1/2) when the rate did not change), one-sided.
The trend analysis's Wald test of a quasi-Poisson slope breaks down here: complaints are few,
and an aspect nobody complained about last month gives an infinite ratio and p close to 1.
Both tables carry Benjamini-Hochberg q-values (the trend analysis's correction for testing
many items and aspects at once); cards are the rows with q below ``alpha``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from recsys_core.strategy.glm import bh_qvalues
from recsys_core.strategy.insights import _card

WINDOW_DAYS = 28
LEVELS = ("item", "category")
RATING_COLUMNS = ["key", "recent_reviews", "recent_rating", "previous_reviews", "previous_rating", "change",
                  "p_value", "q_value", "trend"]
COMPLAINT_COLUMNS = ["key", "aspect", "recent", "previous", "ratio", "p_value", "q_value", "rising"]
REVIEW_BURY = 0.8  # exposure multiplier a card suggests for an item customers now complain about
LOW_RATING = 3.0  # a category card's what-if: bury its items whose recent rating is below this


@dataclass(frozen=True)
class ReviewSignals:
    """Rating trends and complaint trends of one shop, at item and category level."""

    as_of: pd.Timestamp
    days: int
    ratings: dict[str, pd.DataFrame]  # level -> RATING_COLUMNS
    complaints: dict[str, pd.DataFrame]  # level -> COMPLAINT_COLUMNS


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True)


def _windows(stamps: pd.Series, as_of: pd.Timestamp, days: int) -> tuple[pd.Series, pd.Series]:
    span = pd.Timedelta(days=days)
    recent = (stamps > as_of - span) & (stamps <= as_of)
    previous = (stamps > as_of - 2 * span) & (stamps <= as_of - span)
    return recent, previous


def _keys(item_ids: pd.Series, products: pd.DataFrame, level: str) -> pd.Series:
    if level == "item":
        return item_ids.astype(str)
    if level != "category":
        raise ValueError(f"level {level!r} is not one of {LEVELS}")
    category = dict(zip(products["item_id"].astype(str), products["category"].astype(str), strict=True))
    return item_ids.astype(str).map(category)


def rating_trend(reviews: pd.DataFrame, products: pd.DataFrame, *, level: str = "item", days: int = WINDOW_DAYS,
                 as_of: pd.Timestamp | None = None, min_reviews: int = 3, alpha: float = 0.05) -> pd.DataFrame:
    """Per key: review count and mean rating in the recent and previous window, the change,
    Welch p-value, q-value and trend ("falling", "rising", "flat"); steepest fall first.
    Keys with fewer than ``min_reviews`` in either window are left out."""
    stamps = _utc(reviews["created_at"])
    as_of = stamps.max() if as_of is None else pd.Timestamp(as_of)
    recent, previous = _windows(stamps, as_of, days)
    frame = pd.DataFrame({"key": _keys(reviews["item_id"], products, level).to_numpy(),
                          "rating": pd.to_numeric(reviews["rating"], errors="coerce").to_numpy(),
                          "recent": recent.to_numpy()})[(recent | previous).to_numpy()].dropna()
    rows = []
    for key, group in frame.groupby("key"):
        now, before = group.loc[group["recent"], "rating"], group.loc[~group["recent"], "rating"]
        if len(now) < min_reviews or len(before) < min_reviews:
            continue
        if now.nunique() == before.nunique() == 1:  # no spread: the t statistic is undefined
            p = 1.0 if now.iloc[0] == before.iloc[0] else 0.0
        else:
            with warnings.catch_warnings():  # one constant window is fine for Welch, scipy warns anyway
                warnings.simplefilter("ignore", RuntimeWarning)
                p = float(stats.ttest_ind(now, before, equal_var=False).pvalue)
        rows.append({"key": str(key), "recent_reviews": len(now), "recent_rating": float(now.mean()),
                     "previous_reviews": len(before), "previous_rating": float(before.mean()),
                     "change": float(now.mean() - before.mean()), "p_value": p})
    table = pd.DataFrame(rows, columns=RATING_COLUMNS[:-2])
    table["q_value"] = bh_qvalues(table["p_value"].to_numpy()) if len(table) else []
    signif = table["q_value"] < alpha
    table["trend"] = np.where(signif & (table["change"] < 0), "falling",
                              np.where(signif & (table["change"] > 0), "rising", "flat"))
    return table[RATING_COLUMNS].sort_values("change", ignore_index=True)


def complaint_trend(mentions: pd.DataFrame, products: pd.DataFrame, *, level: str = "item",
                    days: int = WINDOW_DAYS, as_of: pd.Timestamp | None = None, min_recent: int = 3,
                    alpha: float = 0.05) -> pd.DataFrame:
    """Per key and aspect: reviews complaining about it in the recent and previous window, their
    ratio (inf when the previous window had none), one-sided p-value, q-value and ``rising``.

    ``mentions`` has the columns of ``AspectExtractor.transform`` (review_id, item_id,
    created_at, aspect, polarity, ...); a review counts once per aspect. Pairs with fewer than
    ``min_recent`` recent complaints are not tested."""
    complaints = mentions[mentions["polarity"] < 0].drop_duplicates(["review_id", "aspect"])
    stamps = _utc(complaints["created_at"])
    if as_of is None:
        as_of = _utc(mentions["created_at"]).max()
    recent, previous = _windows(stamps, pd.Timestamp(as_of), days)
    frame = pd.DataFrame({"key": _keys(complaints["item_id"], products, level).to_numpy(),
                          "aspect": complaints["aspect"].astype(str).to_numpy(),
                          "recent": recent.astype(int).to_numpy(), "previous": previous.astype(int).to_numpy()})
    counts = frame.groupby(["key", "aspect"])[["recent", "previous"]].sum().reset_index()
    counts = counts[counts["recent"] >= min_recent].reset_index(drop=True)
    p = [stats.binomtest(int(r), int(r + b), 0.5, alternative="greater").pvalue
         for r, b in zip(counts["recent"], counts["previous"], strict=True)]
    counts["ratio"] = np.where(counts["previous"] > 0, counts["recent"] / counts["previous"].clip(lower=1), np.inf)
    counts["p_value"] = np.asarray(p, dtype=np.float64)
    counts["q_value"] = bh_qvalues(counts["p_value"].to_numpy()) if len(counts) else []
    counts["rising"] = counts["q_value"] < alpha
    counts["key"] = counts["key"].astype(str)
    return counts[COMPLAINT_COLUMNS].sort_values(["p_value", "recent"], ascending=[True, False], ignore_index=True)


def review_signals(reviews: pd.DataFrame, products: pd.DataFrame, mentions: pd.DataFrame, *,
                   days: int = WINDOW_DAYS, alpha: float = 0.05) -> ReviewSignals:
    """Rating and complaint trends at item and category level, windows ending at the newest review."""
    as_of = _utc(reviews["created_at"]).max()
    return ReviewSignals(
        as_of=as_of, days=days,
        ratings={lv: rating_trend(reviews, products, level=lv, days=days, as_of=as_of, alpha=alpha) for lv in LEVELS},
        complaints={lv: complaint_trend(mentions, products, level=lv, days=days, as_of=as_of, alpha=alpha)
                    for lv in LEVELS},
    )


def extract_mentions(reviews: pd.DataFrame) -> pd.DataFrame:
    """Aspect mentions of ``reviews`` by :class:`recsys_core.reviews.aspects.AspectExtractor`."""
    from recsys_core.reviews.aspects import AspectExtractor

    return AspectExtractor().fit(reviews).transform(reviews)


def review_cards(reviews: pd.DataFrame, products: pd.DataFrame, *, mentions: pd.DataFrame | None = None,
                 top: int = 5, days: int = WINDOW_DAYS, alpha: float = 0.05) -> list[dict[str, Any]]:
    """Insight cards ``{kind, title, figures, whatif}`` for significant rising complaints and
    falling ratings (at most ``top`` of each kind per level); none for a shop without reviews."""
    if reviews is None or not len(reviews):
        return []
    if mentions is None:  # only the two compared windows are read: embed just those reviews
        stamps = _utc(reviews["created_at"])
        mentions = extract_mentions(reviews[(stamps > stamps.max() - pd.Timedelta(days=2 * days)).to_numpy()])
    found = review_signals(reviews, products, mentions, days=days, alpha=alpha)
    titles = dict(zip(products["item_id"].astype(str), products["title"].astype(str), strict=True))
    weeks = f"{days // 7} weeks" if days % 7 == 0 else f"{days} days"
    cards: list[dict[str, Any]] = []
    for level in LEVELS:
        rising = found.complaints[level]
        for row in rising[rising["rising"]].head(top).itertuples():
            name = titles.get(row.key, row.key) if level == "item" else f"the {row.key} category"
            title = (f"Complaints about {row.aspect} for {name} {_growth(row.previous, row.recent)} in {weeks} "
                     f"({row.previous} -> {row.recent} reviews, {_p(row.p_value)})")
            figures = {("item_id" if level == "item" else "category"): row.key, "aspect": row.aspect,
                       "complaints_previous": int(row.previous), "complaints_recent": int(row.recent),
                       "ratio": None if not np.isfinite(row.ratio) else round(float(row.ratio), 2),
                       "window_days": days, "p_value": _round(row.p_value), "q_value": _round(row.q_value)}
            cards.append(_card(f"rising_complaints_{level}", title, figures, _rule(level, row.key, days)))
        falling = found.ratings[level]
        for row in falling[falling["trend"] == "falling"].head(top).itertuples():
            name = titles.get(row.key, row.key) if level == "item" else f"the {row.key} category"
            title = (f"Rating of {name} fell from {row.previous_rating:.1f} to {row.recent_rating:.1f} in {weeks} "
                     f"({row.previous_reviews} -> {row.recent_reviews} reviews, {_p(row.p_value)})")
            figures = {("item_id" if level == "item" else "category"): row.key,
                       "rating_previous": round(row.previous_rating, 2), "rating_recent": round(row.recent_rating, 2),
                       "reviews_previous": int(row.previous_reviews), "reviews_recent": int(row.recent_reviews),
                       "window_days": days, "p_value": _round(row.p_value), "q_value": _round(row.q_value)}
            cards.append(_card(f"rating_drop_{level}", title, figures, _rule(level, row.key, days)))
    return cards


def _rule(level: str, key: str, days: int) -> dict[str, Any]:
    if level == "item":
        return {"action": "bury", "target": {"item_ids": [key]}, "multiplier": REVIEW_BURY,
                "note": "slow exposure while customers complain"}
    return {"action": "bury", "target": {"categories": [key], "recent_rating": {"below": LOW_RATING, "days": days}},
            "multiplier": REVIEW_BURY, "note": f"bury {key} items rated below {LOW_RATING:g} lately"}


def _growth(before: int, after: int) -> str:
    if before == 0:
        return "appeared"
    ratio = after / before
    return "doubled" if 1.8 <= ratio <= 2.25 else "tripled" if 2.75 <= ratio <= 3.3 else f"rose {ratio:.1f}x"


def _p(value: float) -> str:
    """'p<0.001' or 'p=0.03'."""
    return "p<0.001" if value < 0.001 else f"p={value:.2g}"


def _round(value: float) -> float | None:
    return round(float(value), 4) if np.isfinite(value) else None
