"""trend_report: rising and falling categories with 95% intervals, anomalies, promotion windows."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from assistant.agent.tools.registry import Plan, Tool, phrasings, register
from assistant.agent.tools.render import fmt, pct_text
from assistant.agent.tools.result import ToolResult, pct


class Args(BaseModel):
    category: str | None = None
    top: int = 3


def run(service: Any, category: str | None = None, top: int = 3) -> ToolResult:
    rep = service.strategy.trends

    def rows(frame: Any) -> list[dict[str, Any]]:
        return [{"key": str(r.key), "weekly_growth_pct": pct(r.weekly_growth), "ci_low_pct": pct(r.ci_low),
                 "ci_high_pct": pct(r.ci_high), "trend": str(r.trend)} for r in frame.itertuples()]

    cats = rep.categories
    facts: dict[str, Any] = {"measure": rep.measure, "ci_level_pct": 95}
    if category:
        facts["category"] = rows(cats[cats["key"].str.lower() == category.lower()])
    facts["rising"] = rows(cats[cats["trend"] == "rising"].head(top))
    facts["falling"] = rows(cats[cats["trend"] == "falling"].sort_values("weekly_growth").head(top))
    if len(cats):  # the steepest either way, whether or not its interval rules out no change
        facts["steepest_up"] = rows(cats.sort_values("weekly_growth", ascending=False).head(1))[0]
        facts["steepest_down"] = rows(cats.sort_values("weekly_growth").head(1))[0]
    facts["anomalies"] = [{"key": str(a.key), "date": str(a.start.date()), "direction": str(a.direction)}
                          for a in rep.anomalies.head(3).itertuples()]
    facts["promotions"] = [{"key": str(p.key), "start": str(p.start.date()), "end": str(p.end.date()),
                            "median_discount_pct": pct(p.median_discount, 0)} for p in rep.promotions.itertuples()]
    return ToolResult("trend_report", {"category": category}, facts, ["trend_report"])


def _growth(r: dict[str, Any], ci: int) -> str:
    """"+17.2% a week (95% interval -20.9% to +73.6%)"."""
    return (f"{pct_text(r['weekly_growth_pct'], signed_=True)} a week ({ci}% interval "
            f"{pct_text(r['ci_low_pct'], signed_=True)} to {pct_text(r['ci_high_pct'], signed_=True)})")


def template(f: dict[str, Any]) -> str:
    ci, measure = f["ci_level_pct"], f["measure"]
    parts = []
    for r in f.get("category") or []:
        state = {"rising": "rising", "falling": "falling"}.get(r["trend"], "flat (no clear trend)")
        parts.append(f"{r['key'][:1].upper()}{r['key'][1:]} is {state} in {measure}: {_growth(r, ci)}.")
    if f.get("category") is not None and not f["category"]:
        parts.append("That category has no weekly figures.")
    if f["rising"] or f["falling"]:
        for word, rows in (("Rising", f["rising"]), ("Falling", f["falling"])):
            if rows:
                parts.append(f"{word} in {measure}: " + "; ".join(f"{r['key']} {_growth(r, ci)}" for r in rows) + ".")
    elif f.get("steepest_up"):
        up, down = f["steepest_up"], f["steepest_down"]
        parts.append(f"No category is clearly rising or falling in {measure} (none passes the significance "
                     f"test). Steepest up: {up['key']} {_growth(up, ci)}; steepest down: {down['key']} "
                     f"{_growth(down, ci)}.")
    if f.get("anomalies"):
        parts.append("Unusual days: " + "; ".join(f"{a['key']} {a['direction']} on {a['date']}" for a in f["anomalies"]) + ".")
    if f["promotions"]:
        parts.append("Promotion windows: " + "; ".join(
            f"{p['key']} {p['start']} to {p['end']} ({fmt(p['median_discount_pct'])}% off)" for p in f["promotions"]) + ".")
    return " ".join(parts)


def plan(slots: Any, question: str, user: str | None) -> Plan:
    return Plan("trend_report", {"category": slots.category})


TOOL = register(Tool(
    name="trend_report",
    label="rising and falling categories",
    description="Rising and falling categories (weekly growth with 95% interval), anomalies, promotion windows.",
    args=Args, run=run, template=template, plan=plan, structured=True,
    examples=phrasings("trend_report"),
))
