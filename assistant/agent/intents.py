"""Deterministic intent routing: keyword patterns plus slots, so even a 135M model never has to route."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from assistant.agent.lexicon import Lexicon
from assistant.agent.slots import Slots, extract_slots

Intent = Literal[
    "search_products", "recommend_for_user", "explain_ranking", "compare", "whatif", "trend_report",
    "segment_profile", "lookup_product", "kb_answer", "propose_promotions", "exposure_audit",
    "chit_chat", "unknown",
]
INTENTS: tuple[str, ...] = Intent.__args__  # type: ignore[attr-defined]


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts), re.I)


# checked in this order; the first intent whose pattern matches (and whose slot needs are met) wins
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("exposure_audit", _rx(r"\bexposure\b", r"\bdominat", r"\bgini\b", r"never (?:shown|displayed|seen)",
                           r"share of (?:the )?top", r"\bover-?exposed\b", r"\bunder-?exposed\b", r"\baudit\b")),
    ("whatif", _rx(r"\bwhat (?:if|happens|would happen)\b", r"\bsimulat", r"\bif (?:i|we) (?:boost|bury|pin|demote|promote)",
                   r"\bimpact of (?:boosting|burying|pinning)", r"\breplay\b")),
    ("propose_promotions", _rx(r"\b(?:suggest|propose|recommend|ideas? for|brainstorm|plan)\b.{0,40}\b(?:promotion|promo|campaign|strateg|discount|bundle)",
                               r"\bpromotion (?:ideas?|proposals?|candidates?)\b", r"\bslow[- ]movers?\b",
                               r"\bwhat (?:should|could) (?:i|we) promote\b", r"\bhow (?:can|could|should) (?:i|we) (?:grow|increase|boost) (?:sales|revenue)")),
    ("compare", _rx(r"\b(?:above|ahead of|higher than|before|over|below|lower than|outrank|beat)\b", r"\bcompare\b", r"\bvs\.?\b|\bversus\b")),
    ("explain_ranking", _rx(r"\bwhy\b.{0,60}(?:#\s*\d|\b(?:rank|recommend|first|second|third|top|position|shown|appear|suggest|there|number|\d+(?:st|nd|rd|th)\b))",
                            r"\bexplain\b", r"\bwhat (?:drives|makes)\b.{0,40}\b(?:rank|score)", r"\bscore breakdown\b",
                            r"\bhow (?:is|was)\b.{0,40}\bscored\b")),
    ("trend_report", _rx(r"\btrend", r"\brising\b", r"\bfalling\b", r"\bgrowing\b", r"\bdeclining\b", r"\bseasonal",
                         r"\banomal", r"\bspikes?\b", r"\bweekly sales\b", r"\bgrowth\b", r"\bhot right now\b", r"\bpeak\b")),
    ("segment_profile", _rx(r"\bsegments?\b", r"\bprofile\b", r"\bwho is (?:user|customer)\b", r"\bwhat kind of (?:customer|shopper|user)\b",
                            r"\bcustomer types?\b", r"\bRFM\b", r"\bpersonas?\b")),
    ("recommend_for_user", _rx(r"\brecommend", r"\bsuggestions?\b", r"\bpicks?\b", r"\bwhat (?:should|would|could) .{0,30}\b(?:see|buy|like)\b",
                               r"\bfor (?:user|customer)\b", r"\bpersonali[sz]ed\b")),
    ("lookup_product", _rx(r"\bprice of\b", r"\bhow much\b", r"\bin stock\b", r"\bstock (?:of|level|for)\b", r"\bhow many .{0,30}\b(?:left|in stock|available)",
                           r"\bcost of\b", r"\bdetails? (?:of|for|about)\b", r"\bwhat is (?:item|product|sku)\b", r"\bavailab", r"\btell me about\b")),
    ("kb_answer", _rx(r"\breturn", r"\brefund", r"\bship", r"\bdeliver", r"\bwarrant", r"\bpay(?:ment|ing| later| with)?\b", r"\bgift ?cards?\b",
                      r"\bpassword\b", r"\baccount\b", r"\bprivacy\b", r"\bcookies?\b", r"\bpromo ?codes?\b", r"\bloyalty\b", r"\bsize guide\b",
                      r"\bsizing\b", r"\bcancel", r"\bexchange", r"\bprice match", r"\bpolicy\b", r"\bpolicies\b", r"\btrack(?:ing)? (?:my )?order",
                      r"\bdamaged\b", r"\bfaulty\b", r"\bcare (?:guide|instructions)\b", r"\bhow (?:do|can) i (?:wash|clean|care)\b",
                      r"\bcan i\b", r"\bdo you (?:offer|accept|ship|have a|allow)\b", r"\bhow long\b", r"\bis there a fee\b", r"\bcustomer service\b",
                      r"\bvoucher", r"\border\b", r"\bcoupon", r"\bwhat are your\b", r"\bdo you\b", r"\bare you\b",
                      r"\bhow do i\b", r"\bis it possible\b", r"\bopening hours\b", r"\bwhich size\b", r"\bwhat sizes?\b",
                      r"\bsize (?:chart|guide|table)\b", r"\bis there (?:a|an|any) (?:discount|fee|charge|limit|minimum|way)\b")),
    ("search_products", _rx(r"\bfind\b", r"\bsearch\b", r"\bshow me\b", r"\blooking for\b", r"\bdo you (?:sell|have)\b", r"\bi need\b",
                            r"\bi want\b", r"\bany\b.{0,40}\bunder\b", r"\bbest\b.{0,30}\bfor\b", r"\bcheap\b", r"\bunder \$?\d")),
    ("chit_chat", _rx(r"^\s*(?:hi|hello|hey|thanks|thank you|good (?:morning|afternoon|evening)|bye|who are you|what can you do|help)\b")),
]
_FOLLOWUP = re.compile(r"^\s*(?:and|what about|how about|same for|now for|and now|ok(?:ay)?,? (?:and|now))\b|^\s*(?:for )?(?:user|customer|item|product|brand)\s", re.I)


@dataclass
class Route:
    """The parser's decision: an intent, its slots, and whether it continued the previous turn."""

    intent: str
    slots: Slots
    followup: bool = False
    matched: list[str] = field(default_factory=list)  # pattern families that matched, for the trace


