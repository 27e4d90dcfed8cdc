"""The demo catalogue: products with coherent titles, descriptions, attributes and prices.

Besides the products table, ``Catalog`` keeps the numpy arrays the behaviour simulator needs
(category, brand, tier, latent popularity, creation day) and each item's *complements*: items
of the next nouns in the category's journey order, preferably of the same brand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys_core.demo.vocab import (
    CATEGORIES,
    COLOURS,
    FLAG_NOUNS,
    NOUN_MATERIALS,
    TIER_PRICE_FACTOR,
    TIERS,
    TITLE_WORDS,
    CategorySpec,
)

N_BRANDS = 6  # brands per category (every CategorySpec lists six)
SIZES: dict[str, tuple[str, ...]] = {
    "apparel": ("XS", "S", "M", "L", "XL"),
    "shoes": ("EU 38", "EU 40", "EU 42", "EU 44", "EU 46"),
    "volume": ("30 ml", "50 ml", "100 ml", "200 ml"),
    "weight": ("250 g", "500 g", "1 kg"),
    "pages": ("192 pages", "256 pages", "320 pages", "448 pages"),
    "dimensions": ("small", "medium", "large"),
}
NEW_ITEM_SHARE = 0.06  # items created inside the simulated window (cold items)


@dataclass
class Catalog:
    """Products plus the per-item arrays the simulator reads (row i = ``item_ids[i]``)."""

    products: pd.DataFrame
    item_ids: list[str]
    category: np.ndarray  # int index into CATEGORIES
    noun: np.ndarray  # int index into the category's nouns
    brand: np.ndarray  # int index into the category's brands
    tier: np.ndarray  # int index into TIERS
    price: np.ndarray
    popularity: np.ndarray  # latent appeal, log-normal
    created_day: np.ndarray  # day offset from the window start (negative = before)
    complements: list[np.ndarray]
    tokens: list[frozenset[str]]  # lower-case words a search can match
    attributes: list[dict[str, object]]
    adjectives: list[tuple[str, ...]]
    by_category: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.item_ids)

    def noun_name(self, i: int) -> str:
        return CATEGORIES[int(self.category[i])].nouns[int(self.noun[i])][0]

    def brand_name(self, i: int) -> str:
        return CATEGORIES[int(self.category[i])].brands[int(self.brand[i])][0]


def category_counts(n_products: int) -> list[int]:
    """Split ``n_products`` over the categories by share (largest remainder, exact total)."""
    shares = np.array([c.share for c in CATEGORIES])
    raw = shares / shares.sum() * n_products
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n_products - counts.sum()]] += 1
    return [int(c) for c in counts]


def _capitalise(word: str) -> str:
    return TITLE_WORDS.get(word, word[:1].upper() + word[1:])


def _nice_price(value: float) -> float:
    return float(max(1.99, np.floor(value) + 0.99))


def _size_options(spec: CategorySpec, noun: str) -> tuple[str, ...]:
    if "shoes" in noun or "sneakers" in noun:
        return SIZES["shoes"]
    return SIZES.get(spec.size_kind, ())


def _describe(spec: CategorySpec, noun: str, adjs: list[str], attrs: dict[str, object],
              use: str, tier: str) -> str:
    material = str(attrs["material"])
    lead = " ".join([*adjs, noun])
    sentences = [f"{lead[0].upper()}{lead[1:]} for {use}."]
    if spec.name in ("grocery", "pet") and noun in ("dog food", "coffee beans", "green tea", "olive oil",
                                                    "pasta", "granola", "dark chocolate", "honey",
                                                    "mixed nuts"):
        sentences.append(f"Made with {material}.")
    elif spec.name == "books":
        sentences.append(f"{material.capitalize()} edition.")
    elif spec.name in ("beauty",) or noun == "pet shampoo":
        sentences.append(f"Formulated with {material}.")
    else:
        sentences.append(f"Made from {material}.")
    if attrs.get("waterproof"):
        sentences.append("Fully waterproof, so it keeps working in wet weather.")
    if attrs.get("vegan"):
        sentences.append("Vegan and cruelty-free.")
    if attrs.get("bluetooth"):
        sentences.append("Connects over Bluetooth 5.3 in seconds.")
    if attrs.get("dishwasher safe"):
        sentences.append("Dishwasher safe for easy cleaning.")
    if "colour" in attrs:
        sentences.append(f"Finished in {attrs['colour']}.")
    if "size" in attrs:
        sentences.append(f"Size: {attrs['size']}.")
    sentences.append(
        {
            "budget": "Great value for everyday use.",
            "mid": "A dependable all-rounder at a fair price.",
            "premium": "Premium build quality with a long service life.",
        }[tier]
    )
    return " ".join(sentences)


def _complements(category: np.ndarray, noun: np.ndarray, brand: np.ndarray, tier: np.ndarray,
                 rng: np.random.Generator, per_noun: int = 2) -> list[np.ndarray]:
    """For each item: items of the next two nouns in journey order (same brand first)."""
    out: list[np.ndarray] = []
    n_nouns = {ci: len(spec.nouns) for ci, spec in enumerate(CATEGORIES)}
    index: dict[tuple[int, int], np.ndarray] = {}
    for i in range(len(category)):
        index.setdefault((int(category[i]), int(noun[i])), np.empty(0, dtype=np.int64))
    for key in sorted(index):
        index[key] = np.flatnonzero((category == key[0]) & (noun == key[1]))
    for i in range(len(category)):
        c, n = int(category[i]), int(noun[i])
        chosen: list[int] = []
        for step in (1, 2):
            pool = index.get((c, (n + step) % n_nouns[c]))
            if pool is None or len(pool) == 0:
                continue
            # same brand best, same tier next, anything else last; random among equals
            rank = np.where(brand[pool] == brand[i], 0, np.where(tier[pool] == tier[i], 1, 2))
            order = np.lexsort((rng.random(len(pool)), rank))
            chosen.extend(int(j) for j in pool[order[:per_noun]])
        out.append(np.array(chosen, dtype=np.int64))
    return out


def build_catalog(rng: np.random.Generator, n_products: int, n_days: int,
                  start: pd.Timestamp) -> Catalog:
    """Draw ``n_products`` products; ids are ``P00001``... in category order."""
    rows: list[dict[str, object]] = []
    cats, nouns, brands, tiers, prices, tokens = [], [], [], [], [], []
    all_attrs: list[dict[str, object]] = []
    all_adjs: list[tuple[str, ...]] = []
    for ci, (spec, count) in enumerate(zip(CATEGORIES, category_counts(n_products), strict=True)):
        for _ in range(count):
            ni = int(rng.integers(len(spec.nouns)))
            bi = int(rng.integers(N_BRANDS))
            noun, noun_mult = spec.nouns[ni]
            brand, tier = spec.brands[bi]
            n_adj = 1 + int(rng.random() < 0.4)
            adjs = [str(a) for a in rng.choice(spec.adjectives, size=n_adj, replace=False)]
            attrs: dict[str, object] = {
                "product_type": noun,
                "material": NOUN_MATERIALS[noun][int(rng.integers(len(NOUN_MATERIALS[noun])))],
            }
            if spec.coloured:
                attrs["colour"] = COLOURS[int(rng.integers(len(COLOURS)))]
            sizes = _size_options(spec, noun)
            if sizes:
                attrs["size"] = sizes[int(rng.integers(len(sizes)))]
            for flag in spec.flags:
                if noun in FLAG_NOUNS.get(flag, frozenset({noun})):
                    attrs[flag] = flag == "bluetooth" or bool(rng.random() < 0.5)
            price = spec.median_price * noun_mult * TIER_PRICE_FACTOR[tier]
            price = _nice_price(price * float(np.exp(rng.normal(0.0, spec.price_sigma))))
            title = " ".join([brand, *(_capitalise(w) for w in " ".join([*adjs, noun]).split())])
            extras = [str(attrs[k]) for k in ("size", "colour") if k in attrs]
            if extras:
                title += ", " + ", ".join(_capitalise(e) if k == 0 and e.isalpha() or e in COLOURS else e
                                          for k, e in enumerate(extras))
            use = spec.uses[int(rng.integers(len(spec.uses)))]
            rows.append({
                "title": title,
                "description": _describe(spec, noun, adjs, attrs, use, tier),
                "category": spec.name,
                "brand": brand,
                "price": price,
                "cost": round(price * float(rng.uniform(0.4, 0.8)), 2),
                "attributes": json.dumps(attrs, sort_keys=True),
            })
            words = f"{title} {spec.name} {attrs['material']}".lower().replace(",", " ").split()
            tokens.append(frozenset(words))
            all_attrs.append(attrs)
            all_adjs.append(tuple(adjs))
            cats.append(ci)
            nouns.append(ni)
            brands.append(bi)
            tiers.append(TIERS.index(tier))
            prices.append(price)
    n = len(rows)
    created = rng.integers(-730, 0, size=n)
    is_new = rng.random(n) < NEW_ITEM_SHARE
    lo = max(1, int(n_days * 0.5))
    created[is_new] = rng.integers(lo, max(lo + 1, n_days - 3), size=int(is_new.sum()))
    created_at = start + pd.to_timedelta(created * 86400 + rng.integers(0, 86400, size=n), unit="s")
    item_ids = [f"P{i + 1:05d}" for i in range(n)]
    products = pd.DataFrame(rows)
    products.insert(0, "item_id", item_ids)
    products["stock"] = (rng.poisson(40.0, size=n) + 3).astype(np.int64)
    products["created_at"] = created_at
    category = np.array(cats, dtype=np.int64)
    noun_a = np.array(nouns, dtype=np.int64)
    brand_a = np.array(brands, dtype=np.int64)
    tier_a = np.array(tiers, dtype=np.int64)
    return Catalog(
        products=products,
        item_ids=item_ids,
        category=category,
        noun=noun_a,
        brand=brand_a,
        tier=tier_a,
        price=np.array(prices, dtype=np.float64),
        popularity=np.exp(rng.normal(0.0, 0.9, size=n)),
        created_day=created.astype(np.int64),
        complements=_complements(category, noun_a, brand_a, tier_a, rng),
        tokens=tokens,
        attributes=all_attrs,
        adjectives=all_adjs,
        by_category=[np.flatnonzero(category == ci) for ci in range(len(CATEGORIES))],
    )
