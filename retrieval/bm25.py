"""Lexical retrieval: one bm25s index per text field, scores summed with field weights."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from recsys_core.errors import NotFittedError
from retrieval.errors import SearchInputError
from retrieval.spelling import Correction, SpellingNormaliser
from retrieval.tokenizer import STOPWORDS, raw_words, tokenize


@dataclass(frozen=True)
class AnalysedQuery:
    """A query after typo normalisation: the tokens BM25 scores and what was changed."""

    text: str  # the normalised query text (also what the dense encoder sees)
    tokens: list[str]
    corrections: list[Correction] = field(default_factory=list)


class BM25Index:
    """BM25 (bm25s, Lucene variant) over several text fields of one catalogue.

    ``fields`` maps a field name to its weight; ``fit(texts)`` takes, per field, one string
    per document (empty for missing).
    """

    def __init__(
        self,
        *,
        fields: Mapping[str, float] | None = None,
        k1: float = 1.2,
        b: float = 0.75,
        spell_correct: bool = True,
        stopwords: frozenset[str] = STOPWORDS,
    ):
        self.fields = dict(fields or {"title": 1.0})
        self.k1 = k1
        self.b = b
        self.spell_correct = spell_correct
        self.stopwords = stopwords

    def fit(self, texts: Mapping[str, Sequence[str]]) -> BM25Index:
        import bm25s

        missing = [f for f in self.fields if f not in texts]
        if missing:
            raise SearchInputError(
                f"BM25 fields {missing} are not in the catalogue texts {sorted(texts)}; "
                "pass field weights only for columns the products have"
            )
        sizes = {len(texts[f]) for f in self.fields}
        if len(sizes) != 1:
            raise SearchInputError(f"BM25 fields have different lengths {sorted(sizes)}")
        for stale in ("held_postings_", "_held_tokens"):  # a refit forgets the old catalogue's caches
            self.__dict__.pop(stale, None)
        self.n_docs_ = sizes.pop()
        self.models_: dict[str, bm25s.BM25] = {}
        self.doc_tokens_: dict[str, list[set[str]]] = {}
        words: list[str] = []
        for name in self.fields:
            tokens = [tokenize(t or "", stopwords=self.stopwords) or [""] for t in texts[name]]
            model = bm25s.BM25(k1=self.k1, b=self.b)
            model.index(tokens, show_progress=False)
            self.models_[name] = model
            self.doc_tokens_[name] = [set(t) for t in tokens]
            for t in texts[name]:
                words.extend(raw_words(t or ""))
        # a word seen once in a big catalogue is as likely a typo as a target; in a small one
        # every word counts
        self.speller_ = SpellingNormaliser(min_count=2 if self.n_docs_ >= 5000 else 1).fit(words)
        return self

    def _check(self) -> None:
        if not hasattr(self, "models_"):
            raise NotFittedError(self)

    def analyse(self, query: str) -> AnalysedQuery:
        """Normalise typos (if enabled) and tokenize the query."""
        self._check()
        words = raw_words(query)
        fixes: list[Correction] = []
        if self.spell_correct:
            words, fixes = self.speller_.normalise(words)
        text = " ".join(words)
        return AnalysedQuery(text=text, tokens=tokenize(text, stopwords=self.stopwords), corrections=fixes)

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """Weighted BM25 score of every document (float32, length ``n_docs_``)."""
        self._check()
        total = np.zeros(self.n_docs_, dtype=np.float32)
        for name, weight in self.fields.items():
            model = self.models_[name]
            known = [t for t in tokens if t and t in model.vocab_dict]
            if known and weight:
                total += weight * model.get_scores(known)
        return total

    def matched_terms(self, tokens: Sequence[str], row: int) -> list[str]:
        """Query tokens present in document ``row`` (any field), in query order."""
        self._check()
        seen: list[str] = []
        for t in tokens:
            if t not in seen and any(t in self.doc_tokens_[f][row] for f in self.fields):
                seen.append(t)
        return seen

    def coverage(self, tokens: Sequence[str], row: int) -> float:
        """IDF-weighted share of the query ``tokens`` that occur in document ``row`` (any field).

        A token no document holds weighs the most, so a query about something the catalogue
        never mentions is poorly covered by every document."""
        return float(self.coverages(tokens, [row])[0])

    def coverages(self, tokens: Sequence[str], rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """:meth:`coverage` of each of ``rows`` (the query's weights computed once; each row's
        share is summed over the query's tokens in one fixed order)."""
        index = self.held_postings()
        weights = self.idf_weights(tokens)
        total = sum(weights.values())
        at = np.asarray(rows, dtype=np.int64)
        out = np.zeros(len(at))
        if not total:
            return out
        for t, w in weights.items():
            out[holds(index, t, at)] += w
        return out / total

    def document_frequency(self, token: str) -> int:
        """How many documents hold ``token`` in any field."""
        return len(self.held_postings().get(token, ()))

    def idf_weights(self, tokens: Sequence[str]) -> dict[str, float]:
        """Each distinct query token's weight in :meth:`coverages`: log((n + 1) / (df + 0.5))."""
        n = self.n_docs_
        return {t: math.log((n + 1) / (self.document_frequency(t) + 0.5)) for t in set(tokens) if t}

    def held_postings(self) -> dict[str, np.ndarray]:
        """Each token's documents (any field), ascending: the inverted index :meth:`coverages`
        and the ranker's features read (built on first use)."""
        self._check()
        if not hasattr(self, "held_postings_"):
            self.held_postings_ = postings([self._held(i) for i in range(self.n_docs_)])
        return self.held_postings_

    def _held(self, row: int) -> frozenset[str]:
        """The tokens of document ``row`` over all fields (cached per row)."""
        cache: dict[int, frozenset[str]] = self.__dict__.setdefault("_held_tokens", {})
        found = cache.get(row)
        if found is None:
            found = cache[row] = frozenset().union(*(self.doc_tokens_[f][row] for f in self.fields))
        return found


def postings(token_sets: Sequence[set[str] | frozenset[str]]) -> dict[str, np.ndarray]:
    """Each token's rows, ascending (an inverted index of the token sets)."""
    rows: dict[str, list[int]] = {}
    for row, tokens in enumerate(token_sets):
        for t in tokens:
            rows.setdefault(t, []).append(row)
    return {t: np.asarray(r, dtype=np.int64) for t, r in rows.items()}


def holds(index: dict[str, np.ndarray], token: str, rows: np.ndarray) -> np.ndarray:
    """Whether each of ``rows`` holds ``token`` (binary search in its postings)."""
    found = index.get(token)
    if found is None or not len(found):
        return np.zeros(len(rows), dtype=bool)
    at = np.minimum(np.searchsorted(found, rows), len(found) - 1)
    return np.asarray(found[at] == rows)
