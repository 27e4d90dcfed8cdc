"""A short human summary of a stored shop (``shelfwise info``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from recsys_core.data.store import load_quality_report, load_store, read_manifest


def shop_summary(workspace: str | os.PathLike[str]) -> dict[str, Any]:
    shop = load_store(workspace)
    manifest = read_manifest(workspace)
    report = load_quality_report(workspace)
    events = shop.events
    ts = events["timestamp"].dropna()
    purchases = events[events["type"] == "purchase"]
    revenue = float((purchases["quantity"].fillna(1) * purchases["unit_price"].fillna(0)).sum())
    stock = shop.products["stock"]
    return {
        "store_version": manifest["version_id"],
        "source": manifest.get("source", ""),
        "counts": shop.counts(),
        "date_range": [ts.min().date().isoformat(), ts.max().date().isoformat()]
        if len(ts)
        else None,
        "days": int((ts.max() - ts.min()).days) + 1 if len(ts) else 0,
        "event_types": {str(k): int(v) for k, v in events["type"].value_counts().items()},
        "top_categories": {
            str(k): int(v) for k, v in shop.products["category"].value_counts().head(5).items()
        },
        "purchase_revenue": round(revenue, 2),
        "out_of_stock_items": int((stock == 0).sum()),
        "average_rating": round(float(shop.reviews["rating"].mean()), 2) if len(shop.reviews) else None,
        "quality_findings": report.get("issue_counts", {}),
        "quality_summary": report.get("issue_summary", [])[:10],
    }


def format_summary(summary: dict[str, Any], money: Callable[[float], str] | None = None) -> str:
    """The summary as text; ``money`` writes an amount (default: to the cent, no currency)."""
    c = summary["counts"]
    lines = [
        f"Shop store version {summary['store_version']}",
        f"  products {c['products']:,} · users {c['users']:,} · events {c['events']:,} · "
        f"knowledge-base docs {c['knowledge_base']:,} · trend notes {c['trends']:,} · "
        f"reviews {c.get('reviews', 0):,}",
    ]
    if summary["date_range"]:
        lines.append(
            f"  events from {summary['date_range'][0]} to {summary['date_range'][1]} ({summary['days']} days)"
        )
    types = ", ".join(f"{k} {v:,}" for k, v in summary["event_types"].items())
    lines.append(f"  event types: {types}")
    lines.append(
        f"  purchase revenue {(money or '{:,.2f}'.format)(summary['purchase_revenue'])}; out-of-stock items {summary['out_of_stock_items']:,}"
    )
    if summary.get("average_rating") is not None:
        lines.append(f"  reviews: average rating {summary['average_rating']:.2f} of 5")
    cats = ", ".join(f"{k} ({v})" for k, v in summary["top_categories"].items())
    lines.append(f"  top categories: {cats}")
    findings = summary["quality_findings"]
    if findings:
        lines.append("  data quality: " + ", ".join(f"{v:,} {k}" for k, v in findings.items()))
        for s in summary["quality_summary"][:5]:
            col = f" '{s['column']}'" if s["column"] else ""
            lines.append(f"    - {s['file']}{col}: {s['problem']} ({s['action']} × {s['count']})")
    else:
        lines.append("  data quality: no findings")
    return "\n".join(lines)
