"""The shop's vocabulary for the slot parser and the grounding guard: ids, names, brands, categories."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from assistant.agent.entities import Catalog
from assistant.agent.glossary import CATEGORY_SYNONYMS
from assistant.ids import id_format
from recsys_core.data.shop import ShopData

# title words that are also everyday English and would make questions look like product searches
_COMMON = frozenset("can set pack kit bag case bank book collection guide edition box bar one two top".split())
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass
class Lexicon:
    """Everything the parser and guard need to recognise shop entities in free text."""

    item_ids: set[str]
    user_ids: set[str]
    doc_ids: set[str]
    brands: dict[str, str]  # lower-case -> as written
    categories: dict[str, str]
    titles: dict[str, str]  # item id -> title
    item_prefix: str = "P"
    item_width: int = 5
    user_prefix: str = "U"
    user_width: int = 5
    nouns: dict[str, str] = field(default_factory=dict)  # "tent" -> category where most tents are
    category_synonyms: dict[str, str] = field(default_factory=dict)  # "stationery" -> "office"
    catalog: Catalog | None = None  # per-item brand, type, colour, size: products named by description

    @classmethod
    def from_shop(cls, shop: ShopData) -> Lexicon:
        p = shop.products
        brands = _name_keys(p["brand"].dropna().unique()) if "brand" in p else {}
        cats = {str(c).lower(): str(c) for c in p["category"].dropna().unique()}
        titles = dict(zip(p["item_id"].astype(str), p["title"].astype(str), strict=True))
        ip, iw = id_format(p["item_id"], "P", 5)
        users = shop.users["user_id"] if shop.users is not None and len(shop.users) else shop.events["user_id"]
        up, uw = id_format(users, "U", 5)
        user_ids = set(users.dropna().astype(str)) | set(shop.events["user_id"].dropna().astype(str).unique())
        docs = set(shop.knowledge_base["doc_id"].astype(str)) if shop.knowledge_base is not None else set()
        synonyms = {k: cats[v] for k, v in CATEGORY_SYNONYMS.items() if v in cats and k not in cats}
        return cls(item_ids=set(titles), user_ids=user_ids, doc_ids=docs, brands=brands, categories=cats,
                   titles=titles, item_prefix=ip, item_width=iw, user_prefix=up, user_width=uw,
                   nouns=_product_nouns(p, brands), category_synonyms=synonyms, catalog=Catalog.from_products(p))

    def user_id(self, number: str) -> str:
        return f"{self.user_prefix}{_digits(number).rjust(self.user_width, '0')}"

    def item_id(self, number: str) -> str:
        return f"{self.item_prefix}{_digits(number).rjust(self.item_width, '0')}"


def _name_keys(names: Any) -> dict[str, str]:
    """Lower-case word forms of each name -> the name: "Barkley & Co" as "barkley & co",
    "barkley and co" and "barkley co" (how people type it)."""
    out: dict[str, str] = {}
    for name in names:
        n = str(name)
        out[n.lower()] = n
        if "&" in n:
            out[" ".join(words(n.replace("&", " and ")))] = n
            out[" ".join(words(n))] = n
    return out


def _digits(number: str) -> str:
    """``number`` in ASCII digits without leading zeros; int() refuses strings over 4,300 digits."""
    return str(int(number)) if len(number) <= 64 else number.lstrip("0")


def _product_nouns(products: pd.DataFrame, brands: dict[str, str]) -> dict[str, str]:
    """Product-type words ("tent", "water filter") taken from titles, mapped to their main category.

    Titles look like "Brand Adjective Noun, Variant"; the noun phrase is the last one or two words
    before the first comma. Only nouns seen at least 3 times are kept.
    """
    counts: dict[str, dict[str, int]] = {}
    for title, cat in zip(products["title"].astype(str), products["category"].astype(str), strict=True):
        head = title.split(",")[0]
        toks = words(head)
        for n in (1, 2):
            if len(toks) > n:
                noun = " ".join(toks[-n:])
                if noun in brands:
                    continue
                counts.setdefault(noun, {}).setdefault(cat, 0)
                counts[noun][cat] += 1
    out: dict[str, str] = {}
    for noun, by_cat in counts.items():
        total = sum(by_cat.values())
        if total >= 3 and noun not in _COMMON and not noun.isdigit():
            out[noun] = max(by_cat, key=lambda c: by_cat[c])
    return out
