"""Knowledge-base retrieval for customer-service answers: heading chunks, BM25 + MiniLM, cite or decline.

A question is answered only when the best chunk is close enough: cosine similarity, shared content
words, and IDF coverage — the share of the question's information (IDF-weighted content words) the
chunk contains. Coverage catches a question about a concept the policies never mention ("same-day
drone delivery") that still lands near a real chunk because of a common word ("delivery"); a word
no chunk holds counts with the highest IDF. Otherwise the assistant declines. The thresholds are
chosen on the dev half of the evaluation set (``benchmarks/assistant.py --tune``), never on its
test half.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from retrieval import Chunk

MIN_SIMILARITY = 0.58  # middle of the dev plateau 0.50..0.64 (benchmarks/assistant.py --tune)
MIN_OVERLAP = 1
MIN_COVERAGE = 0.10  # middle of the dev plateau 0.00..0.18 at MIN_SIMILARITY (benchmarks/assistant.py --tune)
_STOP = set("""a an the is are was were be been do does did can could i you we our your my me it its of to in on for
with at by from and or not no what when where which who how why will would should there this that these those
any have has had am if about into than then so such get got much many more most policy policies please tell""".split())


def content_words(text: str) -> set[str]:
    out = set()
    for w in re.findall(r"[a-z0-9]+", text.lower()):
        if w in _STOP or len(w) < 3:
            continue
        out.add(w[:-1] if w.endswith("s") and len(w) > 4 else w)
    return out


def _stem(word: str) -> str:
    """A crude stem (first five letters) so "tracking" meets "track" and "internationally" "international"."""
    return word[:5]


def body_text(chunk_text: str) -> str:
    """Chunk text without the "Doc — Heading" line the chunker puts first."""
    first, _, rest = chunk_text.partition("\n")
    return rest.strip() if " — " in first and rest.strip() else chunk_text.strip()


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its similarity to the question."""

    chunk_id: str
    doc_id: str
    doc_title: str
    heading: str
    text: str
    similarity: float
    overlap: int
    position: int = 0
    coverage: float = 1.0  # IDF-weighted share of the question's content words found in the chunk


class KnowledgeBase:
    """Chunks of the shop's knowledge base with their embeddings (cached on disk by content)."""

    def __init__(self, *, cache_dir: str | Path | None = None, min_similarity: float = MIN_SIMILARITY,
                 min_overlap: int = MIN_OVERLAP, min_coverage: float = MIN_COVERAGE, title_weight: float = 0.1):
        self.cache_dir = cache_dir
        self.title_weight = title_weight
        self.min_similarity = min_similarity
        self.min_overlap = min_overlap
        self.min_coverage = min_coverage

    def fit(self, knowledge_base: pd.DataFrame, *, collection: Any = None) -> KnowledgeBase:
        """Chunk the documents exactly as ``shelfwise index`` does (PII redacted) and take each chunk's
        vector from the Chroma KB ``collection`` when it holds that chunk's current text; chunks it
        lacks or holds stale (store changed since indexing), and every chunk without a collection,
        are embedded here with the same model and text, so both paths give the same vectors."""
        from recsys_core.models.embeddings import TextEmbedder
        from retrieval.indexing import kb_documents

        docs = kb_documents(knowledge_base)
        chunks = [Chunk(str(d.metadata["doc_id"]), str(d.metadata["doc_title"]), str(d.metadata.get("heading", "")),
                        int(d.metadata["position"]), d.text) for d in docs]
        self.chunks_ = chunks
        self.embedder_ = TextEmbedder(cache_dir=self.cache_dir, show_progress=False)
        texts = [d.text for d in docs]
        self.vectors_ = np.zeros((len(docs), 384), dtype=np.float32)
        fresh = np.zeros(len(docs), dtype=bool)
        if collection is not None and docs:
            from retrieval.chroma_store import load_embeddings

            got = collection.get(ids=[d.doc_id for d in docs], include=["metadatas"])
            stored = {i: (m or {}).get("content_hash") for i, m in zip(got["ids"], got["metadatas"] or [], strict=True)}
            fresh = np.array([stored.get(d.doc_id) == d.content_hash() for d in docs])
            if fresh.any():
                self.vectors_[fresh] = load_embeddings(collection, [d.doc_id for d, f in zip(docs, fresh, strict=True) if f])
        if not fresh.all() and docs:
            self.vectors_[~fresh] = self.embedder_.embed([t for t, f in zip(texts, fresh, strict=True) if not f])
        self.from_index_ = int(fresh.sum())  # chunks whose vector came from the Chroma collection
        self.words_ = [content_words(t) for t in texts]
        self.title_words_ = [content_words(c.doc_title) for c in chunks]
        self.stems_ = [{_stem(w) for w in ws} for ws in self.words_]
        df: dict[str, int] = {}
        for stems in self.stems_:
            for s in stems:
                df[s] = df.get(s, 0) + 1
        n = len(chunks)
        self.idf_ = {s: math.log((n + 1) / (c + 0.5)) for s, c in df.items()}
        self.max_idf_ = math.log((n + 1) / 0.5)  # a word no chunk holds
        return self

    def coverage(self, question: str, chunk_index: int) -> float:
        """IDF-weighted share of the question's content words that occur in chunk ``chunk_index``."""
        asked = {_stem(w) for w in content_words(question)}
        weights = {s: self.idf_.get(s, self.max_idf_) for s in asked}
        total = sum(weights.values())
        if not total:
            return 0.0
        return sum(w for s, w in weights.items() if s in self.stems_[chunk_index]) / total

    def retrieve(self, question: str, k: int = 3) -> list[Passage]:
        """Top ``k`` chunks by cosine similarity to the question."""
        if not self.chunks_:
            return []
        q = self.embedder_.embed([question])[0]
        sims = self.vectors_ @ q
        qw = content_words(question)
        # a question naming a document's title ("free shipping", "electronics warranty") prefers it
        bonus = np.array([len(qw & t) / max(1, len(t)) for t in self.title_words_])
        order = np.argsort(-(sims + self.title_weight * bonus))[:k]
        return [Passage(chunk_id=self.chunks_[i].chunk_id, doc_id=self.chunks_[i].doc_id,
                        doc_title=self.chunks_[i].doc_title, heading=self.chunks_[i].heading,
                        text=body_text(self.chunks_[i].text), similarity=float(sims[i]),
                        overlap=len(qw & self.words_[i]), position=self.chunks_[i].position,
                        coverage=self.coverage(question, int(i))) for i in order]

    def intro(self, doc_id: str) -> Passage | None:
        """The first chunk of a document (its summary sentence), for context next to a later chunk."""
        for c in self.chunks_:
            if c.doc_id == doc_id and c.position == 0:
                return Passage(c.chunk_id, c.doc_id, c.doc_title, c.heading, body_text(c.text), 1.0, 0, 0)
        return None

    def answerable(self, passages: list[Passage]) -> bool:
        """True when the best passage is strong enough to answer from (else the assistant declines)."""
        if not passages:
            return False
        best = passages[0]
        return (best.similarity >= self.min_similarity and best.overlap >= self.min_overlap
                and best.coverage >= self.min_coverage)
