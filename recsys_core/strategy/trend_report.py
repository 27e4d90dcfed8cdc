"""One call that runs the trend analytics of a shop and writes its tables and charts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from recsys_core.data.shop import ShopData
from recsys_core.strategy.anomalies import discount_windows, find_anomalies
from recsys_core.strategy.charts import save_html, save_png
from recsys_core.strategy.series import daily_series, weekly_bins
from recsys_core.strategy.trends import (
    growth_table,
    rising_falling,
    weekday_profile,
    weekly_profile,
)


@dataclass
class TrendReport:
    """Tables of one trend analysis (frames) and the chart files written, if any."""

    measure: str
    categories: pd.DataFrame
    brands: pd.DataFrame
    items: pd.DataFrame
    rising: pd.DataFrame
    falling: pd.DataFrame
    weekdays: pd.DataFrame
    weeks: pd.DataFrame
    anomalies: pd.DataFrame
    anomaly_measure: str
    promotions: pd.DataFrame
    charts: list[Path] = field(default_factory=list)


def trend_report(shop: ShopData, *, measure: str = "views", out_dir: str | Path | None = None,
                 progress: bool = False) -> TrendReport:
    """Growth per category/brand/item, weekday and weekly profiles, anomalies (on category
    impressions when the log has them), discount windows; charts into ``out_dir`` if given."""
    daily = daily_series(shop, level="category", measure=measure)
    categories = growth_table(shop, level="category", measure=measure, daily=daily)
    # list impressions follow shoppers' intent day by day (10x denser than views): the best
    # traffic signal for short spikes such as a promotion week
    anomaly_measure = "impressions" if (shop.events["type"] == "impression").any() else measure
    traffic = daily if anomaly_measure == measure else daily_series(shop, level="category", measure=anomaly_measure)
    items = growth_table(shop, level="item", measure=measure, min_total=20, progress=progress)
    rising, falling = rising_falling(items if (items["trend"] != "flat").any() else categories)
    report = TrendReport(
        measure=measure,
        categories=categories,
        brands=growth_table(shop, level="brand", measure=measure),
        items=items,
        rising=rising,
        falling=falling,
        weekdays=weekday_profile(shop, measure=measure),
        weeks=weekly_profile(shop, measure=measure),
        anomalies=find_anomalies(traffic),
        anomaly_measure=anomaly_measure,
        promotions=discount_windows(shop),
    )
    if out_dir is not None:
        out = Path(out_dir)
        weekly, days = weekly_bins(daily)
        weekly = weekly[days == 7]  # a short last bin would look like a collapse
        top = list(categories["key"].head(3)) + list(categories["key"].tail(2))
        windows = [(r.start, r.end, f"discount {r.key}") for r in report.promotions.itertuples()]
        for writer, suffix in ((save_png, "png"), (save_html, "html")):
            report.charts.append(writer(weekly[top], out / f"category_trends.{suffix}",
                                        title=f"Weekly {measure}: fastest risers and fallers", ylabel=measure,
                                        windows=windows))
    return report
