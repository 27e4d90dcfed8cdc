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

from retrieval.bm25 import holds, postings
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


class FeatureBuilder:
    """Builds the feature matrix of a query's candidates for one fitted searcher.

    Per-product facts are computed once: term postings (title words, and all indexed fields'
    words for the coverage), title lengths, brand tokens, price and stock columns; numbers and
    sizes per title are read lazily, and only for queries that name one. ``build`` is then numpy
    over the candidate block, with the values of the per-candidate definitions above.
    """

    def __init__(self, searcher: Any):
        self.searcher = searcher
        products = searcher.products_
        self.titles = products["title"].fillna("").astype(str).tolist()
        self.title_norm = [normalise_text(t) for t in self.titles]
        bm = searcher.bm25_
        self.title_tokens = bm.doc_tokens_.get("title") or [set(t.split()) for t in self.title_norm]
        self.title_words = np.asarray([len(t) for t in self.title_tokens], dtype=np.float64)
        self.bm25 = bm
        # with the title as the only indexed field, the title index is BM25's own
        self.title_postings = (bm.held_postings() if list(bm.fields) == ["title"] and "title" in bm.doc_tokens_
                               else postings(self.title_tokens))
        self._numbers: dict[int, set[str]] = {}
        self._sizes: dict[int, set[tuple[str, str]]] = {}
        brand = products["brand"] if "brand" in products else None
        # the brand column, else the title's first word (catalogues like Home Depot lead with it)
        self.brand_tokens = [
            set(tokenize(b if isinstance(b, str) and b else (t.split()[0] if t.split() else "")))
            for b, t in zip(brand if brand is not None else [None] * len(self.titles), self.titles, strict=True)]
        self.brand_size = np.asarray([len(b) for b in self.brand_tokens], dtype=np.int64)
        self.brand_postings = postings(self.brand_tokens)
        n = len(self.titles)
        self.log_price = np.full(n, np.nan)
        self.price_band = np.full(n, np.nan)
        self.in_stock = np.full(n, np.nan)
        if "price" in products:
            price = products["price"].astype("float64").to_numpy()
            finite = np.isfinite(price)
            edges = np.quantile(price[finite], [0.2, 0.4, 0.6, 0.8]) if finite.any() else np.zeros(4)
            # math.log1p, not numpy's: the two differ in the last bit and the ranker was fitted on this
            self.log_price[finite] = [math.log1p(max(p, 0.0)) for p in price[finite].tolist()]
            self.price_band[finite] = np.searchsorted(edges, price[finite])
        if "stock" in products:
            stock = products["stock"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
            finite = np.isfinite(stock)
            self.in_stock[finite] = stock[finite] > 0

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
        tokens = [t for t in scored.analysed.tokens if t]
        qset = set(tokens)
        text = scored.analysed.text or ""
        phrase = normalise_text(text).strip()
        q_numbers = numbers(text)
        q_sizes = sizes(text)
        head = tokens[-1] if tokens else None
        n_cand = float(len(scored.rows) + 1)
        at = np.asarray(positions, dtype=np.int64)
        rows = np.asarray(scored.rows, dtype=np.int64)[at]
        out = np.full((len(at), len(FEATURES)), np.nan)
        fused = scored.fused
        order = np.argsort(-fused, kind="stable")
        fused_rank = np.empty(len(fused))
        fused_rank[order] = np.arange(1, len(fused) + 1)
        if scored.bm25 is not None:
            out[:, 0] = scored.bm25[at]
        out[:, 1] = np.where(scored.bm25_rank[at] != 0, scored.bm25_rank[at], n_cand)
        if scored.dense is not None:
            out[:, 2] = scored.dense[at]
        out[:, 3] = np.where(scored.dense_rank[at] != 0, scored.dense_rank[at], n_cand)
        out[:, 4] = fused[at]
        out[:, 5] = fused_rank[at]
        out[:, 6] = self.bm25.coverages(tokens, rows) if tokens else 0.0
        in_title = np.zeros(len(rows), dtype=np.int64)
        in_brand = np.zeros(len(rows), dtype=np.int64)
        for t in qset:
            in_title += holds(self.title_postings, t, rows)
            in_brand += holds(self.brand_postings, t, rows)
        out[:, 7] = in_title / len(qset) if qset else 0.0
        out[:, 8] = [phrase in self.title_norm[r] for r in rows.tolist()] if phrase else 0.0
        if q_numbers:
            out[:, 9] = [len(q_numbers & self._row_numbers(r)) / len(q_numbers) for r in rows.tolist()]
        if q_sizes:
            out[:, 10] = [len(q_sizes & self._row_sizes(r)) / len(q_sizes) for r in rows.tolist()]
        size = self.brand_size[rows]
        out[:, 11] = (size > 0) & (in_brand == size)  # every word of the brand is in the query
        if head:
            out[:, 12] = holds(self.title_postings, head, rows)
        out[:, 13] = self.title_words[rows]
        out[:, 14] = float(bool(scored.analysed.corrections))
        out[:, 15] = self.log_price[rows]
        out[:, 16] = self.price_band[rows]
        out[:, 17] = self.in_stock[rows]
        return out
