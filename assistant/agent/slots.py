"""Slot extraction: ids, products by name, brands, categories, dates, amounts, percentages, ranks,
and references back to the conversation ("it", "the second one", "same for ...").

Regular expressions here only pick out hard slots (ids, numbers, prices, percentages, ordinals)
and reference words; which tool answers is decided by meaning (:mod:`assistant.agent.intent`).
Ids are matched with letter/digit boundaries rather than ``\\b``, so "用户U00023" finds U00023.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.agent.lexicon import Lexicon, words
from retrieval.query_parser import parse_query

_USER = re.compile(r"(?:\b(?:user|customer|shopper|client|buyer|member)|用户|客户|顾客|会员)\s*(?:id\s*)?(?:no\.?\s*|number\s*)?"
                   r"#?\s*([A-Za-z]*\d+)(?![A-Za-z0-9])", re.I)
_POSSESSIVE = re.compile(r"(?<![A-Za-z0-9#$.])(\d{1,7})['’]s\b")
_ITEM = re.compile(r"(?:\b(?:item|product|sku|article)|商品|产品)\s*(?:id\s*)?(?:no\.?\s*|number\s*)?#?\s*(\d+)(?![A-Za-z0-9])",
                   re.I)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10}
_RANK_WORD = re.compile(r"\b(?:number|no\.?|#)\s*(one|two|three|four|five|six|seven|eight|nine|ten)\b", re.I)
_TOP_ONE = re.compile(r"\b(?:the )?(?:top|first|best|leading|number one|#1) (?:one|item|pick|result|spot|product|hit)\b|"
                      r"\btop[- ]ranked\b", re.I)
_ZH_RANK = re.compile(r"第\s*([一二三四五六七八九十]|\d+)")
_ZH_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# reference slots: the question leans on the conversation
_CONTINUES = re.compile(r"^\s*(?:and|also|then|ok(?:ay)?,?(?: and| now)?|now|what about|how about|same(?: thing)? (?:for|in|with)|"
                        r"likewise|do the same|same question|and what about)\b|^\s*(?:for|in)\s+\S+\s*\??\s*$|"
                        r"^\s*(?:那|那么|还有|同样|换成)", re.I)
_REFERS = re.compile(r"\b(?:it|its|it's|they|them|their|theirs|he|she|his|her|that one|this one|that item|this item|that product|this product|them|those|"
                     r"the (?:first|second|third|fourth|fifth|top|last|same) (?:one|item|result|pick|product)|"
                     r"the (?:first|second|third|fourth|fifth)(?=\s*(?:[?.!,]|$)|\s+(?:in|is|on|for|cost|please)\b)|"
                     r"number (?:one|two|three|four|five|\d+)|the one above)\b|它|这个|那个|该商品|第\s*[一二三四五六七八九十\d]",
                     re.I)
_BURY = re.compile(r"\b(?:bur(?:y|ied|ying)|demot\w*|push(?:ed|ing)? down|down-?rank\w*|sink|penali[sz]\w*|"
                   r"(?:knock|push|tone|play|turn)\w*\b.{0,30}\bdown\b|"
                   r"(?:lower|drop|reduce|cut|decrease)\w*\b.{0,40}\b(?:rank|weight|visibility|exposure|by)|"
                   r"de-?prioriti[sz]e\w*)\b|降权|压低|降低|打压|减少", re.I)
_QUOTED = re.compile(r"(?:(?<=\s)|^)[\"“'‘]([^\"”'’]{2,80})[\"”'’](?![A-Za-z])")
_PERSON = re.compile(r"\b(?:they|them|their|theirs|he|she|his|her|this (?:customer|user|shopper))\b|他|她|他们", re.I)
_BARE_NUMBER = re.compile(r"(?<![\w$#.%])(\d{1,6})(?![\w%.])(?!\s*(?:%|percent|dollars|usd|days?|weeks?|months?))", re.I)
_PCT = re.compile(r"(-?\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b)", re.I)
_MONEY = re.compile(r"(?:\$|usd\s*|€|£)\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*(?:dollars|usd|eur)\b", re.I)
_RANK = re.compile(r"(?:#\s*(\d+)|\b(?:rank(?:ed)?|position|number|no\.)\s*(\d+)\b|\b(\d+)(?:st|nd|rd|th)\b)", re.I)
_TOPK = re.compile(r"\btop[\s-]*(\d+)\b", re.I)
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_PREFIXED = r"(?<![A-Za-z0-9]){prefix}\d+(?![A-Za-z0-9])"
# "first for waterproof tent", "when people search for waterproof tent": the words after it, to the end
_FOR_PHRASE = re.compile(r"\b(?:for|search(?:es|ed|ing)?(?:\s+for)?|results\s+(?:of|for))\s+"
                         r"(?:(?:the|a|an)\s+)?(?:(?:search(?:es)?|query|term|keywords?|phrase)\s+)?(?:of\s+)?"
                         r"([^?!.,;:\"“”()]{2,80}?)\s*(?=[?!.,;:]|$)", re.I)
_PHRASE_TAIL = re.compile(r"(?:\s+(?:and why|why|please|now|today|then|in (?:the )?(?:search|results)(?: results)?|"
                          r"search(?: results)?|results))+\s*$", re.I)
_NOT_A_SEARCH = frozenset("""user users customer customers shopper shoppers client clients buyer buyers member members
me him her them they us you it this that these those everyone everybody anyone someone people all""".split())
_AN_ID = re.compile(r"[A-Za-z]+\d+|#\s*\d|^\s*\d+\s*$")
_DAYS = re.compile(r"\b(?:last|past|next)\s+(\d+)\s+(day|week|month)s?\b", re.I)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
             "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "top": 1}
_ORD_RE = re.compile(r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b", re.I)
_RELATIVE = re.compile(r"\b(this|last|next|past)\s+(week|month|quarter|year)\b", re.I)


@dataclass
class Slots:
    """What a question names. Empty fields mean "not mentioned"."""

    user_id: str | None = None
    item_ids: list[str] = field(default_factory=list)  # in order of mention
    brands: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    product_type: str | None = None  # "tent", used for scoped audits and searches
    percent: float | None = None
    demote: bool = False  # "bury", "push down", "降权": the change asked for lowers its target
    amounts: list[float] = field(default_factory=list)
    price_max: float | None = None
    price_min: float | None = None
    rank: int | None = None
    k: int | None = None
    dates: list[str] = field(default_factory=list)
    period: str | None = None  # "last 30 days", "this month"
    unknown_ids: list[str] = field(default_factory=list)  # ids the shop does not have
    unknown_items: list[str] = field(default_factory=list)  # the product ids among them ("P09999")
    ambiguous_items: list[str] = field(default_factory=list)  # a product description several items fit
    product_description: str | None = None  # the words that named a product ("green Copperline cutting board")
    query: str | None = None  # a quoted search ("for the search 'yoga mat'")
    bare_number: str | None = None  # "recs for 1313?": a number that may be a user
    continues: bool = False  # "and for user 20?", "same for U00020": continues the previous question
    refers_back: bool = False  # "it", "that one", "the second one": needs the conversation
    refers_to_person: bool = False  # "they", "their list": the user of the conversation

    @property
    def named_items(self) -> list[str]:
        """The products named, known or not ("P09999" is answered as not a product of the shop)."""
        return [*self.item_ids, *(i for i in self.unknown_items if i not in self.item_ids)]

    @property
    def category(self) -> str | None:
        """The first category named, if any."""
        return self.categories[0] if self.categories else None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, [], "")}

    def merged_over(self, previous: Slots) -> Slots:
        """These slots, with anything not mentioned now taken from ``previous`` (follow-ups)."""
        out = Slots(**asdict(previous))
        for key, value in asdict(self).items():
            if value not in (None, []):
                setattr(out, key, value)
        return out


def _find_phrases(text_words: list[str], vocab: dict[str, str]) -> list[str]:
    """Vocabulary phrases found as whole-word runs in the text, longest first, no overlaps."""
    found: list[tuple[int, str]] = []
    taken = [False] * len(text_words)
    max_len = max((len(k.split()) for k in vocab), default=1)
    for n in range(max_len, 0, -1):
        for i in range(len(text_words) - n + 1):
            if any(taken[i:i + n]):
                continue
            phrase = " ".join(text_words[i:i + n])
            key = phrase if phrase in vocab else (phrase[:-1] if phrase.endswith("s") and phrase[:-1] in vocab else None)
            if key:
                found.append((i, vocab[key]))
                for j in range(i, i + n):
                    taken[j] = True
    return [v for _, v in sorted(found)]


def _title_matches(text: str, lex: Lexicon) -> list[str]:
    """Item ids whose full title (or title before the first comma, if unique) is quoted in the text."""
    low = text.lower()
    hits: list[tuple[int, str]] = []
    for item_id, title in lex.titles.items():
        t = title.lower()
        pos = low.find(t)
        if pos < 0:
            head = t.split(",")[0]
            if len(head.split()) >= 3:
                pos = low.find(head)
        if pos >= 0:
            hits.append((pos, item_id))
    hits.sort()
    seen: set[int] = set()
    out = []
    for pos, item_id in hits:  # one product per position (a head can match several variants)
        if pos not in seen:
            seen.add(pos)
            out.append(item_id)
    return out


def _count(digits: str) -> int | None:
    """A rank or top-k of 1 or more; 0 and absurdly long numbers mean "not given"."""
    value = int(digits) if len(digits) <= 9 else 0
    return value or None


def _rank_of(text: str) -> int | None:
    if (m := _RANK.search(text)):
        return _count(next(g for g in m.groups() if g))
    if (m := _RANK_WORD.search(text)):
        return _NUMBER_WORDS[m.group(1).lower()]
    if _TOP_ONE.search(text):
        return 1
    if (m := _ORD_RE.search(text)):
        return _ORDINALS[m.group(1).lower()]
    if (m := _ZH_RANK.search(text)):
        g = m.group(1)
        return int(g) if g.isdigit() else _ZH_DIGITS[g]
    return None


def _padded(raw: str, prefix: str, make: Any) -> str:
    """"u88" -> "U00088": an id written short or in lower case, in the shop's own form."""
    digits = raw[len(prefix):]
    return make(digits) if len(digits) < 9 else raw.upper()


