"""Features of a (query, candidate product) pair for the learned search ranker.

Each feature is a number a merchandiser can name: the two retrievers' scores and ranks, the
fused score, how much of the query the title covers, an exact phrase match, agreement of
numbers and units ("1/2 in.", "2x4", "30 gal"), brand and product-type match, title length,
whether the query was spell-corrected, and — on shops with those columns — price band and stock.
Added for spelling and wording: the share of the query's letter 3-grams in the title, word pairs
in order, words found allowing typos, similarity to the top results' centre, the gap to the best
meaning similarity, the query's last word among the title's last three, and the query's length.
``search_popularity`` is log(1 + the number of *other* training searches the product was relevant
to: labelled relevant, or clicked in the log), counted by the ranker when it is fitted.
A feature a catalogue cannot provide is NaN (the booster routes missing values itself).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from retrieval.bm25 import holds, postings
from retrieval.tokenizer import normalise_text, tokenize

FEATURES: tuple[str, ...] = (
    "bm25_score", "bm25_rank", "dense_similarity", "dense_rank", "fused_score", "fused_rank",
    "query_coverage", "title_coverage", "exact_phrase", "numbers_match", "units_match", "brand_match",
    "type_match", "title_words", "spelling_corrected", "log_price", "price_band", "in_stock",
    "letter_overlap", "letter_similarity", "word_pairs", "fuzzy_coverage", "top_results_similarity",
    "meaning_gap", "type_at_end", "query_words", "search_popularity",
)
FEATURE_NAMES: dict[str, str] = {  # what each feature is called in an explanation
    "bm25_score": "keyword score", "bm25_rank": "keyword rank", "dense_similarity": "meaning similarity",
    "dense_rank": "meaning rank", "fused_score": "combined retrieval score", "fused_rank": "combined rank",
    "query_coverage": "share of query words found", "title_coverage": "share of query words in the title",
    "exact_phrase": "exact phrase in the title", "numbers_match": "numbers match", "units_match": "sizes/units match",
    "brand_match": "brand named in the query", "type_match": "product type matches", "title_words": "title length",
    "spelling_corrected": "query spell-corrected", "log_price": "price", "price_band": "price band", "in_stock": "in stock",
    "letter_overlap": "letter overlap with the query", "letter_similarity": "spelling closeness to the query",
    "word_pairs": "query word pairs in the title", "fuzzy_coverage": "query words found allowing typos",
    "top_results_similarity": "likeness to the top results", "meaning_gap": "meaning similarity gap to the best",
    "type_at_end": "product type at the title's end", "query_words": "query length",
    "search_popularity": "search popularity",
}
FUZZY_MIN_LETTERS = 4  # shorter words must match exactly (codes, sizes, "led" vs "lid")
FUZZY_RATIO = 80.0  # rapidfuzz ratio (0-100) at which two words count as the same word misspelt
TOP_RESULTS = 10  # candidates (by combined score) whose mean embedding ``top_results_similarity`` reads
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


def letter_grams(normalised: str) -> set[str]:
    """Letter 3-grams of already normalised text (:func:`normalise_text`) with word edges marked
    ("tshirt" and "t-shirt" share most)."""
    t = " " + " ".join(normalised.split()) + " "
    return {t[i:i + 3] for i in range(len(t) - 2)}


def fuzzy_found(word: str, title: Sequence[str]) -> bool:
    """``word`` is in ``title`` or, with :data:`FUZZY_MIN_LETTERS`+ letters, misspelt there."""
    if word in title:
        return True
    if len(word) < FUZZY_MIN_LETTERS:
        return False
    return process.extractOne(word, title, scorer=fuzz.ratio, score_cutoff=FUZZY_RATIO) is not None


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
        self.embeddings = getattr(searcher, "embeddings_", None)
        self._numbers: dict[int, set[str]] = {}
        self._sequences: dict[int, list[str]] = {}  # title tokens in order, read lazily
        self._grams: dict[int, set[str]] = {}  # title letter 3-grams, read lazily
        self._popularity: tuple[Any, np.ndarray] | None = None  # (ranker, its counts per catalogue row)
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

    def _row_sequence(self, row: int) -> list[str]:
        if row not in self._sequences:
            self._sequences[row] = tokenize(self.titles[row])
        return self._sequences[row]

    def _row_grams(self, row: int) -> set[str]:
        if row not in self._grams:
            self._grams[row] = letter_grams(self.title_norm[row])
        return self._grams[row]

    def popularity_rows(self) -> np.ndarray | None:
        """The searcher's ranker's search popularity, per catalogue row (None without one)."""
        ranker = getattr(self.searcher, "ranker", None)
        counts = getattr(ranker, "popularity_", None)
        if counts is None:
            return None
        if self._popularity is None or self._popularity[0] is not ranker:
            values = np.zeros(len(self.titles))
            row_of = self.searcher.row_of_
            for item, n in counts.items():
                if item in row_of:
                    values[row_of[item]] = n
            self._popularity = (ranker, values)
        return self._popularity[1]

    def build(self, scored: Any, positions: Sequence[int], *, popularity: np.ndarray | None = None) -> np.ndarray:
        """Features (rows: ``positions`` into ``scored.rows``; columns: :data:`FEATURES`).

        ``popularity``: each candidate's count of other relevant searches (training passes these,
        each search's own left out); by default the fitted ranker's counts."""
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
        q_grams = letter_grams(phrase) if phrase else set()
        pairs = set(zip(tokens, tokens[1:], strict=False))
        for j, r in enumerate(rows.tolist()):
            if q_grams:
                t_grams = self._row_grams(r)
                shared = len(q_grams & t_grams)
                out[j, 18] = shared / len(q_grams)
                out[j, 19] = shared / len(q_grams | t_grams)
            seq = self._row_sequence(r)
            if pairs:
                out[j, 20] = len(pairs & set(zip(seq, seq[1:], strict=False))) / len(pairs)
            if tokens:
                out[j, 21] = sum(fuzzy_found(t, seq) for t in tokens) / len(tokens)
                out[j, 24] = head in seq[-3:]
        if self.embeddings is not None and scored.dense is not None and len(scored.rows):
            top = np.asarray(scored.rows, dtype=np.int64)[order[:TOP_RESULTS]]
            centre = self.embeddings[top].astype(np.float64).mean(axis=0)
            centre /= np.linalg.norm(centre) or 1.0
            out[:, 22] = self.embeddings[rows].astype(np.float64) @ centre
            out[:, 23] = scored.dense[at] - float(np.max(scored.dense))
        out[:, 25] = len(tokens)
        if popularity is None:
            by_row = self.popularity_rows()
            popularity = None if by_row is None else by_row[rows]
        if popularity is not None:
            out[:, 26] = np.log1p(np.maximum(np.asarray(popularity, dtype=np.float64), 0.0))
        return out
