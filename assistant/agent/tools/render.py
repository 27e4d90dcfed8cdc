"""Answer texts: the fixed replies, number formatting for templates, and a tool result's exact
answer (its tool's template, or the decline / error reply)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from assistant.agent.tools.result import ToolResult

DECLINE = ("I can't find that in our policies, so I won't guess. "
           "Please contact customer service for an answer.")
CHIT_CHAT = ("Hello! I can search products, recommend and explain rankings for a user, compare two items, "
             "report trends and segments, audit exposure, simulate boosts, propose promotions, and answer "
             "policy questions from the knowledge base.")
UNKNOWN = ("I'm not sure what you are asking. Try asking for recommendations for a user id, why an item is ranked "
           "where it is for a user, what the return policy is, or which categories are trending.")


def fmt(x: Any) -> str:
    """Numbers exactly as the facts hold them (facts are rounded already), no exponent, no "-0"."""
    if isinstance(x, float):
        text = f"{x:.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(x)


def items(rows: list[dict[str, Any]], extra: Callable[[dict[str, Any]], str] = lambda r: "") -> str:
    """"#1 P00042 Title; #2 ..." for ranked rows."""
    return "; ".join(f"#{r['rank']} {r['item_id']} {r['title']}{extra(r)}" for r in rows) if rows else "no results"


def components(parts: dict[str, float]) -> str:
    return ", ".join(f"{k} {fmt(v)}" for k, v in parts.items())


def shares(d: dict[str, Any]) -> str:
    return ", ".join(f"{k} {fmt(v)}%" for k, v in d.items())


# ---- figures for reading (the tools put them in the facts; templates only print them) ----------
def sig(x: Any, digits: int = 3) -> float:
    """``x`` rounded to ``digits`` significant digits (8.1474 -> 8.15, 0.40823 -> 0.408)."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return 0.0
    return round(x, max(0, digits - 1 - math.floor(math.log10(abs(x)))))


def usd(x: Any, *, signed: bool = False) -> str:
    """Money to the cent in the shop's currency (the ``currency`` setting, "$" by default), the
    sign before it: "$6.13", "-$18.62", "+$32.90" (signed), "6.13 EUR" with a currency code."""
    from assistant.wording import money

    return money(x, signed=signed)


def signed(x: Any) -> str:
    """A change with its sign: "+1.73", "-0.42", "0"."""
    return ("+" if float(x) > 0 else "") + fmt(x)


def pct_text(x: Any, *, signed_: bool = False) -> str:
    """A percentage figure (already x100, 1 decimal in the facts): "17.2%", "+17.2%"."""
    return (signed(x) if signed_ else fmt(x)) + "%"


def concentration(gini: float) -> str:
    """A Gini coefficient of exposure in words."""
    if gini < 0.2:
        return "evenly spread"
    if gini < 0.4:
        return "moderately concentrated"
    if gini < 0.6:
        return "concentrated"
    return "highly concentrated"


# Score components of the hybrid recommender (recsys_core.models: cf, item_knn, content, sequence,
# popularity, trend) and the live rules' parts ("rule:<id>"), in a merchandiser's words:
# (label, why it lifts an item, why it holds one back against another, why A beats B on it).
COMPONENT_WORDS: dict[str, tuple[str, str, str, str]] = {
    "cf": ("collaborative filtering", "customers with baskets like theirs bought it",
           "fewer customers with baskets like theirs bought it", "more customers with baskets like theirs bought it"),
    "item_knn": ("chosen together", "it is often chosen together with items they have",
                 "it is seldom chosen together with items they have", "it is chosen together with their items more often"),
    "content": ("content similarity", "it resembles items in their history",
                "it resembles their history less", "it resembles their history more"),
    "sequence": ("sequence", "it is close to what they viewed last",
                 "it is further from what they viewed last", "it is closer to what they viewed last"),
    "popularity": ("popularity", "it is popular across the shop",
                   "it is less popular across the shop", "it is more popular across the shop"),
    "trend": ("trend", "interest in it is rising", "interest in it is rising less", "interest in it is rising faster"),
    "retrieval": ("retrieval", "its words and meaning match the search", "it matches the search less",
                  "it matches the search better"),
    "personalisation": ("personalisation", "it suits what this shopper likes", "it suits this shopper less",
                        "it suits this shopper better"),
    "ranker:base": ("learned ranker's base value", "every result starts from it", "every result starts from it",
                    "both start from it"),
    "ranker:below_depth": ("below the learned ranker's top candidates", "it is past the learned ranker's depth",
                           "it is past the learned ranker's depth", "it is within the learned ranker's depth"),
}


