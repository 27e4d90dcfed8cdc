"""whatif: replay the logged lists with and without a boost of a brand, category or item."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from assistant.agent.tools.registry import Plan, Tool, register
from assistant.agent.tools.render import fmt
from assistant.agent.tools.result import ToolResult, pct


class Args(BaseModel):
    percent: float = Field(gt=-100, le=1000, description="boost in percent (negative buries)")
    brand: str | None = None
    category: str | None = None
    item_id: str | None = None


def _r(x: Any, digits: int = 2) -> float | None:
    try:
        return round(float(x), digits)
    except (TypeError, ValueError):
        return None


def run(service: Any, percent: float, brand: str | None = None, category: str | None = None,
        item_id: str | None = None) -> ToolResult:
    from recsys_core.strategy.engine import boost_change
    from recsys_core.strategy.rules import RuleSet
    from recsys_core.strategy.whatif import Change

    if item_id:
        service.check_item(item_id)
    boost = boost_change(percent, brand=brand, category=category, item_id=item_id)
    live = service.live_rules()  # the boost on top of the live rules, against the live rules
    change = Change(name=boost.name, rules=RuleSet(rules=(*live.rules, *boost.rules.rules)))
    rep = service.strategy.whatif(change, baseline=Change(name="live rules", rules=live))
    metrics = [{"metric": str(m.metric), "before": _r(m.before), "after": _r(m.after), "delta": _r(m.delta),
                "ci_low": _r(m.ci_low), "ci_high": _r(m.ci_high)} for m in rep.metrics.itertuples()]
    moved = [{"level": str(e.level), "key": str(e.key), "before_pct": pct(e.before_share), "after_pct": pct(e.after_share)}
             for e in rep.exposure.head(3).itertuples()]
    facts = {"change": boost.name, "period": list(rep.period), "sessions": rep.sessions, "lists": rep.lists,
             "lists_changed": rep.lists_changed, "metrics": metrics, "exposure_moved": moved, "ci_level_pct": 95}
    return ToolResult("whatif", {"percent": percent, "brand": brand, "category": category, "item_id": item_id},
                      facts, ["whatif:replay"])


def template(f: dict[str, Any]) -> str:
    ms = "; ".join(f"{m['metric']} {fmt(m['before'])} -> {fmt(m['after'])} ({f['ci_level_pct']}% CI of the change "
                   f"{fmt(m['ci_low'])} to {fmt(m['ci_high'])})" for m in f["metrics"]
                   if m["metric"] in ("clicks", "purchases", "revenue", "margin"))
    moved = ", ".join(f"{e['key']} {fmt(e['before_pct'])}% -> {fmt(e['after_pct'])}%" for e in f["exposure_moved"])
    return (f"What-if ({f['change']}), replaying {f['sessions']} sessions from {f['period'][0]} to {f['period'][1]} "
            f"({f['lists_changed']} of {f['lists']} lists change): {ms}. Exposure moved: {moved}.")


def plan(slots: Any, question: str, user: str | None) -> Plan:
    if slots.percent is None:
        return Plan(None, ask="By how much? e.g. \"what if I boost brand Voltix by 20%\".")
    if not (slots.brands or slots.categories or slots.item_ids):
        return Plan(None, ask="Boost which brand, category or item?")
    return Plan("whatif", {"percent": slots.percent, "brand": slots.brands[0] if slots.brands else None,
                           "category": None if slots.brands else slots.category,
                           "item_id": None if (slots.brands or slots.categories) else slots.item_ids[0]})


_CHANGE = re.compile(r"\b(?:boost|bury|buri|pin|demot|promot|discount|price|rule|re-?rank|weight)|%", re.I)


def accepts(slots: Any, text: str) -> bool:
    """"What happens if I miss a delivery" is a policy question, not a simulation."""
    return bool(_CHANGE.search(text) or slots.percent is not None)


TOOL = register(Tool(
    name="whatif",
    description="What-if: replay logged sessions with and without a boost (on top of the live rules); "
                "clicks, purchases, revenue, margin with 95% intervals, and exposure moved.",
    args=Args, run=run, template=template, plan=plan, accepts=accepts, priority=20, structured=True,
    patterns=(r"\bwhat (?:if|happens|would happen)\b", r"\bsimulat", r"\bif (?:i|we) (?:boost|bury|pin|demote|promote)",
              r"\bimpact of (?:boosting|burying|pinning)", r"\breplay\b"),
    examples=("What if I boost brand Alpenglow by 20%?", "what happens if we boost Voltix by 50 percent",
              "Simulate a 30% boost for the garden category"),
))
