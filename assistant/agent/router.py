"""Routing by meaning: a question's intent comes from the intent classifier (trained on the
example phrasings each tool declares), its slots from :mod:`assistant.agent.slots`, and what it
leaves out from the conversation.

- The classifier ranks every intent; a tool whose slots cannot work (a simulation with nothing
  to change, a comparison of one item) is passed over for the next.
- A follow-up ("and for user 20?", "same for U00020", "and in garden?") continues the previous
  tool with the new slots over the old; a reference ("how many are left?", "what puts the top
  one there?", "is the second one in stock?") takes its item from the previous answer.
- When the classifier is unsure, the route is a clarifying question that offers the two most
  likely readings (the UI shows them as buttons), never "I don't understand".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.agent.intent import IntentClassifier, bank_classifier
from assistant.agent.lexicon import Lexicon
from assistant.agent.slots import Slots, extract_slots
from assistant.agent.tools import example_bank, registered_tools

CHIT_CHAT = "chit_chat"
UNKNOWN = "unknown"
CLARIFY = "clarify"
# below this probability the classifier's first reading is offered next to its second, not acted on
# (chosen on the dev half of the assistant evaluation set: benchmarks/assistant.py --tune)
MIN_CONFIDENCE = 0.30
# a follow-up keeps the previous tool unless the classifier is at least this sure of another
SWITCH_CONFIDENCE = 0.60
# tools whose answer is a list the next question can point into ("the second one")
LIST_TOOLS = ("recommend_for_user", "search_products")
_ITEM_TOOLS = ("lookup_product", "explain_ranking", "compare")


def intents() -> tuple[str, ...]:
    """Every intent the router can return: the registered tools, chit-chat, clarify and unknown."""
    return (*registered_tools(), CHIT_CHAT, CLARIFY, UNKNOWN)


@dataclass
class Route:
    """The router's decision: an intent (a tool name, chit_chat, clarify or unknown), its slots,
    whether it continued the previous turn, and the classifier's ranking behind it."""

    intent: str
    slots: Slots
    followup: bool = False
    confidence: float = 1.0
    ranked: list[tuple[str, float]] = field(default_factory=list)  # top readings, for the trace
    options: list[str] = field(default_factory=list)  # clarify: the intents offered
    shown: list[str] = field(default_factory=list)  # item ids the answer listed, in order (memory)
    listed: list[str] = field(default_factory=list)  # the last list shown in the conversation ("the third one")


def classifier() -> IntentClassifier:
    """The intent classifier of the registered tools' example bank (fitted once per process)."""
    return bank_classifier(example_bank())


def _usable(intent: str, slots: Slots, text: str) -> bool:
    tool = registered_tools().get(intent)
    return tool is None or tool.accepts(slots, text)


_FILLER = frozenset("""and also then ok okay now what about how for in of on with same thing the a an please user
customer shopper client member item product sku id number no one ones is it its that this do does same again
instead too as well question""".split())


def _bare(text: str, lex: Lexicon) -> bool:
    """Nothing in ``text`` but follow-up words and entities: "and for user 20?", "same for U00020"."""
    import re

    from assistant.agent.lexicon import words

    if re.search(r"[\u3400-\u9fff]", text):
        from assistant.agent.glossary import CATEGORY_TERMS_ZH

        rest = re.sub(r"[A-Za-z]*\d+|[\s?？。，,!！]|那|那么|还有|同样|换成|呢|的|用户|客户|顾客|也|一样|呀|吗|类|品类|类目",
                      "", text)
        for term in CATEGORY_TERMS_ZH:
            rest = rest.replace(term, "")
        return not rest
    names = set(" ".join([*lex.brands, *lex.categories, *lex.category_synonyms]).split())
    return all(w in _FILLER or w.isdigit() or w in names or re.fullmatch(r"[a-z]\d+", w) for w in words(text))


def _complete(intent: str, slots: Slots, text: str) -> bool:
    """The slots allow this tool and hold all it needs (its plan would not have to ask)."""
    tool = registered_tools().get(intent)
    if tool is None or not tool.accepts(slots, text):
        return False
    plan = tool.plan(slots, text, None)
    return plan.tool == intent


def _context(slots: Slots, previous: Route) -> Slots:
    """The new slots over the previous turn's; a rank that points into the previous list names its item."""
    merged = slots.merged_over(previous.slots)
    if slots.rank and not slots.item_ids:
        merged.item_ids = []  # "and number three?": the item at that rank, not the last one named
        pool = previous.listed or previous.shown
        if pool and slots.rank <= len(pool) and previous.intent != "recommend_for_user":
            merged.item_ids = [pool[slots.rank - 1]]  # after "how much is the second?", "the third" is still in that list
    elif not slots.item_ids and not previous.slots.item_ids and previous.shown and slots.refers_back:
        merged.item_ids = [previous.shown[0]]  # "is it in stock?" after a one-hit answer
    if slots.user_id and slots.user_id != previous.slots.user_id and not slots.item_ids and not slots.rank:
        merged.rank = previous.slots.rank  # "same for U00020": same question, other user
    if slots.categories and not slots.brands and previous.slots.brands and previous.intent != "exposure_audit":
        merged.brands = []  # "and in garden?" after a brand question moves to the category
    if slots.refers_back and slots.item_ids and not slots.rank:  # "compare it with P01596"
        before = previous.slots.item_ids[:1] or previous.shown[:1]
        if before and before[0] not in slots.item_ids:
            merged.item_ids = [*before, *slots.item_ids]
    if slots.item_ids or slots.rank or merged.item_ids != previous.slots.item_ids:
        merged.unknown_items = list(slots.unknown_items)  # an earlier unknown id is not the item now asked about
    merged.continues, merged.refers_back = slots.continues, slots.refers_back
    merged.refers_to_person = slots.refers_to_person
    merged.ambiguous_items = slots.ambiguous_items
    return merged