_CHANGE = re.compile(r"\b(?:boost|bury|buri|pin|demot|promot|discount|price|rule|re-?rank|weight)|%", re.I)


def _needs_met(intent: str, slots: Slots, text: str) -> bool:
    if intent == "whatif":  # "what happens if I miss a delivery" is a policy question, not a simulation
        return bool(_CHANGE.search(text) or slots.percent is not None)
    if intent == "compare":
        return len(slots.item_ids) >= 2
    if intent == "lookup_product":  # "how much does a return label cost" is a policy question
        return bool(slots.item_ids or slots.product_type or slots.brands)
    return True


def route(text: str, lex: Lexicon, previous: Route | None = None) -> Route:
    """Intent and slots of ``text``; a short follow-up ("and for user 17?") reuses ``previous``."""
    slots = extract_slots(text, lex)
    matched = [name for name, rx in _PATTERNS if rx.search(text)]
    if previous is not None and previous.intent not in ("chit_chat", "unknown") and _FOLLOWUP.search(text):
        non_followup = [m for m in matched if m not in ("chit_chat", previous.intent)]
        if not non_followup or len(text.split()) <= 6:
            return Route(previous.intent, slots.merged_over(previous.slots), followup=True, matched=matched)
    for name in matched:
        if _needs_met(name, slots, text):
            return Route(_refine(name, slots, text), slots, matched=matched)
    if slots.item_ids and not slots.user_id:
        return Route("lookup_product", slots, matched=matched)
    if slots.user_id:
        return Route("recommend_for_user", slots, matched=matched)
    if slots.product_type or slots.brands or slots.categories:
        return Route("search_products", slots, matched=matched)
    return Route("unknown", slots, matched=matched)


def _refine(intent: str, slots: Slots, text: str) -> str:
    """Small corrections where one keyword family shadows another."""
    if intent == "kb_answer" and slots.item_ids and re.search(r"\b(?:price|stock|cost)\b", text, re.I):
        return "lookup_product"
    if (intent == "kb_answer" and re.search(r"\bdo you (?:sell|stock|carry|have any)\b(?! (?:my|your|our) )", text, re.I)
            and not re.search(r"\bsizes?\b", text, re.I)):
        return "search_products"
    if intent == "recommend_for_user" and re.search(r"\bpromotion|\bpromo\b|\bcampaign", text, re.I):
        return "propose_promotions"
    if intent == "explain_ranking" and len(slots.item_ids) >= 2 and re.search(r"\b(?:above|ahead|higher|over|before)\b", text, re.I):
        return "compare"
    return intent
