"""Price elasticity, stock signals and frequently-bought-together pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_core.data.shop import ShopData
from recsys_core.strategy import frequently_bought_together, inventory_signals, price_elasticity
from recsys_core.strategy.bundles import wilson
from tests.strategy_demo import demo_shop, online_retail_shop


def _shop(prices_units: list[tuple[str, int, float, int]], categories: dict[str, str]) -> ShopData:
    """(item, week, unit price, units) purchase lines -> a tiny shop."""
    start = pd.Timestamp("2026-01-05", tz="UTC")
    events = pd.DataFrame({
        "event_id": [f"e{n}" for n in range(len(prices_units))],
        "session_id": [f"s{n}" for n in range(len(prices_units))],
        "user_id": [f"u{n % 7}" for n in range(len(prices_units))],
        "item_id": [i for i, *_ in prices_units],
        "type": "purchase",
        "timestamp": [start + pd.Timedelta(days=7 * w + 1) for _, w, _, _ in prices_units],
        "quantity": pd.array([q for *_, q in prices_units], dtype="Int64"),
        "unit_price": pd.array([p for _, _, p, _ in prices_units], dtype="Float64"),
    })
    items = sorted(categories)
    products = pd.DataFrame({"item_id": items, "title": items, "category": [categories[i] for i in items],
                             "brand": "b", "price": 10.0, "cost": 6.0, "stock": 5})
    return ShopData(products=products, events=events)


def test_elasticity_recovers_a_known_slope_and_flags_no_variation() -> None:
    rng = np.random.default_rng(0)
    lines = []
    for item in ("a", "b", "c"):
        for week in range(30):
            price = 10.0 * float(rng.choice([0.7, 0.85, 1.0]))
            units = max(1, int(round(50 * (price / 10.0) ** -2.0 * float(rng.lognormal(0, 0.1)))))
            lines.append((item, week, price, units))
    lines += [("z", w, 10.0, 3) for w in range(30)]
    table = price_elasticity(_shop(lines, {"a": "toys", "b": "toys", "c": "toys", "z": "pet"})).set_index("category")
    toys = table.loc["toys"]
    assert toys["status"] == "estimated"
    assert toys["ci_low"] < -2.0 < toys["ci_high"] and toys["ci_high"] - toys["ci_low"] < 0.4
    assert table.loc["pet", "status"] == "not enough variation" and np.isnan(table.loc["pet", "elasticity"])


def test_demo_elasticity_only_where_prices_moved() -> None:
    shop, truth = demo_shop()
    table = price_elasticity(shop).set_index("category")
    promo = truth["promotion"]["category"]
    assert (table.drop(index=promo)["status"] == "not enough variation").all()
    assert table.loc[promo, "items_with_variation"] > 0


def test_inventory_signals() -> None:
    lines = [("a", 0, 10.0, 28)] + [("b", 0, 10.0, 1)]
    shop = _shop(lines, {"a": "x", "b": "x", "c": "x"})
    inv = inventory_signals(shop, window_days=28, lead_time_days=14, min_margin=0.15).set_index("item_id")
    assert inv.loc["a", "daily_rate"] == pytest.approx(1.0)
    assert inv.loc["a", "days_of_cover"] == pytest.approx(5.0)
    assert inv.loc["a", "stockout_risk"] > 0.99  # 14 expected units against 5 in stock
    assert np.isinf(inv.loc["c", "days_of_cover"]) and bool(inv.loc["c", "slow_mover"])
    assert inv.loc["a", "margin"] == pytest.approx(0.4) and inv.loc["a", "margin_headroom"] == pytest.approx(0.25)
    assert not bool(inv.loc["a", "slow_mover"])


def test_demo_stockouts_show_as_zero_stock() -> None:
    shop, truth = demo_shop()
    inv = inventory_signals(shop).set_index("item_id")
    out = [s["item_id"] for s in truth["stockouts"]]
    assert (inv.loc[out, "stockout_risk"] == 1.0).all()


def test_bought_together_pairs() -> None:
    lines = [("a", 0, 1.0, 1), ("b", 0, 1.0, 1)] * 1
    events = []
    for basket in range(6):
        events += [(f"u{basket}", "a"), (f"u{basket}", "b")]
    events += [("u9", "c")]
    frame = pd.DataFrame({"event_id": [f"e{i}" for i in range(len(events))], "session_id": [u for u, _ in events],
                          "user_id": [u for u, _ in events], "item_id": [i for _, i in events], "type": "purchase",
                          "timestamp": pd.Timestamp("2026-01-01", tz="UTC"), "quantity": 1, "unit_price": 1.0})
    shop = _shop(lines, {"a": "x", "b": "x", "c": "x"})
    shop.events = frame
    pairs = frequently_bought_together(shop, basket="user", kinds=("purchase",), min_together=3)
    assert set(zip(pairs["item_a"], pairs["item_b"], strict=True)) == {("a", "b"), ("b", "a")}
    row = pairs.iloc[0]
    assert row["confidence"] == 1.0 and row["lift"] == pytest.approx(7 / 6)
    lo, hi = wilson(6, 6)
    assert row["ci_low"] == pytest.approx(lo) and hi == 1.0


@pytest.mark.slow
def test_online_retail_elasticity_is_estimated() -> None:
    shop = online_retail_shop()
    if shop is None:
        pytest.skip("../shared/data/recsys/online_retail not found")
    table = price_elasticity(shop)
    assert (table["status"] == "estimated").all()
    assert (table["ci_high"] < 0).all()  # units fall as the price paid rises (bulk pricing included)
