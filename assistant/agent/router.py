"""Deterministic routing from a question to one tool, read from the tool registry.

Each registered tool declares its cues (regular expressions), its priority, which slots it needs
and when it hands a question to a better-suited tool; the router tries them in priority order,
so even a 135M model never has to route. A short follow-up ("and for user 17?") continues the
previous turn's tool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.agent.lexicon import Lexicon
from assistant.agent.slots import Slots, extract_slots
from assistant.agent.tools import registered_tools

CHIT_CHAT = "chit_chat"
UNKNOWN = "unknown"
_GREETING = re.compile(r"^\s*(?:hi|hello|hey|thanks|thank you|good (?:morning|afternoon|evening)|bye|who are you|"
                       r"what can you do|help)\b", re.I)
_FOLLOWUP = re.compile(r"^\s*(?:and|what about|how about|same for|now for|and now|ok(?:ay)?,? (?:and|now))\b|"
                       r"^\s*(?:for )?(?:user|customer|item|product|brand)\s", re.I)


def intents() -> tuple[str, ...]:
    """Every intent the router can return: the registered tools, chit-chat and unknown."""
    return (*registered_tools(), CHIT_CHAT, UNKNOWN)


@dataclass
class Route:
    """The parser's decision: an intent (a tool name, chit_chat or unknown), its slots, and
    whether it continued the previous turn."""

    intent: str
    slots: Slots
    followup: bool = False
    matched: list[str] = field(default_factory=list)  # tools whose cues matched, for the trace


def route(text: str, lex: Lexicon, previous: Route | None = None) -> Route:
    """Intent and slots of ``text``; a short follow-up ("and for user 17?") reuses ``previous``."""
    slots = extract_slots(text, lex)
    registry = registered_tools()
    matched = [name for name, tool in registry.items() if tool.matches(text)]
    if _GREETING.search(text):
        matched.append(CHIT_CHAT)
    if previous is not None and previous.intent not in (CHIT_CHAT, UNKNOWN) and _FOLLOWUP.search(text):
        others = [m for m in matched if m not in (CHIT_CHAT, previous.intent)]
        if not others or len(text.split()) <= 6:
            return Route(previous.intent, slots.merged_over(previous.slots), followup=True, matched=matched)
    for name in matched:
        tool = registry.get(name)
        if tool is None:
            return Route(name, slots, matched=matched)
        if tool.accepts(slots, text):
            return Route(tool.hand_over(slots, text) or name, slots, matched=matched)
    if slots.item_ids and not slots.user_id:
        return Route("lookup_product", slots, matched=matched)
    if slots.user_id:
        return Route("recommend_for_user", slots, matched=matched)
    if slots.product_type or slots.brands or slots.categories:
        return Route("search_products", slots, matched=matched)
    return Route(UNKNOWN, slots, matched=matched)
