"""whatif: replay the logged lists with and without a boost of a brand, category or item."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.agent.tools.registry import Plan, Tool, phrasings, register
from assistant.agent.tools.render import fmt, listing, signed, usd
from assistant.agent.tools.result import ToolResult, pct


class Args(BaseModel):
    percent: float = Field(gt=-100, le=1000, description="boost in percent (negative buries)")
    brand: str | None = None
    category: str | None = None
    item_id: str | None = None
    user_id: str | None = Field(default=None, description="also show how this customer's top 10 would change")
    within: str | None = Field(default=None, description="limit the boost to this category's lists")
    claim_metric: Literal["clicks", "purchases", "revenue", "margin"] | None = Field(
        default=None, description="a hypothesis to judge: the metric it says moves")
    claim_direction: Literal["up", "down"] | None = Field(default=None, description="... and which way")
    claim_negated: bool = Field(default=False, description="stated as 'won't go <the other way>'")
    assumed_percent: bool = Field(default=False, description="the percent was not given; a standard size was used")


USER_DEPTH = 10  # the customer's list compared before and after


def _r(x: Any, digits: int = 2) -> float | None:
    try:
        return round(float(x), digits)
    except (TypeError, ValueError):
        return None


def _verdict(low: float | None, high: float | None) -> str:
    """What a 95% interval of a change says in words."""
    if low is not None and low > 0:
        return "likely up"
    if high is not None and high < 0:
        return "likely down"
    return "could go either way"


def _money_reading(m: dict[str, Any]) -> dict[str, str]:
    """A money metric's change and interval as a merchandiser reads them ("+$6.13", "-$18.62 to +$32.90")."""
    return {"change": usd(m["delta"] or 0.0, signed=True),
            "interval": f"{usd(m['ci_low'] or 0.0, signed=True)} to {usd(m['ci_high'] or 0.0, signed=True)}",
            "verdict": _verdict(m["ci_low"], m["ci_high"])}


def user_list_change(service: Any, user_id: str, live: Any, changed: Any, k: int = USER_DEPTH) -> dict[str, Any]:
    """A customer's top ``k`` under the live rules and with the change: what enters, leaves and moves."""
    before = [r.item_id for r in service.recommend(user_id, k=k, rules=live)]
    after = [r.item_id for r in service.recommend(user_id, k=k, rules=changed)]
    moved = [{"item_id": i, "before": before.index(i) + 1, "after": after.index(i) + 1}
             for i in after if i in before and before.index(i) != after.index(i)]
    return {"user_id": user_id, "k": k, "before": before, "after": after,
            "entered": [{"item_id": i, "after": after.index(i) + 1} for i in after if i not in before],
            "left": [{"item_id": i, "before": before.index(i) + 1} for i in before if i not in after],
            "moved": sorted(moved, key=lambda m: -abs(m["before"] - m["after"]))}


HYPOTHESIS_BOOST, HYPOTHESIS_BURY = 50.0, -30.0  # a hypothesis without a size: x1.5 / x0.7

_METRIC_WORDS = {
    "revenue": r"revenue|sales|turnover|takings|收入|营收|销售额",
    "margin": r"margins?|profits?|earnings|利润|毛利",
    "clicks": r"clicks?|click-?through|ctr|点击\w*",
    "purchases": r"purchases|orders|conversions?|units sold|购买|订单|销量|转化",
}
_UP = r"rais\w*|increas\w*|lift\w*|grow\w*|improv\w*|boosts?|go(?:es)? up|rise\w*|more|提高|增加|提升|上升|增长"
_DOWN = r"lower\w*|reduc\w*|decreas\w*|hurt\w*|cut\w*|drops?|go(?:es)? down|fall\w*|less|降低|减少|下降|下滑"


_NOT = re.compile(r"\b(?:won'?t|will not|wouldn'?t|would not|doesn'?t|does not|don'?t|do not|isn'?t|cannot|can'?t|never)\b"
                  r"(?:\s+\w+){0,2}\s*$|不会|不能|没有$", re.I)


def claim_of(text: str) -> tuple[str, str, bool] | None:
    """(metric, "up"/"down", negated) of a hypothesis such as "... raises margin" / "revenue will
    drop" / "会提高利润"; a negated one ("won't hurt revenue") is judged as claiming the other way."""
    for metric, words in _METRIC_WORDS.items():
        for direction, verbs in (("up", _UP), ("down", _DOWN)):
            before = re.search(rf"(?:{verbs})\W{{0,3}}(?:(?:the|our|its|their|total|overall|shop'?s|store'?s)\s+){{0,2}}"
                               rf"(?:{words})", text, re.I)
            after = re.search(rf"(?:{words})\s*(?:(?:will|would|should|could|does|do|is going to|会|将)\s*)?(?:{verbs})", text, re.I)
            found = before or after
            if found:
                negated = bool(_NOT.search(text[:found.start()] if before else text[:found.end()].rsplit(" ", 1)[0]))
                return metric, ({"up": "down", "down": "up"}[direction] if negated else direction), negated
    return None