def _ranker_words() -> None:
    """The learned search ranker's features (``ranker:<feature>``), in the same four forms."""
    from retrieval.rank_features import FEATURE_NAMES

    for feature, label in FEATURE_NAMES.items():
        COMPONENT_WORDS[f"ranker:{feature}"] = (label, f"the learned ranker rates its {label} highly",
                                               f"the learned ranker rates its {label} low",
                                               f"the learned ranker rates its {label} higher")


_ranker_words()


def component_label(name: str) -> str:
    """"collaborative filtering" for cf, "rule boostx" for rule:boostx; unknown names as they are."""
    if name.startswith("rule:"):
        return f"rule {name[5:]}"
    return COMPONENT_WORDS.get(name, (name,))[0]


def rule_summary(name: str, summaries: list[str] | None) -> str | None:
    """The rule's own summary ("boosted x4 by rule boostx") for a ``rule:<id>`` component."""
    if not name.startswith("rule:"):
        return None
    rule_id = name[5:]
    return next((s for s in summaries or [] if s.endswith(f"by rule {rule_id}")), None)


def component_phrase(name: str, how: str = "lifts", rules: list[str] | None = None) -> str:
    """Why a component matters, in words: ``how`` is "lifts", "holds" (held back) or "beats"."""
    if name.startswith("rule:"):
        summary = rule_summary(name, rules)
        if summary:
            return f"it is {summary}"
        return {"lifts": f"rule {name[5:]} lifts it", "holds": f"rule {name[5:]} holds it down"}.get(
            how, f"rule {name[5:]}")
    words = COMPONENT_WORDS.get(name)
    if words is None:
        return f"its {name} score"
    return words[{"lifts": 1, "holds": 2, "beats": 3}[how]]


def drivers(parts: dict[str, float], n: int = 3) -> list[dict[str, Any]]:
    """The ``n`` biggest positive parts of a score (each at least 5% of the positive total), for reading."""
    up = sorted(((k, v) for k, v in parts.items() if v > 0), key=lambda kv: -kv[1])
    total = sum(v for _, v in up)
    return [{"component": k, "label": component_label(k), "contribution": sig(v)}
            for k, v in up[:n] if v >= 0.05 * total]


def because(found: list[dict[str, Any]], score: float, rules: list[str] | None = None) -> str:
    """"mainly because <why> (<component>, 2.33 of 8.15), <why> (<component>, 1.94) and ..." from
    :func:`drivers` rows; "with score 8.15" when nothing lifts it."""
    parts = []
    for i, d in enumerate(found):
        share = f" of {fmt(score)}" if i == 0 else ""
        parts.append(f"{component_phrase(d['component'], 'lifts', rules)} ({d['label']}, {fmt(d['contribution'])}{share})")
    return "mainly because " + listing(parts) if parts else f"with score {fmt(score)}"


def listing(parts: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def render(result: ToolResult) -> str:
    """The deterministic answer for a tool result (always grounded: it only prints the facts)."""
    from assistant.agent.tools.registry import get_tool

    if result.declined:
        own = get_tool(result.tool).decline
        return own(result.facts) if own is not None else DECLINE
    if result.error:
        if result.facts.get("unknown_id") is not None:  # an id the shop does not have: its message is the answer
            return f"{result.error}."
        return f"I couldn't answer that: {result.error}"
    return get_tool(result.tool).template(result.facts)
