"""Slot extraction: ids, product names, brands, categories, dates, amounts, percentages, ranks."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.agent.lexicon import Lexicon, words

_USER = re.compile(r"\b(?:user|customer|shopper)\s*(?:id\s*)?#?\s*([A-Za-z]*\d+)\b", re.I)
_ITEM = re.compile(r"\b(?:item|product|sku)\s*(?:id\s*)?#?\s*(\d+)\b", re.I)
_PCT = re.compile(r"(-?\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b)", re.I)
_MONEY = re.compile(r"(?:\$|usd\s*|€|£)\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*(?:dollars|usd|eur)\b", re.I)
_UNDER = re.compile(r"\b(?:under|below|less than|cheaper than|max(?:imum)?|up to)\s*\$?\s*(\d+(?:\.\d+)?)", re.I)
_OVER = re.compile(r"\b(?:over|above|more than|at least|min(?:imum)?|from)\s*\$?\s*(\d+(?:\.\d+)?)", re.I)
_RANK = re.compile(r"(?:#\s*(\d+)|\b(?:rank(?:ed)?|position|number|no\.)\s*(\d+)\b|\b(\d+)(?:st|nd|rd|th)\b)", re.I)
_TOPK = re.compile(r"\btop[\s-]*(\d+)\b", re.I)
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
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
    amounts: list[float] = field(default_factory=list)
    price_max: float | None = None
    price_min: float | None = None
    rank: int | None = None
    k: int | None = None
    dates: list[str] = field(default_factory=list)
    period: str | None = None  # "last 30 days", "this month"
    unknown_ids: list[str] = field(default_factory=list)  # ids the shop does not have

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


def extract_slots(text: str, lex: Lexicon) -> Slots:
    """All slots found in ``text``, resolved against the shop's vocabulary."""
    s = Slots()
    for hit in _USER.finditer(text):
        raw = hit.group(1)
        uid = lex.user_id(raw) if raw.isdigit() else raw.upper()
        if uid in lex.user_ids:
            s.user_id = uid
        else:
            s.unknown_ids.append(uid)
            s.user_id = s.user_id or uid
        break
    for hit in re.finditer(rf"\b{re.escape(lex.user_prefix)}\d+\b", text):
        if s.user_id is None:
            s.user_id = hit.group(0)
            if hit.group(0) not in lex.user_ids:
                s.unknown_ids.append(hit.group(0))
    ids: list[tuple[int, str]] = []
    for hit in re.finditer(rf"\b{re.escape(lex.item_prefix)}\d+\b", text):
        ids.append((hit.start(), hit.group(0)))
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
    tw = words(text)
    s.brands = _find_phrases(tw, lex.brands)
    s.categories = _find_phrases(tw, lex.categories)
    nouns = _find_phrases(tw, {k: k for k in lex.nouns if not k.isdigit()})
    if nouns:
        s.product_type = nouns[0]
    if (m := _PCT.search(text)):
        s.percent = float(m.group(1))
    s.amounts = [float(a or b) for a, b in _MONEY.findall(text)]
    if (m := _UNDER.search(text)):
        s.price_max = float(m.group(1))
    if (m := _OVER.search(text)) and not _PCT.match(text, m.end(1)):
        s.price_min = float(m.group(1))
    if (m := _RANK.search(text)):
        s.rank = _count(next(g for g in m.groups() if g))
    elif (m := _ORD_RE.search(text)):
        s.rank = _ORDINALS[m.group(1).lower()]
    if (m := _TOPK.search(text)):
        s.k = _count(m.group(1))
    s.dates = _DATE.findall(text)
    if (m := _DAYS.search(text)):
        s.period = f"last {m.group(1)} {m.group(2).lower()}s"
    elif (m := _RELATIVE.search(text)):
        s.period = f"{m.group(1).lower()} {m.group(2).lower()}"
    return s
