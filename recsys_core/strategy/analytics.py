"""Run the whole strategy analysis of a shop and write it under one folder (JSON + charts)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from recsys_core.data.shop import ShopData
from recsys_core.strategy.errors import InsufficientDataError
from recsys_core.strategy.exposure import exposure_audit
from recsys_core.strategy.inventory import inventory_signals
from recsys_core.strategy.pricing import price_elasticity
from recsys_core.strategy.proposals import propose
from recsys_core.strategy.segments import SegmentModel
from recsys_core.strategy.trend_report import trend_report
from recsys_core.workspace import atomic_write_json


def records(frame: pd.DataFrame, limit: int | None = None) -> list[dict[str, Any]]:
    """JSON-ready rows (timestamps as ISO text, NaN/inf as None)."""
    rows = frame.head(limit).to_dict(orient="records") if limit else frame.to_dict(orient="records")

    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, pd.Timestamp):
            return v.isoformat()
        return v

    return [{k: clean(v) for k, v in r.items()} for r in rows]


def logged_exposure(shop: ShopData, k: int = 10) -> dict[str, Any]:
    """Exposure audit of the lists the shop actually showed (logged impressions)."""
    from recsys_core.strategy.whatif import shown_lists

    shown = shown_lists(shop.events)
    if not shown:
        return {"skipped": "no impressions with positions in the log"}
    audit = exposure_audit(shown, shop.products, k=k)
    return {"lists": audit["lists"], "k": k, "gini_items": round(float(audit["gini_items"]), 4),  # type: ignore[arg-type]
            "never_shown_share": round(float(audit["never_shown_share"]), 4),  # type: ignore[arg-type]
            "brand_share_top": {str(b): round(float(v), 4) for b, v in audit["brand_share"].head(10).items()},  # type: ignore[attr-defined]
            "category_share": {str(c): round(float(v), 4) for c, v in audit["category_share"].items()}}  # type: ignore[attr-defined]


def run_strategy_analytics(shop: ShopData, out_dir: str | Path, *, proposals: bool = True,
                           progress: bool = False) -> dict[str, Any]:
    """Trends (+ charts), segments, price elasticity, stock signals and proposals; returns a
    summary and writes ``strategy.json`` plus the charts into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    trends = trend_report(shop, measure="views" if (shop.events["type"] == "view").any() else "sales",
                          out_dir=out, progress=progress)
    summary: dict[str, Any] = {
        "trends": {"measure": trends.measure, "categories": records(trends.categories),
                   "rising_items": records(trends.rising), "falling_items": records(trends.falling),
                   "weekdays": records(trends.weekdays), "anomaly_measure": trends.anomaly_measure,
                   "anomalies": records(trends.anomalies, 20),
                   "discount_windows": records(trends.promotions)},
        "charts": [p.name for p in trends.charts],
    }
    try:
        model = SegmentModel().fit(shop)
        summary["segments"] = records(model.segment_table())
    except InsufficientDataError as exc:
        model = None
        summary["segments"] = {"skipped": str(exc)}
    summary["exposure"] = logged_exposure(shop)
    summary["price_elasticity"] = records(price_elasticity(shop))
    inv = inventory_signals(shop)
    summary["inventory"] = {
        "items": len(inv), "out_of_stock": int((inv["stock"] <= 0).sum()),
        "stockout_risk_over_50pct": int((inv["stockout_risk"] > 0.5).sum()),
        "slow_movers": int(inv["slow_mover"].sum()),
        "at_risk": records(inv[inv["stock"] > 0].sort_values("stockout_risk", ascending=False), 10),
    }
    if proposals:
        found = propose(shop, segments=model, progress=progress)
        summary["proposals"] = [p.to_dict() for p in found]
    atomic_write_json(out / "strategy.json", summary, default=str)
    return summary
