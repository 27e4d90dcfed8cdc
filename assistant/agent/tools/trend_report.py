"""trend_report: rising and falling categories with 95% intervals, anomalies, promotion windows."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from assistant.agent.tools.registry import Plan, Tool, register
from assistant.agent.tools.render import fmt
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
    facts["anomalies"] = [{"key": str(a.key), "date": str(a.start.date()), "direction": str(a.direction)}
                          for a in rep.anomalies.head(3).itertuples()]
    facts["promotions"] = [{"key": str(p.key), "start": str(p.start.date()), "end": str(p.end.date()),
                            "median_discount_pct": pct(p.median_discount, 0)} for p in rep.promotions.itertuples()]
    return ToolResult("trend_report", {"category": category}, facts, ["trend_report"])


def template(f: dict[str, Any]) -> str:
    def rows(rs: list[dict[str, Any]]) -> str:
        return ", ".join(f"{r['key']} {fmt(r['weekly_growth_pct'])}% a week ({f['ci_level_pct']}% CI "
                         f"{fmt(r['ci_low_pct'])} to {fmt(r['ci_high_pct'])})" for r in rs) or "none"

    text = f"Requested category: {rows(f['category'])}. " if f.get("category") is not None else ""
    text += f"Rising {f['measure']}: {rows(f['rising'])}. Falling: {rows(f['falling'])}."
    if f["promotions"]:
        text += " Promotion windows: " + ", ".join(
            f"{p['key']} {p['start']} to {p['end']} ({fmt(p['median_discount_pct'])}% off)" for p in f["promotions"]) + "."
    return text


def plan(slots: Any, question: str, user: str | None) -> Plan:
    return Plan("trend_report", {"category": slots.category})


TOOL = register(Tool(
    name="trend_report",
    description="Rising and falling categories (weekly growth with 95% interval), anomalies, promotion windows.",
    args=Args, run=run, template=template, plan=plan, priority=60, structured=True,
    patterns=(r"\btrend", r"\brising\b", r"\bfalling\b", r"\bgrowing\b", r"\bdeclining\b", r"\bseasonal",
              r"\banomal", r"\bspikes?\b", r"\bweekly sales\b", r"\bgrowth\b", r"\bhot right now\b", r"\bpeak\b"),
    examples=("Which categories are trending up this month?", "what is falling in sales?",
              "any anomalies or spikes recently?", "How is the garden category trending?"),
))
