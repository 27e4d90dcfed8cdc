"""Entity linking: products named by brand, product type, colour, size and title words; brands
and categories by synonym and fuzzy match.

A product is linked by name only when the question names its brand (or a title word unique
enough) and its product type; every other attribute given (colour, size, title adjective) must
match too. One item left: that item. Several left that the question cannot tell apart: they are
returned as ``ambiguous`` and the assistant asks which one is meant.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SIZE_WORDS = {"small": "small", "medium": "medium", "large": "large", "xs": "XS", "s": "S", "m": "M",
               "l": "L", "xl": "XL", "big": "large", "little": "small"}
FUZZY_MIN = 80  # rapidfuzz ratio (0..100) for a misspelt brand or category of 5+ letters


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@dataclass
class ProductLink:
    """Products a question names: ``item_ids`` (linked, in order of mention) and ``ambiguous``
    (the equally good candidates of a description that fits several)."""

    item_ids: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    description: str = ""  # the words that named them, e.g. "green Copperline cutting board"


@dataclass
class Catalog:
    """Per-item brand, product type, colour, size and title words, for linking by name."""

    frame: pd.DataFrame  # index item_id; columns brand, ptype, colour, size, words (set)
    types: dict[str, str]  # "cutting board" (and singular forms) -> product type
    colours: set[str]
    max_type_len: int = 1

    @classmethod
    def from_products(cls, products: pd.DataFrame) -> Catalog:
        rows: list[dict[str, Any]] = []
        for item_id, title, brand, attrs in zip(
            products["item_id"].astype(str), products["title"].astype(str),
            products["brand"].astype(str) if "brand" in products else [""] * len(products),
            products["attributes"] if "attributes" in products else [None] * len(products), strict=True,
        ):
            a = _attributes(attrs)
            head = title.split(",")[0]
            ptype = str(a.get("product_type") or "").lower()
            rows.append({"item_id": item_id, "brand": brand.lower(), "ptype": ptype,
                         "colour": str(a.get("colour") or "").lower(), "size": str(a.get("size") or "").lower(),
                         "words": frozenset(_singular(w) for w in _words(head))})
        frame = pd.DataFrame(rows).set_index("item_id") if rows else pd.DataFrame(
            columns=["brand", "ptype", "colour", "size", "words"])
        types: dict[str, str] = {}
        for t in frame["ptype"].unique() if len(frame) else []:
            if t:
                types[t] = t
                types[" ".join(_singular(w) for w in t.split())] = t
                if "-" in t:  # "t-shirt" is also typed "tshirt" and "t shirt"
                    for form in (t.replace("-", ""), t.replace("-", " ")):
                        types.setdefault(form, t)
                        types.setdefault(" ".join(_singular(w) for w in form.split()), t)
        colours = {c for c in frame["colour"].unique() if c} if len(frame) else set()
        return cls(frame, types, colours, max((len(t.split()) for t in types), default=1))

    def find_types(self, text_words: list[str]) -> list[str]:
        """Product types named in the text (longest match first, plural forms too)."""
        found: list[tuple[int, str]] = []
        taken = [False] * len(text_words)
        singular = [_singular(w) for w in text_words]
        for n in range(self.max_type_len, 0, -1):
            for i in range(len(text_words) - n + 1):
                if any(taken[i:i + n]):
                    continue
                for seq in (text_words[i:i + n], singular[i:i + n]):
                    phrase = " ".join(seq)
                    if phrase in self.types:
                        found.append((i, self.types[phrase]))
                        taken[i:i + n] = [True] * n
                        break
        return [t for _, t in sorted(found)]

    def link(self, text: str, brands: list[str]) -> ProductLink:
        """Items named by brand + product type (+ colour, size, title words) in ``text``."""
        if not len(self.frame) or not brands:
            return ProductLink()
        tw = _words(text)
        types = self.find_types(tw)
        if not types:
            return ProductLink()
        colours = [w for w in tw if w in self.colours]
        sizes = {_SIZE_WORDS[w].lower() for w in tw if w in _SIZE_WORDS and w not in ("s", "m", "l")}
        sizes |= {w for w in (m.group(0).lower() for m in re.finditer(r"\b(?:XS|XL|S|M|L)\b", text)) if w}
        f = self.frame
        cand = f[f["brand"].isin([b.lower() for b in brands]) & f["ptype"].isin(types)]
        if colours:
            cand = cand[cand["colour"].isin(colours)]
        if sizes:
            sized = cand[cand["size"].isin(sizes)]
            cand = sized if len(sized) else cand
        if len(cand) > 1:  # title adjectives ("lightweight", "insulated") narrow further
            extra = {_singular(w) for w in tw} - {c for c in colours} - set(" ".join(types).split())
            scores = cand["words"].map(lambda ws: len(ws & extra))
            if scores.max() > 0:
                cand = cand[scores == scores.max()]
        desc = " ".join([*colours, *brands, *types])
        ids = list(cand.index)
        if len(ids) == 1:
            return ProductLink(item_ids=ids, description=desc)
        return ProductLink(ambiguous=ids[:6], description=desc) if ids else ProductLink(description=desc)


def _attributes(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw.strip().startswith("{"):
        try:
            value = json.loads(raw)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return {}


def fuzzy_lookup(text_words: list[str], vocab: dict[str, str], exclude: set[str] = frozenset()) -> list[str]:
    """Vocabulary entries (5+ letters) that a word run of the text misspells, longest runs first."""
    from rapidfuzz import fuzz, process

    keys = [k for k in vocab if len(k) >= 5]
    if not keys:
        return []
    found: list[str] = []
    for n in range(max(len(k.split()) for k in keys), 0, -1):
        for i in range(len(text_words) - n + 1):
            phrase = " ".join(text_words[i:i + n])
            if len(phrase) < 5 or phrase in exclude:
                continue
            hit = process.extractOne(phrase, keys, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN)
            if hit and vocab[hit[0]] not in found:
                found.append(vocab[hit[0]])
    return found
