"""The data-quality report written beside every store version (JSON + markdown rendering)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from recsys_core.data.shop import ShopData
from recsys_core.errors import DataIssue


def build_report(
    shop: ShopData, issues: list[DataIssue], *, source: str, repair: bool, max_issues: int
) -> dict[str, Any]:
    events = shop.events
    ts = events["timestamp"].dropna()
    nulls = {
        name: {col: int(n) for col, n in frame.isna().sum().items() if n}
        for name, frame in shop.tables().items()
    }
    by_action = Counter(i.action for i in issues)
    by_problem = Counter((i.file, i.column, i.problem.split(" (")[0], i.action) for i in issues)
    return {
        "created_at": datetime.now(UTC).isoformat(),
        "source": source,
        "mode": "repair" if repair else "strict",
        "counts": shop.counts(),
        "date_range": [ts.min().isoformat(), ts.max().isoformat()] if len(ts) else None,
        "event_types": {str(k): int(v) for k, v in events["type"].value_counts().items()},
        "top_categories": {
            str(k): int(v) for k, v in shop.products["category"].value_counts().head(10).items()
        },
        "null_counts": nulls,
        "issue_counts": dict(by_action),
        "issue_summary": [
            {"file": f, "column": c, "problem": p, "action": a, "count": n}
            for (f, c, p, a), n in by_problem.most_common()
        ],
        "issues": [i.to_dict() for i in issues[:max_issues]],
        "issues_truncated": max(0, len(issues) - max_issues),
    }


def report_markdown(report: dict[str, Any]) -> str:
    lines = [f"# Data-quality report ({report.get('mode')} ingest of {report.get('source')})", ""]
    lines.append("| table | rows |")
    lines.append("|---|---|")
    for name, n in report.get("counts", {}).items():
        lines.append(f"| {name} | {n:,} |")
    if report.get("date_range"):
        lines += ["", f"Events from {report['date_range'][0]} to {report['date_range'][1]}."]
    summary = report.get("issue_summary", [])
    lines += ["", f"## Findings ({sum(s['count'] for s in summary)})", ""]
    if not summary:
        lines.append("No problems found.")
    for s in summary:
        col = f" column '{s['column']}'" if s["column"] else ""
        lines.append(f"- {s['file']}{col}: {s['problem']} — {s['action']} × {s['count']}")
    return "\n".join(lines) + "\n"