_USER_TOOLS = ("recommend_for_user", "segment_profile", "explain_ranking", "compare")


def route(text: str, lex: Lexicon, previous: Route | None = None, *, model: IntentClassifier | None = None,
          forced: str | None = None, default_user: str | None = None) -> Route:
    """Intent and slots of ``text``; ``previous`` is the conversation's last route, ``forced`` an
    intent the user picked from a clarifying question's options, ``default_user`` the user the
    caller has selected (it comes before one remembered from the conversation)."""
    slots = extract_slots(text, lex)
    if default_user and not slots.user_id and not slots.query and default_user in lex.user_ids:
        slots.user_id = default_user
    if slots.bare_number and not slots.user_id and lex.user_id(slots.bare_number) in lex.user_ids:
        probe = slots.merged_over(Slots())  # "recs for 1313?": a number where a user belongs
        probe.user_id = lex.user_id(slots.bare_number)
        r = _route(text, lex, previous, probe, model, forced)
        if r.intent in _USER_TOOLS and not (previous is not None and previous.slots.user_id and r.followup):
            return r
    return _route(text, lex, previous, slots, model, forced)


def _route(text: str, lex: Lexicon, previous: Route | None, slots: Slots, model: IntentClassifier | None,
           forced: str | None) -> Route:
    ranked = (model or classifier()).rank(text, lex.item_prefix, lex.user_prefix)
    top, p = ranked[0]
    has_context = previous is not None and previous.intent not in (CHIT_CHAT, UNKNOWN, CLARIFY)
    if forced:
        use = _context(slots, previous) if has_context and previous is not None else slots
        return Route(forced, use, followup=has_context, confidence=1.0, ranked=ranked[:3])
    if has_context and previous is not None:
        if slots.continues or slots.refers_back:
            merged = _context(slots, previous)
            if slots.refers_to_person and merged.user_id and not slots.user_id:  # "what are they shown?"
                personal = [(i, q) for i, q in ranked if i in _USER_TOOLS and _complete(i, merged, text)]
                if personal and personal[0][1] >= 0.05:
                    top, p = personal[0]
                    return Route(_hand_over(top, merged, text), merged, followup=True, confidence=p, ranked=ranked[:3])
            if _bare(text, lex):
                intent = previous.intent  # "and for user 20?", "same for U00020": the same question again
            elif top != CHIT_CHAT and top != previous.intent and p >= SWITCH_CONFIDENCE and _usable(top, merged, text):
                intent = top  # "how many are left?" after an explanation: a lookup of the same item
            elif slots.refers_back and not slots.continues and top != CHIT_CHAT and _usable(top, merged, text) \
                    and p >= MIN_CONFIDENCE:
                intent = top
            else:
                intent = previous.intent
            intent = _hand_over(intent, merged, text)
            return Route(intent, merged, followup=True, confidence=p, ranked=ranked[:3])
        if top != CHIT_CHAT and p >= MIN_CONFIDENCE and not _complete(top, slots, text) \
                and not slots.ambiguous_items:  # a product named but not uniquely is asked about, not the last one
            merged = _context(slots, previous)  # "how many are left?": the item of the last answer
            if _complete(top, merged, text):
                return Route(_hand_over(top, merged, text), merged, followup=True, confidence=p, ranked=ranked[:3])
    usable = [(i, q) for i, q in ranked if _usable(i, slots, text)]
    if not usable:
        return Route(UNKNOWN, slots, confidence=p, ranked=ranked[:3])
    total = sum(q for _, q in usable) or 1.0
    usable = [(i, q / total) for i, q in usable]  # the readings the slots allow, renormalised
    best, q = usable[0]
    second = usable[1] if len(usable) > 1 else None
    if q < MIN_CONFIDENCE and second is not None and best != CHIT_CHAT:
        return Route(CLARIFY, slots, confidence=q, ranked=ranked[:3], options=[best, second[0]])
    return Route(_hand_over(best, slots, text), slots, confidence=q, ranked=ranked[:3])


def _hand_over(intent: str, slots: Slots, text: str) -> str:
    tool = registered_tools().get(intent)
    return (tool.hand_over(slots, text) or intent) if tool is not None else intent


def route_trace(r: Route) -> dict[str, Any]:
    """The routing decision in a form the facts panel and logs can show."""
    return {"intent": r.intent, "confidence": round(r.confidence, 3), "followup": r.followup,
            "readings": [{"intent": i, "probability": round(q, 3)} for i, q in r.ranked], "options": r.options}