def run(service: Any, percent: float, brand: str | None = None, category: str | None = None,
        item_id: str | None = None, user_id: str | None = None, within: str | None = None,
        claim_metric: str | None = None, claim_direction: str | None = None, claim_negated: bool = False,
        assumed_percent: bool = False) -> ToolResult:
    from recsys_core.strategy.engine import boost_change
    from recsys_core.strategy.rules import RuleSet
    from recsys_core.strategy.whatif import Change

    if item_id:
        service.check_item(item_id)
    boost = boost_change(percent, brand=brand, category=category, item_id=item_id,
                         within=within if (brand or item_id) else None)
    live = service.live_rules()  # the boost on top of the live rules, against the live rules
    change = Change(name=boost.name, rules=RuleSet(rules=(*live.rules, *boost.rules.rules)))
    rep = service.strategy.whatif(change, baseline=Change(name="live rules", rules=live))
    metrics = [{"metric": str(m.metric), "before": _r(m.before), "after": _r(m.after), "delta": _r(m.delta),
                "ci_low": _r(m.ci_low), "ci_high": _r(m.ci_high)} for m in rep.metrics.itertuples()]
    moved = [{"level": str(e.level), "key": str(e.key), "before_pct": pct(e.before_share), "after_pct": pct(e.after_share)}
             for e in rep.exposure.head(3).itertuples()]
    what = brand or category or item_id
    level = "brand" if brand else ("category" if category else "item")
    facts: dict[str, Any] = {
        "change": boost.name, "period": list(rep.period), "sessions": rep.sessions, "lists": rep.lists,
        "lists_changed": rep.lists_changed, "metrics": metrics, "exposure_moved": moved, "ci_level_pct": 95,
        "target": {"level": level, "key": what, "percent": percent, "action": "boost" if percent > 0 else "bury",
                   "within": within if (brand or item_id) else None},
        "rules": [r.model_dump(mode="json", exclude_defaults=True) for r in boost.rules.rules]}
    if assumed_percent:
        facts["assumed_percent"] = True
    if claim_metric and claim_direction:
        from recsys_core.strategy.lab.hypothesis import judge_claim

        facts["claim"] = judge_claim(rep, claim_metric, claim_direction) | {"negated": claim_negated}
    own = rep.exposure[(rep.exposure["level"] == level) & (rep.exposure["key"].astype(str).str.lower() == str(what).lower())]
    if len(own):
        e = own.iloc[0]
        facts["target_exposure"] = {"before_pct": pct(e.before_share), "after_pct": pct(e.after_share)}
    others = rep.exposure[(rep.exposure["level"] == level) & (rep.exposure["key"].astype(str).str.lower() != str(what).lower())]
    for name, rows in (("exposure_lost", others[others["moved"] < 0].sort_values("moved")),
                       ("exposure_gained", others[others["moved"] > 0].sort_values("moved", ascending=False))):
        facts[name] = [{"key": str(e.key), "before_pct": pct(e.before_share), "after_pct": pct(e.after_share)}
                       for e in rows.head(2).itertuples()]
    by_name = {m["metric"]: m for m in metrics}
    facts["reading"] = {k: _money_reading(by_name[k]) for k in ("revenue", "margin") if k in by_name}
    args = {"percent": percent, "brand": brand, "category": category, "item_id": item_id}
    args |= {k: v for k, v in (("within", within), ("claim_metric", claim_metric), ("claim_direction", claim_direction),
                               ("claim_negated", claim_negated or None), ("assumed_percent", assumed_percent or None)) if v}
    if user_id:
        facts["user_list"] = user_list_change(service, user_id, live, change.rules)
        args["user_id"] = user_id
    return ToolResult("whatif", args, facts, ["whatif:replay"])


_VERDICT = {"supported": "the replay supports it", "contradicted": "the replay contradicts it",
            "not settled": "the replay cannot settle it (its 95% interval spans zero)"}


def _claim_sentence(f: dict[str, Any]) -> str:
    c, t = f["claim"], f["target"]
    where = f" in {t['within']}" if t.get("within") else ""
    verb = "boosting" if t["action"] == "boost" else "burying"
    size = f" (tested as x{1 + t['percent'] / 100:g}, a standard size, since none was given)" if f.get("assumed_percent") else ""
    moved = usd(c["delta"], signed=True) if c["metric"] in ("revenue", "margin") else signed(c["delta"])
    band = (f"{usd(c['ci_low'], signed=True)} to {usd(c['ci_high'], signed=True)}" if c["metric"] in ("revenue", "margin")
            else f"{fmt(c['ci_low'])} to {fmt(c['ci_high'])}")
    claim = (f"does not make {c['metric']} go {'down' if c['direction'] == 'up' else 'up'}" if c.get("negated")
             else f"makes {c['metric']} go {c['direction']}")
    return (f"Hypothesis: {verb} {t['key']}{where}{size} {claim} - {_VERDICT[c['verdict']]}: "
            f"{c['metric']} {moved} (95% interval {band}). ")


