"""Dated market-trend notes that narrate the injected trends, the sale and the stock-outs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_core.demo.catalog import Catalog
from recsys_core.demo.scenario import WEEKEND_UPLIFT, Scenario

GENERIC_NOTES: tuple[tuple[str, str], ...] = (
    ("Mobile traffic keeps growing",
     "Around two thirds of sessions now start on a phone; short product titles and clear images matter more than ever."),
    ("Shoppers search with price limits",
     "A growing share of search queries carry a price limit such as 'under $50'; ranking should respect the budget."),
    ("Carrier rates reviewed",
     "Parcel carriers announced a rate review for next quarter; our standard shipping fee and free-shipping threshold stay unchanged for now."),
    ("Evening peak confirmed",
     "Traffic peaks between 18:00 and 21:00 UTC; campaigns sent in the late afternoon get the best open rates."),
    ("Recommendation slots drive discovery",
     "'Goes well with' slots on product pages lead to a large share of second items in a basket, mostly complementary products from the same brand."),
    ("Returning customers",
     "Customers who buy once in a category often come back within weeks for the next item of the same kit (tent, then sleeping bag, then stove)."),
    ("Top positions get the clicks",
     "Click-through falls steeply with list position: the first result gets several times the clicks of the sixth, whatever the relevance."),
)


def trend_notes(scenario: Scenario, catalog: Catalog, rng: np.random.Generator) -> pd.DataFrame:
    """About 30 notes spread over the window, sorted by date; ids ``N001``..."""
    n_days = scenario.n_days
    notes: list[tuple[int, str, str, str | None]] = []  # (day, title, text, category)
    for trend in scenario.trends:
        pct = abs(round((trend.weekly_growth - 1.0) * 100, 1))
        for frac in (0.3, 0.55, 0.85):
            day = min(n_days - 1, int(n_days * frac) + int(rng.integers(0, 5)))
            weeks = max(1, day // 7)
            if trend.direction == "up":
                title = f"{trend.category.title()} demand rising"
                text = (f"Demand for {trend.category} keeps growing: views and purchases are up about "
                        f"{pct}% week on week, roughly {round((trend.weekly_growth ** weeks - 1) * 100)}% since "
                        f"the start of the period. Consider more stock and more visibility for {trend.category}.")
            else:
                title = f"{trend.category.title()} demand falling"
                text = (f"Interest in {trend.category} is declining: views and purchases are down about "
                        f"{pct}% week on week. Review {trend.category} pricing and avoid over-stocking.")
            notes.append((day, title, text, trend.category))
    promo = scenario.promotion
    pct = round(promo.discount * 100)
    start = scenario.day_timestamp(promo.start_day).date().isoformat()
    last = scenario.day_timestamp(promo.end_day - 1).date().isoformat()
    notes.append((max(0, promo.start_day - 3), f"{promo.category.title()} sale announced",
                  f"A {pct}% discount on all {promo.category} products will run from {start} to {last}.",
                  promo.category))
    notes.append((promo.start_day, f"{promo.category.title()} sale starts today",
                  f"The {promo.category} sale ({pct}% off) is live until {last}; expect demand for "
                  f"{promo.category} to more than double.", promo.category))
    notes.append((min(n_days - 1, promo.end_day + 2), f"{promo.category.title()} sale recap",
                  f"The {pct}% {promo.category} sale ended on {last}. Orders in {promo.category} were well above "
                  "normal during the sale and fell back to the usual level afterwards.", promo.category))
    out_items = np.flatnonzero(scenario.stockout_day < n_days)
    for i in out_items[np.argsort(scenario.stockout_day[out_items], kind="stable")][:5]:
        day = int(scenario.stockout_day[i])
        title = str(catalog.products.at[int(i), "title"])
        category = str(catalog.products.at[int(i), "category"])
        notes.append((day, f"Stock-out: {catalog.item_ids[int(i)]}",
                      f"{title} ({catalog.item_ids[int(i)]}) sold out on "
                      f"{scenario.day_timestamp(day).date().isoformat()} and is not expected back this period.",
                      category))
    notes.append((int(n_days * 0.2), "Weekend traffic uplift",
                  f"Saturdays and Sundays bring about {round((WEEKEND_UPLIFT - 1) * 100)}% more sessions than weekdays.",
                  None))
    for k, (title, text) in enumerate(GENERIC_NOTES):
        day = int((k + 0.5) * n_days / len(GENERIC_NOTES))
        notes.append((min(n_days - 1, day), title, text, None))
    notes.sort(key=lambda n: (n[0], n[1]))
    return pd.DataFrame({
        "note_id": [f"N{k + 1:03d}" for k in range(len(notes))],
        "date": [scenario.day_timestamp(d) + pd.Timedelta(hours=9) for d, _, _, _ in notes],
        "title": [n[1] for n in notes],
        "text": [n[2] for n in notes],
        "category": [n[3] for n in notes],
    })
