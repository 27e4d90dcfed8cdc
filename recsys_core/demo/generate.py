"""Entry points: ``generate_demo_shop`` (frames + ground truth) and ``write_demo_shop`` (files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.data.frames import conform
from recsys_core.data.schema import TABLES
from recsys_core.data.shop import ShopData
from recsys_core.demo.behaviour import EXAMINATION_DECAY, LIST_SIZE, P_FOLLOW_UP, Simulator
from recsys_core.demo.catalog import build_catalog
from recsys_core.demo.errors import DemoConfigError
from recsys_core.demo.knowledge import FACTS, knowledge_base
from recsys_core.demo.notes import trend_notes
from recsys_core.demo.population import SEGMENTS, build_population
from recsys_core.demo.reviews import ReviewPlan
from recsys_core.demo.scenario import PROMO_DEMAND, WEEKEND_UPLIFT, Scenario, build_scenario
from recsys_core.demo.vocab import CATEGORIES
from recsys_core.workspace import atomic_write_json

START = pd.Timestamp("2026-01-01", tz="UTC")
GROUND_TRUTH_FILE = "ground_truth.json"
MIN_SIZES = {"n_products": 120, "n_users": 20, "n_days": 14, "target_events": 1000}


def _check_sizes(sizes: dict[str, int]) -> None:
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < MIN_SIZES[name]:
            raise DemoConfigError(
                f"{name}={value!r} is too small for the demo shop; use an integer >= {MIN_SIZES[name]}"
            )


def _day(scenario: Scenario, day: int) -> str:
    return scenario.day_timestamp(day).date().isoformat()


def _ground_truth(seed: int, sizes: dict[str, int], shop: ShopData, scenario: Scenario,
                  segment: np.ndarray, user_ids: list[str], item_ids: list[str],
                  created_day: np.ndarray) -> dict[str, Any]:
    promo = scenario.promotion
    out_items = np.flatnonzero(scenario.stockout_day < scenario.n_days)
    return {
        "seed": int(seed),
        "requested": {k: int(v) for k, v in sizes.items()},
        "counts": {k: int(v) for k, v in shop.counts().items()},
        "window": {"start": _day(scenario, 0), "end": _day(scenario, scenario.n_days - 1),
                   "days": scenario.n_days},
        "segments": [
            {
                "name": s.name,
                "description": s.description,
                "categories": dict(s.categories),
                "tier_preference": dict(zip(("budget", "mid", "premium"), s.tiers, strict=True)),
                "user_ids": [user_ids[u] for u in np.flatnonzero(segment == k)],
            }
            for k, s in enumerate(SEGMENTS)
        ],
        "trends": [
            {"category": t.category, "direction": t.direction, "weekly_growth": t.weekly_growth}
            for t in scenario.trends
        ],
        "promotion": {
            "category": promo.category,
            "start": _day(scenario, promo.start_day),
            "end": _day(scenario, promo.end_day - 1),  # inclusive
            "discount": promo.discount,
            "demand_multiplier": PROMO_DEMAND,
        },
        "stockouts": [
            {"item_id": item_ids[int(i)], "date": _day(scenario, int(scenario.stockout_day[i]))}
            for i in out_items
        ],
        "new_items": [
            {"item_id": item_ids[int(i)], "listed_from": _day(scenario, int(created_day[i]) + 1)}
            for i in np.flatnonzero(created_day >= 0)
        ],
        "co_purchase": {
            "journey_order": {c.name: [noun for noun, _ in c.nouns] for c in CATEGORIES},
            "follow_up_share": P_FOLLOW_UP,
            "note": "after an item, shoppers come back for the next nouns in its category's "
                    "journey order, preferably of the same brand",
        },
        "seasonality": {"weekend_uplift": WEEKEND_UPLIFT, "weekend_days": ["Saturday", "Sunday"]},
        "position_bias": {"list_size": LIST_SIZE, "examination": f"(1 + position) ** -{EXAMINATION_DECAY}"},
        "knowledge_base_facts": FACTS,
    }


def generate_demo_shop(seed: int = 0, *, n_products: int = 3000, n_users: int = 2000,
                       n_days: int = 120, target_events: int = 150_000,
                       progress: bool = False) -> tuple[ShopData, dict[str, Any]]:
    """Generate the demo shop deterministically from ``seed``; returns (shop, ground truth)."""
    sizes = {"n_products": n_products, "n_users": n_users, "n_days": n_days,
             "target_events": target_events}
    _check_sizes(sizes)
    rng = np.random.default_rng(seed)
    catalog = build_catalog(rng, n_products, n_days, START)
    population = build_population(rng, n_users, n_days, START)
    scenario = build_scenario(rng, catalog, n_days, START)
    review_plan = ReviewPlan(seed, catalog, population, n_days)
    sim = Simulator(rng, catalog, population, scenario, review_plan)
    sim.run(target_events, progress=progress)
    products = catalog.products.copy()
    products.loc[scenario.stockout_day < n_days, "stock"] = 0
    promo = scenario.promotion
    kb = knowledge_base(promo, (_day(scenario, promo.start_day), _day(scenario, promo.end_day - 1)))
    shop = ShopData(
        products=conform(products, TABLES["products"]),
        events=conform(sim.events(catalog.item_ids, population.user_ids), TABLES["events"]),
        users=conform(population.users, TABLES["users"]),
        knowledge_base=conform(pd.DataFrame(kb), TABLES["knowledge_base"]),
        trends=conform(trend_notes(scenario, catalog, rng), TABLES["trends"]),
    )
    reviews, review_truth = review_plan.table(START)
    shop.reviews = conform(reviews, TABLES["reviews"])
    truth = _ground_truth(seed, sizes, shop, scenario, population.segment, population.user_ids,
                          catalog.item_ids, catalog.created_day)
    truth["reviews"] = review_truth
    return shop, truth


def write_demo_shop(out_dir: Path | str, seed: int = 0, **kw: Any) -> dict[str, Any]:
    """Write the demo shop in the ingest input format plus ``ground_truth.json``.

    Files: products.csv, users.csv, events.parquet, knowledge_base.csv, trends.csv,
    reviews.csv.
    Returns a summary: the folder, the seed, the files written and one row count per table.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise DemoConfigError(f"output path {str(out)!r} exists and is not a folder; choose a folder")
    shop, truth = generate_demo_shop(seed, **kw)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, frame in shop.tables().items():
        if name == "events":
            path = out / "events.parquet"
            frame.to_parquet(path, index=False)
        else:
            path = out / f"{name}.csv"
            frame.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
        files.append(path.name)
    atomic_write_json(out / GROUND_TRUTH_FILE, truth)
    files.append(GROUND_TRUTH_FILE)
    return {"out_dir": str(out), "seed": int(seed), "files": files, **truth["counts"]}
