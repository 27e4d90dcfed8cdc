"""Proactive insight cards: a finding in the shop's data, its figures, and a what-if rule to try.

Kinds: a rising item that is running out of stock (slow its exposure until restocked), a slow
mover with margin headroom (the same selection and boost as the slow-mover proposals), and an
anomaly in a category's traffic; with reviews, rising complaints and falling ratings
(:mod:`.review_signals`).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.strategy.inventory import SLOW_MOVER_BOOST, slow_movers

LOW_STOCK_RISK = 0.5  # stock-out probability over the lead time that makes a rising item a card
LOW_STOCK_DAYS = 14  # ... or fewer days of cover than this
RESTOCK_BURY = 0.8  # exposure multiplier suggested until the item is restocked
ANOMALY_BOOST = 1.1


def insight_cards(trends: Any, inventory: pd.DataFrame, products: pd.DataFrame, *, top: int = 5,
                  reviews: pd.DataFrame | None = None, mentions: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """Cards ``{kind, title, figures, whatif}`` (``whatif`` is a rule dict with an ``id``); the
    review cards need ``reviews`` (``mentions``: their aspect mentions, extracted if omitted)."""
    titles = dict(zip(products["item_id"].astype(str), products["title"].astype(str), strict=True))
    stock = inventory.set_index("item_id")
    cards: list[dict[str, Any]] = []
    items = trends.items
    rising = items[items["trend"] == "rising"] if "trend" in items else items.iloc[0:0]
    for row in rising.itertuples():
        key = str(row.key)
        if key not in stock.index:
            continue
        s = stock.loc[key]
        if s["stockout_risk"] >= LOW_STOCK_RISK or (pd.notna(s["days_of_cover"]) and s["days_of_cover"] < LOW_STOCK_DAYS):
            cards.append(_card("rising_low_stock", f"Rising but low on stock: {titles.get(key, key)}",
                               {"item_id": key, "weekly_growth_pct": _pct(row.weekly_growth),
                                "ci_low_pct": _pct(row.ci_low), "ci_high_pct": _pct(row.ci_high),
                                "stock": _num(s["stock"]), "days_of_cover": _num(s["days_of_cover"]),
                                "stockout_risk_pct": _pct(s["stockout_risk"])},
                               {"action": "bury", "target": {"item_ids": [key]}, "multiplier": RESTOCK_BURY,
                                "note": "slow exposure until restocked"}))
    slow = slow_movers(inventory).sort_values(["units_recent", "stock_value"], ascending=[True, False]).head(top)
    for s in slow.itertuples():
        key = str(s.item_id)
        cards.append(_card("slow_mover_margin", f"Slow mover with margin headroom: {titles.get(key, key)}",
                           {"item_id": key, "units_last_28d": _num(s.units_recent), "stock": _num(s.stock),
                            "margin_pct": _pct(s.margin), "margin_headroom_pct": _pct(s.margin_headroom)},
                           {"action": "boost", "target": {"item_ids": [key]}, "multiplier": SLOW_MOVER_BOOST,
                            "note": "lift a slow mover with margin headroom"}))
    for a in trends.anomalies.head(top).itertuples():
        figures = {k: _plain(v) for k, v in a._asdict().items() if k != "Index"}
        cards.append(_card("anomaly", f"Anomaly in {a.key}: {getattr(a, 'direction', 'change')}", figures,
                           {"action": "boost", "target": {"categories": [str(a.key)]},
                            "multiplier": ANOMALY_BOOST, "note": "react to the anomaly"}))
    if reviews is not None and len(reviews):
        from recsys_core.strategy.review_signals import review_cards

        cards += review_cards(reviews, products, mentions=mentions, top=top)
    return cards


def _card(kind: str, title: str, figures: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    rule_id = f"{kind}-{hashlib.sha1(title.encode()).hexdigest()[:6]}"
    return {"kind": kind, "title": title, "figures": figures, "whatif": {"id": rule_id, **rule}}


def _num(x: Any) -> float | None:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return round(value, 2) if np.isfinite(value) else None


def _pct(x: Any) -> float | None:
    value = _num(x)
    return None if value is None else round(100 * float(x), 1)


def _plain(v: Any) -> Any:
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    return _num(v) if isinstance(v, int | float) else str(v)