def _users(text: str, lex: Lexicon, s: Slots) -> None:
    found: list[str] = []
    for hit in _USER.finditer(text):
        raw = hit.group(1)
        found.append(lex.user_id(raw) if raw.isdigit() else raw.upper())
    for hit in re.finditer(_PREFIXED.format(prefix=re.escape(lex.user_prefix)), text, re.I):
        found.append(_padded(hit.group(0), lex.user_prefix, lex.user_id))
    if not found:
        for hit in _POSSESSIVE.finditer(text):  # "45's list"
            uid = lex.user_id(hit.group(1))
            if uid in lex.user_ids:
                found.append(uid)
    for uid in found:
        if uid in lex.user_ids:
            s.user_id = s.user_id or uid
        elif uid not in s.unknown_ids:
            s.unknown_ids.append(uid)
    if s.user_id is None and s.unknown_ids:
        s.user_id = s.unknown_ids[0]


def search_phrase(text: str, lex: Lexicon) -> str | None:
    """The search a question names after "for" or "search for" ("why is P00243 first for waterproof
    tent?" -> "waterproof tent"): the whole phrase, when it holds a product word, brand or category
    of the shop and no id, person or pronoun."""
    found = None
    for m in _FOR_PHRASE.finditer(text):
        phrase = _PHRASE_TAIL.sub("", m.group(1)).strip()
        tw = words(phrase)
        if not tw or len(tw) > 8 or tw[0] in _NOT_A_SEARCH or _AN_ID.search(phrase):
            continue
        vocab = {**{k: k for k in lex.nouns}, **lex.brands, **lex.categories, **lex.category_synonyms}
        typed = lex.catalog.find_types(tw) if lex.catalog is not None else []
        if typed or _find_phrases(tw, vocab):
            found = " ".join(phrase.split())
    return found


