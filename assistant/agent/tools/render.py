"""Answer texts: the fixed replies, number formatting for templates, and a tool result's exact
answer (its tool's template, or the decline / error reply)."""

from __future__ import annotations

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


def render(result: ToolResult) -> str:
    """The deterministic answer for a tool result (always grounded: it only prints the facts)."""
    from assistant.agent.tools.registry import get_tool

    if result.declined:
        return DECLINE
    if result.error:
        return f"I couldn't answer that: {result.error}"
    return get_tool(result.tool).template(result.facts)
