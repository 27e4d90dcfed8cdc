"""Natural-language query → search text + filters ("waterproof hiking boots under $120")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from retrieval.filters import SearchFilters

# a money amount: "$25", "25 dollars", "25美元"; never a percentage or a count ("over 10%", "over 2 weeks")
_NUM = (r"\$?\s*(\d+(?:[.,]\d+)?)(?![.,]?\d)(?!\s*(?:%|(?:percent|per cent|days?|weeks?|months?|years?|hours?|minutes?|"
        r"kg|lbs?|cm|mm|items?|units?|pieces|pcs|people|stars?|reviews?|orders?)\b|天|周|个月|年|件))"
        r"\s*(?:\$|dollars?|usd|eur|€|£|美元|元|块)?")
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("between", re.compile(rf"\b(?:between|from)\s+{_NUM}\s+(?:and|to|-)\s+{_NUM}", re.I)),
    ("range", re.compile(rf"(?<![\w/])\${_NUM}?\s*(?:-|to)\s*\$\s*(\d+(?:[.,]\d+)?)", re.I)),
    ("max", re.compile(rf"\b(?:under|below|less than|cheaper than|up to|max(?:imum)?|at most|"
                       rf"(?:nothing|not|no)\s+(?:over|above|more than|higher than|pricier than)|<=?)\s*{_NUM}|"
                       rf"(?:不超过|低于|少于|不到|最多)\s*{_NUM}|{_NUM}\s*(?:以下|以内|之内)|"
                       rf"(?<![\w.]){_NUM}\s*(?:max(?:imum)?|tops|at most|or (?:less|under|cheaper))\b", re.I)),
    ("min", re.compile(rf"\b(?:over|above|more than|at least|min(?:imum)?|from|>=?)\s*{_NUM}|"
                       rf"(?:超过|高于|至少)\s*{_NUM}|{_NUM}\s*以上", re.I)),
)
_IN_STOCK = re.compile(r"\b(?:in[- ]stock|available now|available)\b", re.I)
_FIELD = re.compile(r"\b(brand|category):(\"[^\"]+\"|\S+)", re.I)


@dataclass(frozen=True)
class ParsedQuery:
    """What the parser understood: remaining text, filters, and the spans it consumed."""

    text: str
    filters: SearchFilters
    consumed: tuple[str, ...] = field(default_factory=tuple)


def _money(value: str) -> float:
    return float(value.replace(",", "."))


def parse_query(
    query: str,
    *,
    brands: Iterable[str] = (),
    categories: Iterable[str] = (),
    prices: bool = True,
    stock: bool = True,
) -> ParsedQuery:
    """Pull price bounds, stock, ``brand:``/``category:`` and known brand/category names.

    Only explicit money phrases become price filters: a bare number ("2x4", "48 in") is kept
    as text. Known brands match whole words; a known category matches after "in".
    ``prices``/``stock`` False leave those phrases in the text (a catalogue without them).
    """
    text = query
    consumed: list[str] = []
    price_min: float | None = None
    price_max: float | None = None
    found_brands: list[str] = []
    found_categories: list[str] = []

    def cut(match: re.Match[str]) -> None:
        nonlocal text
        consumed.append(match.group(0).strip())
        text = text.replace(match.group(0), " ", 1)

    for field_match in list(_FIELD.finditer(text)):
        value = field_match.group(2).strip('"')
        (found_brands if field_match.group(1).lower() == "brand" else found_categories).append(value)
        cut(field_match)
    m: re.Match[str] | None
    for kind, pattern in _PATTERNS if prices else ():
        m = pattern.search(text)
        if m is None:
            continue
        has_money = "$" in m.group(0) or kind in ("max", "min", "between")
        if not has_money:
            continue
        if kind in ("between", "range"):
            lo, hi = sorted((_money(m.group(1) or m.group(2)), _money(m.groups()[-1])))
            price_min, price_max = lo, hi
        elif kind == "max" and price_max is None:
            price_max = _money(next(g for g in m.groups() if g))
        elif kind == "min" and price_min is None:
            if not m.group(0).lower().startswith("from") or "$" in m.group(0):
                price_min = _money(next(g for g in m.groups() if g))
            else:
                continue
        cut(m)
    in_stock = False
    m = _IN_STOCK.search(text) if stock else None
    if m:
        in_stock = True
        cut(m)
    lowered = f" {text.lower()} "
    for brand in sorted({b for b in brands if b}, key=len, reverse=True):
        if re.search(rf"(?<!\w){re.escape(brand.lower())}(?!\w)", lowered) and brand not in found_brands:
            found_brands.append(brand)
    for cat in sorted({c for c in categories if c}, key=len, reverse=True):
        leaf = cat.split(" > ")[-1].lower()
        pattern = re.compile(rf"\bin\s+{re.escape(leaf)}\b", re.I)
        m = pattern.search(text)
        if m and cat not in found_categories:
            found_categories.append(cat)
            cut(m)
    text = re.sub(r"\s+", " ", text).strip(" ,.;")
    if price_min is not None and price_max is not None and price_min > price_max:
        price_min, price_max = price_max, price_min  # "over $50 under $20": the range between them
    filters = SearchFilters(
        price_min=price_min,
        price_max=price_max,
        categories=tuple(found_categories),
        brands=tuple(found_brands),
        in_stock=in_stock,
    )
    return ParsedQuery(text=text or query.strip(), filters=filters, consumed=tuple(consumed))