def extract_slots(text: str, lex: Lexicon) -> Slots:
    """All slots found in ``text``, resolved against the shop's vocabulary."""
    from assistant.agent.entities import fuzzy_lookup
    from assistant.agent.glossary import english_hints

    s = Slots()
    _users(text, lex, s)
    ids: list[tuple[int, str]] = []
    for hit in re.finditer(_PREFIXED.format(prefix=re.escape(lex.item_prefix)), text, re.I):
        ids.append((hit.start(), _padded(hit.group(0), lex.item_prefix, lex.item_id)))
    for hit in _ITEM.finditer(text):
        ids.append((hit.start(), lex.item_id(hit.group(1))))
    for item_id in _title_matches(text, lex):
        ids.append((text.lower().find(lex.titles[item_id].lower().split(",")[0]), item_id))
    for _, item_id in sorted(ids):
        if item_id in s.item_ids:
            continue
        if item_id in lex.item_ids:
            s.item_ids.append(item_id)
        elif item_id not in s.unknown_ids:
            s.unknown_ids.append(item_id)
            s.unknown_items.append(item_id)
    hints = english_hints(text)
    tw = words(text) + (words(hints) if hints else [])
    s.brands = _find_phrases(tw, lex.brands)
    if not s.brands:
        s.brands = fuzzy_lookup(tw, lex.brands, exclude=set(lex.categories) | set(lex.category_synonyms))
    types = lex.catalog.find_types(tw) if lex.catalog is not None else []
    type_words = {w for t in types for w in t.split()}
    free = [w for w in tw if w not in type_words]  # "dog food" is a product, not the grocery category
    s.categories = _find_phrases(free, lex.categories)
    for c in _find_phrases(free, lex.category_synonyms):
        if c not in s.categories:
            s.categories.append(c)
    if not s.categories:
        s.categories = fuzzy_lookup(free, lex.categories, exclude=set(lex.brands))
    nouns = _find_phrases(tw, {k: k for k in lex.nouns if not k.isdigit()})
    if types:
        s.product_type = types[0]
    elif nouns:
        s.product_type = nouns[0]
    if lex.catalog is not None and s.brands and not s.item_ids:
        link = lex.catalog.link(text + (f" {hints}" if hints else ""), s.brands)
        s.item_ids = list(link.item_ids)
        s.ambiguous_items = list(link.ambiguous)
        if link.item_ids or link.ambiguous:
            s.product_description = link.description
    s.demote = bool(_BURY.search(text))
    if (m := _PCT.search(text)):
        s.percent = float(m.group(1))
        if s.percent > 0 and s.demote:
            s.percent = -s.percent
    s.amounts = [float(a or b) for a, b in _MONEY.findall(text)]
    prices = parse_query(text, stock=False).filters  # the search's own price parser: one reading of "under $30"
    s.price_max, s.price_min = prices.price_max, prices.price_min
    s.rank = _rank_of(text)
    if (m := _TOPK.search(text)):
        s.k = _count(m.group(1))
    s.dates = _DATE.findall(text)
    if (m := _DAYS.search(text)):
        s.period = f"last {m.group(1)} {m.group(2).lower()}s"
    elif (m := _RELATIVE.search(text)):
        s.period = f"{m.group(1).lower()} {m.group(2).lower()}"
    if (m := _QUOTED.search(text)):
        s.query = m.group(1).strip()
    elif s.user_id is None:  # "why is P00243 first for waterproof tent?": the whole phrase is the search
        s.query = search_phrase(text, lex)
    if not (s.user_id or s.item_ids or s.unknown_ids or s.percent is not None or s.amounts or s.k or s.rank):
        nums = _BARE_NUMBER.findall(text)
        if len(nums) == 1:
            s.bare_number = nums[0]
    s.continues = bool(_CONTINUES.search(text))
    s.refers_back = bool(_REFERS.search(text))
    s.refers_to_person = bool(_PERSON.search(text))
    return s
