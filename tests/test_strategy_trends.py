"""Trends: growth with significance, seasonality, anomalies, promotions, charts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recsys_core.strategy import (
    daily_series,
    discount_windows,
    find_anomalies,
    growth_of,
    growth_table,
    trend_report,
    weekday_profile,
    weekly_profile,
)
from tests.strategy_demo import demo_shop, online_retail_shop


@pytest.fixture(scope="module")
def demo():
    return demo_shop()


def test_growth_of_recovers_a_known_rate() -> None:
    rng = np.random.default_rng(1)
    weeks = np.arange(20)
    counts = rng.poisson(50 * 1.05 ** weeks).astype(float)
    fit = growth_of(counts, np.full(20, 7.0))
    assert fit["ci_low"] < 0.05 < fit["ci_high"]
    assert fit["p_value"] < 1e-6
    flat = growth_of(rng.poisson(50, size=20).astype(float), np.full(20, 7.0))
    assert flat["ci_low"] < 0 < flat["ci_high"]


def test_injected_category_trends_are_found(demo) -> None:
    shop, truth = demo
    table = growth_table(shop, level="category", measure="views")
    up = {t["category"] for t in truth["trends"] if t["direction"] == "up"}
    down = {t["category"] for t in truth["trends"] if t["direction"] == "down"}
    # the injected risers are exactly the fastest growers, each significant after BH correction;
    # at a 5% false-discovery rate one other category may be flagged too (the shop's sign-ups also
    # shift its category mix), never above an injected riser
    assert set(table["key"].head(len(up))) == up
    rising = set(table.loc[table["trend"] == "rising", "key"])
    assert up <= rising and len(rising - up) <= 1, rising
    # the injected fallers both shrink and sit in the bottom quarter; the steeper one is significant
    bottom = set(table["key"].tail(3))
    assert down <= bottom
    assert (table.set_index("key").loc[list(down), "weekly_growth"] < 0).all()
    steepest = min(truth["trends"], key=lambda t: t["weekly_growth"])["category"]
    assert table.set_index("key").loc[steepest, "trend"] == "falling"
    assert set(table.loc[table["trend"] == "falling", "key"]) <= down


def test_promotion_window_is_found(demo) -> None:
    shop, truth = demo
    promo = truth["promotion"]
    windows = discount_windows(shop)
    assert list(windows["key"]) == [promo["category"]]
    found = windows.iloc[0]
    start, end = pd.Timestamp(promo["start"], tz="UTC"), pd.Timestamp(promo["end"], tz="UTC")
    overlap = (min(found["end"], end) - max(found["start"], start)).days + 1
    union = (max(found["end"], end) - min(found["start"], start)).days + 1
    assert overlap / union >= 0.7
    assert abs(found["median_discount"] - promo["discount"]) < 0.01
    # the traffic spike of the promotion week is the strongest anomaly in category impressions
    spikes = find_anomalies(daily_series(shop, level="category", measure="impressions"))
    top = spikes.iloc[0]
    assert top["key"] == promo["category"] and top["direction"] == "spike" and top["lift"] > 1.5
    overlap = (min(top["end"], end) - max(top["start"], start)).days + 1
    union = (max(top["end"], end) - min(top["start"], start)).days + 1
    assert overlap / union >= 0.7


def test_weekend_uplift_is_found(demo) -> None:
    shop, truth = demo
    prof = weekday_profile(shop, measure="views").set_index("weekday")
    weekend = prof.loc[["Saturday", "Sunday"], "index"].mean()
    weekday = prof.drop(index=["Saturday", "Sunday"])
    assert (prof.loc[["Saturday", "Sunday"], "ci_low"].min() > weekday["ci_high"].max())
    assert 1.1 < weekend / weekday["index"].mean() < 1.6  # injected 1.35 on sessions


def test_anomaly_detector_finds_a_spike_and_a_drop() -> None:
    days = pd.date_range("2026-01-01", periods=84, freq="D", tz="UTC")
    rng = np.random.default_rng(3)
    y = rng.poisson(30, size=84).astype(float)
    y[40:43] *= 3.0
    y[60] = 0.0
    found = find_anomalies(pd.DataFrame({"a": y}, index=days))
    spikes = found[found["direction"] == "spike"]
    drops = found[found["direction"] == "drop"]
    assert len(spikes) == 1 and spikes.iloc[0]["start"] == days[40] and spikes.iloc[0]["end"] == days[42]
    assert spikes.iloc[0]["lift"] > 2.0
    assert len(drops) == 1 and drops.iloc[0]["start"] == days[60]
    assert find_anomalies(pd.DataFrame({"a": rng.poisson(30, size=84).astype(float)}, index=days)).empty


def test_trend_report_writes_charts(demo, tmp_path: Path) -> None:
    shop, _ = demo
    report = trend_report(shop, measure="views", out_dir=tmp_path)
    names = sorted(p.name for p in report.charts)
    assert names == ["category_trends.html", "category_trends.png"]
    assert (tmp_path / "category_trends.png").read_bytes()[:4] == b"\x89PNG"
    assert "plotly" in (tmp_path / "category_trends.html").read_text(encoding="utf-8")[:200000].lower()
    assert len(report.categories) == 12 and not report.promotions.empty
    assert report.anomaly_measure == "impressions" and not report.anomalies.empty
    assert daily_series(shop, level="brand", measure="orders").to_numpy().sum() == (shop.events["type"] == "purchase").sum()


@pytest.mark.slow
def test_online_retail_pre_christmas_peak() -> None:
    shop = online_retail_shop()
    if shop is None:
        pytest.skip("../shared/data/recsys/online_retail not found")
    weeks = weekly_profile(shop, measure="sales")
    november = weeks[(weeks.index >= pd.Timestamp("2011-11-01", tz="UTC")) & (weeks.index < pd.Timestamp("2011-12-01", tz="UTC"))]
    assert len(november) >= 4
    assert november["ratio_to_median"].min() > 1.4
    assert november["ratio_to_median"].mean() > 1.6
    spring = weeks[(weeks.index >= pd.Timestamp("2011-02-01", tz="UTC")) & (weeks.index < pd.Timestamp("2011-05-01", tz="UTC"))]
    assert november["total"].mean() > 1.8 * spring["total"].mean()
    growth = growth_table(shop, level="category", measure="sales").set_index("key")
    assert growth.loc["gift-ware > christmas", "trend"] == "rising"
