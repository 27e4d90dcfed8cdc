"""Features of a (query, candidate product) pair for the learned search ranker.

Each feature is a number a merchandiser can name: the two retrievers' scores and ranks, the
fused score, how much of the query the title covers, an exact phrase match, agreement of
numbers and units ("1/2 in.", "2x4", "30 gal"), brand and product-type match, title length,
whether the query was spell-corrected, and — on shops with those columns — price band and stock.
A feature a catalogue cannot provide is NaN (the booster routes missing values itself).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from retrieval.tokenizer import normalise_text, tokenize

FEATURES: tuple[str, ...] = (
    "bm25_score", "bm25_rank", "dense_similarity", "dense_rank", "fused_score", "fused_rank",
    "query_coverage", "title_coverage", "exact_phrase", "numbers_match", "units_match", "brand_match",
    "type_match", "title_words", "spelling_corrected", "log_price", "price_band", "in_stock",
)
FEATURE_NAMES: dict[str, str] = {  # what each feature is called in an explanation
    "bm25_score": "keyword score", "bm25_rank": "keyword rank", "dense_similarity": "meaning similarity",
    "dense_rank": "meaning rank", "fused_score": "combined retrieval score", "fused_rank": "combined rank",
    "query_coverage": "share of query words found", "title_coverage": "share of query words in the title",
    "exact_phrase": "exact phrase in the title", "numbers_match": "numbers match", "units_match": "sizes/units match",
    "brand_match": "brand named in the query", "type_match": "product type matches", "title_words": "title length",
    "spelling_corrected": "query spell-corrected", "log_price": "price", "price_band": "price band", "in_stock": "in stock",
}
UNITS = {"in": "in", "inch": "in", "inches": "in", "ft": "ft", "feet": "ft", "foot": "ft", "gal": "gal",
         "gallon": "gal", "gallons": "gal", "lb": "lb", "lbs": "lb", "oz": "oz", "v": "v", "volt": "v", "w": "w",
         "watt": "w", "amp": "amp", "mm": "mm", "cm": "cm", "qt": "qt", "pk": "pack", "pack": "pack",
         "sq": "sq", "cu": "cu", "btu": "btu", "gauge": "gauge", "ga": "gauge", "piece": "pc", "pc": "pc"}
_NUMBER = re.compile(r"(\d+(?:[./]\d+)*)")
_SIZED = re.compile(r"(\d+(?:[./]\d+)*)\s*(?:-\s*)?([a-z]+)")
_DIMS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:x|by)\s*(\d+(?:\.\d+)?)")


def numbers(text: str) -> set[str]:
    """Numbers in ``text``, with dimension pairs split ("2x4" holds 2 and 4)."""
    t = normalise_text(text)
    found = set(_NUMBER.findall(t))
    for a, b in _DIMS.findall(t):
        found |= {a, b}
    return found


def sizes(text: str) -> set[tuple[str, str]]:
    """(number, unit) pairs: "1/2 in." -> ("1/2", "in"), "30-gal" -> ("30", "gal")."""
    return {(n, UNITS[u]) for n, u in _SIZED.findall(normalise_text(text)) if u in UNITS}


def _share(asked: set[Any], held: set[Any]) -> float:
    return len(asked & held) / len(asked) if asked else math.nan


class FeatureBuilder:
    """Builds the feature matrix of a query's candidates for one fitted searcher (caches the
    per-product text facts it needs)."""

    def __init__(self, searcher: Any):
        self.searcher = searcher
        products = searcher.products_
        self.titles = products["title"].fillna("").astype(str).tolist()
        self.title_norm = [normalise_text(t) for t in self.titles]
        bm = searcher.bm25_
        self.title_tokens = bm.doc_tokens_.get("title") or [set(t.split()) for t in self.title_norm]
        self._numbers: dict[int, set[str]] = {}
        self._sizes: dict[int, set[tuple[str, str]]] = {}
        brand = products["brand"] if "brand" in products else None
        # the brand column, else the title's first word (catalogues like Home Depot lead with it)
        self.brand_tokens = [
            set(tokenize(b if isinstance(b, str) and b else (t.split()[0] if t.split() else "")))
            for b, t in zip(brand if brand is not None else [None] * len(self.titles), self.titles, strict=True)]
        self.price = products["price"].astype("float64").to_numpy() if "price" in products else None
        self.stock = products["stock"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan) if "stock" in products else None
        if self.price is not None:
            finite = self.price[np.isfinite(self.price)]
            self.price_edges = np.quantile(finite, [0.2, 0.4, 0.6, 0.8]) if len(finite) else np.zeros(4)

    def _row_numbers(self, row: int) -> set[str]:
        if row not in self._numbers:
            self._numbers[row] = numbers(self.titles[row])
        return self._numbers[row]

    def _row_sizes(self, row: int) -> set[tuple[str, str]]:
        if row not in self._sizes:
            self._sizes[row] = sizes(self.titles[row])
        return self._sizes[row]

    def build(self, scored: Any, positions: Sequence[int]) -> np.ndarray:
        """Features (rows: ``positions`` into ``scored.rows``; columns: :data:`FEATURES`)."""
        s = self.searcher
        tokens = [t for t in scored.analysed.tokens if t]
        qset = set(tokens)
        phrase = normalise_text(scored.analysed.text or "").strip()
        q_numbers = numbers(scored.analysed.text or "")
        q_sizes = sizes(scored.analysed.text or "")
        head = tokens[-1] if tokens else None
        corrected = float(bool(scored.analysed.corrections))
        n_cand = float(len(scored.rows) + 1)
        out = np.full((len(positions), len(FEATURES)), np.nan)
        fused = scored.fused
        order = np.argsort(-fused, kind="stable")
        fused_rank = np.empty(len(fused))
        fused_rank[order] = np.arange(1, len(fused) + 1)
        rows = [int(scored.rows[i]) for i in positions]
        coverage = s.bm25_.coverages(tokens, rows) if tokens else [0.0] * len(rows)
        for j, i in enumerate(positions):
            row = rows[j]
            title = self.title_tokens[row]
            out[j, 0] = scored.bm25[i] if scored.bm25 is not None else np.nan
            out[j, 1] = scored.bm25_rank[i] or n_cand
            out[j, 2] = scored.dense[i] if scored.dense is not None else np.nan
            out[j, 3] = scored.dense_rank[i] or n_cand
            out[j, 4] = fused[i]
            out[j, 5] = fused_rank[i]
            out[j, 6] = coverage[j]
            out[j, 7] = len(qset & title) / len(qset) if qset else 0.0
            out[j, 8] = float(bool(phrase) and phrase in self.title_norm[row])
            out[j, 9] = _share(q_numbers, self._row_numbers(row))
            out[j, 10] = _share(q_sizes, self._row_sizes(row))
            brand = self.brand_tokens[row]
            out[j, 11] = float(bool(brand) and brand <= qset)
            out[j, 12] = float(head in title) if head else np.nan
            out[j, 13] = len(title)
            out[j, 14] = corrected
            if self.price is not None and np.isfinite(self.price[row]):
                out[j, 15] = math.log1p(max(self.price[row], 0.0))
                out[j, 16] = float(np.searchsorted(self.price_edges, self.price[row]))
            if self.stock is not None and np.isfinite(self.stock[row]):
                out[j, 17] = float(self.stock[row] > 0)
        return out