def template(f: dict[str, Any]) -> str:
    t = f["target"]
    where = f" in {t['within']}" if t.get("within") else ""
    head = (f"Boosting {t['key']}{where} by {fmt(t['percent'])}%" if t["action"] == "boost"
            else f"Burying {t['key']}{where} ({fmt(t['percent'])}%)")
    if f.get("claim"):
        head = _claim_sentence(f) + head
    own = f.get("target_exposure")
    if own:
        verb = ("raise" if own["after_pct"] > own["before_pct"] else
                "lower" if own["after_pct"] < own["before_pct"] else "keep")
        exposure = f"would {verb} its share of exposure from {fmt(own['before_pct'])}% to {fmt(own['after_pct'])}%"
    else:
        exposure = "would move exposure"
    down = bool(own) and own["after_pct"] < own["before_pct"]
    others = [f"{e['key']} ({fmt(e['before_pct'])}% -> {fmt(e['after_pct'])}%)"
              for e in f.get("exposure_gained" if down else "exposure_lost") or []]
    where = "mostly going to" if down else "mostly taken from"
    text = f"{head} {exposure}" + (f", {where} {listing(others)}" if others else "") + "."
    money = [f"{k} {r['change']} ({f['ci_level_pct']}% interval {r['interval']}, {r['verdict']})"
             for k, r in (f.get("reading") or {}).items()]
    if money:
        text += f" {money[0][:1].upper()}{money[0][1:]}" + "".join(f"; {m}" for m in money[1:]) + "."
    counts = [f"{m['metric']} {signed(m['delta'])} ({fmt(m['ci_low'])} to {fmt(m['ci_high'])})"
              for m in f["metrics"] if m["metric"] in ("clicks", "purchases") and m["delta"] is not None]
    if counts:
        text += " " + "; ".join(counts)[:1].upper() + "; ".join(counts)[1:] + "."
    text += (f" Replayed {f['sessions']} sessions from {f['period'][0]} to {f['period'][1]}; "
             f"{f['lists_changed']} of {f['lists']} lists change.")
    u = f.get("user_list")
    if u:
        parts = ([f"{e['item_id']} enters at #{e['after']}" for e in u["entered"][:3]]
                 + [f"{m['item_id']} moves #{m['before']} -> #{m['after']}" for m in u["moved"][:3]]
                 + [f"{e['item_id']} drops out (was #{e['before']})" for e in u["left"][:3]])
        text += (f" For {u['user_id']}'s top {u['k']}: " + "; ".join(parts) + "." if parts
                 else f" {u['user_id']}'s top {u['k']} would not change.")
    return text


def _names(question: str, category: str) -> bool:
    """The question names the category itself (a fuzzy guess from other words does not scope a rule)."""
    from assistant.agent.glossary import english_form

    return category.lower() in english_form(question).lower()


def plan(slots: Any, question: str, user: str | None) -> Plan:
    claim = claim_of(question)
    if slots.percent is None and claim is None:
        return Plan(None, ask="By how much? e.g. \"what if I boost brand Voltix by 20%\".")
    if not (slots.brands or slots.categories or slots.item_ids):
        return Plan(None, ask="Boost which brand, category or item?")
    percent = slots.percent
    if percent is None:  # a hypothesis names no size: test a standard one and say so
        percent = HYPOTHESIS_BURY if slots.demote else HYPOTHESIS_BOOST
    args: dict[str, Any] = {"percent": percent, "brand": slots.brands[0] if slots.brands else None,
                            "category": None if slots.brands else slots.category,
                            "item_id": None if (slots.brands or slots.categories) else slots.item_ids[0]}
    if slots.brands and slots.category and _names(question, slots.category):  # "Northpeak in outdoor"
        args["within"] = slots.category
    if claim:
        args["claim_metric"], args["claim_direction"], negated = claim
        if negated:
            args["claim_negated"] = True
    if slots.percent is None:
        args["assumed_percent"] = True
    if slots.user_id:  # "... how does user 7's list change?"
        args["user_id"] = slots.user_id
    return Plan("whatif", args)


_CHANGE = re.compile(r"\b(?:boost|bury|buri|pin|demot|promot|discount|price|rule|re-?rank|weight)|%", re.I)


def accepts(slots: Any, text: str) -> bool:
    """"What happens if I miss a delivery" is a policy question, not a simulation."""
    return bool(_CHANGE.search(text) or slots.percent is not None or (claim_of(text) and _PUSH.search(text)))


_PUSH = re.compile(r"\b(?:push\w*|promot\w*|feature\w*|highlight\w*|showcas\w*|more visib\w*)|提升|加权|推广", re.I)


TOOL = register(Tool(
    name="whatif",
    label="a what-if simulation of a boost or bury",
    description="What-if: replay logged sessions with and without a boost (on top of the live rules); "
                "clicks, purchases, revenue, margin with 95% intervals, and exposure moved; with a user, how "
                "that customer's top 10 changes.",
    args=Args, run=run, template=template, plan=plan, accepts=accepts, structured=True,
    examples=phrasings("whatif"),
))
