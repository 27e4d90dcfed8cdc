"""The knowledge base, searched the way products are: BM25 + dense over its heading chunks.

``KnowledgeBase().fit(kb)`` chunks the documents exactly as ``shelfwise index`` stores them
(:func:`retrieval.indexing.kb_documents`, PII redacted), takes each chunk's vector from the
Chroma KB collection when it holds that chunk's current text (else embeds it with the same
model and text), and indexes the chunks with :class:`~retrieval.search.HybridSearcher`.

:meth:`KnowledgeBase.answer` answers extractively — the sentences of the best chunk that are
closest to the question — or declines. Whether to answer is a calibrated probability: a logistic
model over retrieval features (:data:`FEATURES`: the best chunk's similarity and coverage, its
margin over the runner-up, the best sentence's similarity, the share of the question's words the
knowledge base never uses, how near the question's focus words come to the best document's
words, ...), fitted on the dev halves of the assistant's evaluation sets by
``benchmarks/assistant.py --tune`` and stored in ``kb_decline.json`` next to this module. A
question about something the policies never mention ("same-day drone delivery") lands near a
real chunk through a common word ("delivery") but leaves a focus word ("drone") unrelated to
anything the document says; product words ("my desk lamp") are not focus words.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from retrieval.tokenizer import QUESTION_STOPWORDS

# dense weight of the chunk ranking (chosen on dev, benchmarks/assistant.py --tune)
DENSE_WEIGHT = 0.75
# used only when no fitted decline model is found (kb_decline.json missing): the earlier hand-set cut
MIN_SIMILARITY = 0.54
MIN_COVERAGE = 0.10
DECLINE_MODEL = Path(__file__).with_name("kb_decline.json")
FEATURES = ("similarity", "coverage", "margin", "sentence_similarity", "unknown_share", "matched_share",
            "same_doc", "dense_z", "bm25_top", "focus_weakest", "focus_second", "doc_word_mean")
# words that carry no topic in a question (how fast / long / much, "actually", "still", contractions): left out of the
# word-to-document alignment, where they would look like an uncovered subject
FILLER_WORDS = frozenset("""fast quickly quick soon long much many often actually still just get got anything anymore really bit now whats what's don't doesn't
isn't it's i've i'm i'd won't can't didn't thing things something need want like also ever even maybe please thanks
hi hey ok okay""".split())
_WORDS = re.compile(r"[a-z][a-z0-9'-]{2,}")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
TITLE_WEIGHT = 0.3  # BM25 weight of a chunk's "document — heading" line against its body (1.0)
LISTING_PENALTY = 0.15  # sentence choice: a list of product names is not an answer (chosen on dev)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with how well it matches the question."""

    chunk_id: str
    doc_id: str
    doc_title: str
    heading: str
    text: str  # the chunk's body, without its "document — heading" line
    similarity: float  # cosine similarity of question and chunk
    coverage: float  # IDF-weighted share of the question's words in the chunk
    matched: tuple[str, ...] = ()  # question words the chunk holds
    position: int = 0
    score: float = 0.0  # fused BM25 + dense score (the ranking)
    row: int = -1  # the chunk's row in the index


@dataclass
class DeclineModel:
    """P(answerable) = sigmoid(intercept + coef . features); answer when it reaches ``threshold``."""

    coef: dict[str, float]
    intercept: float
    threshold: float = 0.5
    mean: dict[str, float] = field(default_factory=dict)  # features are standardised first
    scale: dict[str, float] = field(default_factory=dict)
    fitted_on: str = ""

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept
        for name, w in self.coef.items():
            x = (features.get(name, 0.0) - self.mean.get(name, 0.0)) / (self.scale.get(name, 1.0) or 1.0)
            z += w * x
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    @classmethod
    def load(cls, path: str | Path = DECLINE_MODEL) -> DeclineModel | None:
        p = Path(path)
        if not p.exists():
            return None
        raw = json.loads(p.read_text(encoding="utf-8"))
        return cls(coef=dict(raw["coef"]), intercept=float(raw["intercept"]), threshold=float(raw["threshold"]),
                   mean=dict(raw.get("mean", {})), scale=dict(raw.get("scale", {})), fitted_on=str(raw.get("fitted_on", "")))

    def save(self, path: str | Path = DECLINE_MODEL) -> None:
        Path(path).write_text(json.dumps({"features": list(self.coef), "coef": self.coef, "intercept": self.intercept,
                                          "threshold": self.threshold, "mean": self.mean, "scale": self.scale,
                                          "fitted_on": self.fitted_on}, indent=1) + "\n", encoding="utf-8")


@dataclass
class KbReply:
    """An extractive answer: the passages found, the sentences quoted from the best one, the
    probability that the knowledge base answers the question, and the decision."""

    passages: list[Passage]
    sentences: list[str]
    probability: float
    answerable: bool
    features: dict[str, float]
    chunk_ids: list[str] = field(default_factory=list)  # the chunks the sentences come from (cite these)


def sentences_of(text: str) -> list[str]:
    """The sentences of a chunk body (markdown list items count as sentences)."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip().lstrip("-*• ").strip()
        if line and not line.startswith("#"):
            out.extend(s.strip() for s in _SENTENCE.split(line) if s.strip())
    return out


def body_text(chunk_text: str) -> str:
    """Chunk text without the "Doc — Heading" line the chunker puts first."""
    first, _, rest = chunk_text.partition("\n")
    return rest.strip() if " — " in first and rest.strip() else chunk_text.strip()


class KnowledgeBase:
    """Heading chunks of the shop's knowledge base in a hybrid (BM25 + dense) index."""

    def __init__(self, *, min_similarity: float = MIN_SIMILARITY, min_coverage: float = MIN_COVERAGE,
                 dense_weight: float = DENSE_WEIGHT, title_weight: float = TITLE_WEIGHT,
                 cache_dir: str | Path | None = None, decline_model: DeclineModel | None | str = "default"):
        self.decline_model = DeclineModel.load() if decline_model == "default" else decline_model
        self.min_similarity = min_similarity
        self.min_coverage = min_coverage
        self.dense_weight = dense_weight
        self.title_weight = title_weight
        self.cache_dir = cache_dir

    def fit(self, knowledge_base: pd.DataFrame, *, collection: Any = None,
            catalog_titles: Iterable[str] = ()) -> KnowledgeBase:
        """Chunk and index ``knowledge_base``; vectors from ``collection`` where it holds the chunk's
        current text (chunks it lacks or holds stale are embedded here, with the same model).
        ``catalog_titles`` (the product titles) name the shop's product words: a product inside a
        policy question ("my desk lamp cracked") is incidental, not its subject, so the decline
        model's focus features leave those words out."""
        from retrieval.indexing import kb_documents
        from retrieval.search import HybridSearcher

        docs = kb_documents(knowledge_base)
        self.docs_ = docs
        vectors = np.zeros((len(docs), 384), dtype=np.float32)
        fresh = np.zeros(len(docs), dtype=bool)
        if collection is not None and docs:
            from retrieval.chroma_store import load_embeddings

            got = collection.get(ids=[d.doc_id for d in docs], include=["metadatas"])
            stored = {i: (m or {}).get("content_hash") for i, m in zip(got["ids"], got["metadatas"] or [], strict=True)}
            fresh = np.array([stored.get(d.doc_id) == d.content_hash() for d in docs])
            if fresh.any():
                vectors[fresh] = load_embeddings(collection, [d.doc_id for d, f in zip(docs, fresh, strict=True) if f])
        if docs and not fresh.all():
            from retrieval.embedding import embed_texts

            vectors[~fresh] = embed_texts([d.text for d, f in zip(docs, fresh, strict=True) if not f],
                                          cache_dir=self.cache_dir, show_progress=False)
        self.vectors_ = vectors
        self.from_index_ = int(fresh.sum())  # chunks whose vector came from the Chroma collection
        frame = pd.DataFrame({
            "item_id": [d.doc_id for d in docs],
            "title": [d.text.partition("\n")[0] for d in docs],
            "description": [body_text(d.text) for d in docs],
        })
        self.searcher_ = HybridSearcher(mode="hybrid", dense_weight=self.dense_weight, candidates=max(1, len(docs)),
                                        field_weights={"title": self.title_weight, "description": 1.0},
                                        parse_queries=False, spell_correct=False, personal_weight=0.0,
                                        stopwords=QUESTION_STOPWORDS)
        if docs:
            self.searcher_.fit(frame, embeddings=vectors, show_progress=False)
        self._fit_words(docs)
        self.catalog_words_ = frozenset(w for t in catalog_titles for w in self._content_words(str(t)))
        self.doc_rows_: dict[str, list[int]] = {}
        for row, d in enumerate(docs):
            self.doc_rows_.setdefault(str(d.metadata["doc_id"]), []).append(row)
        self.sentences_ = [sentences_of(body_text(d.text)) for d in docs]
        self.listing_ = [[self._lists_products(x) for x in sents] for sents in self.sentences_]  # once, not per question
        flat = [s for sents in self.sentences_ for s in sents]
        self.sentence_vectors_: list[np.ndarray] = []
        if flat:
            from retrieval.embedding import embed_texts

            vecs = embed_texts(flat, cache_dir=self.cache_dir, show_progress=False)
            start = 0
            for sents in self.sentences_:
                self.sentence_vectors_.append(vecs[start:start + len(sents)])
                start += len(sents)
        return self

    def _lists_products(self, sentence: str) -> bool:
        """A sentence that is mostly product names ("... (frying pan, saucepan, chef knife and
        more)"): it matches a question through the product it names, and answers nothing."""
        words = self._content_words(sentence)
        return len(words) >= 8 and sum(w in self.catalog_words_ for w in words) / len(words) > 0.5

    def _content_words(self, text: str) -> list[str]:
        return [w for w in dict.fromkeys(_WORDS.findall(text.lower())) if w not in QUESTION_STOPWORDS]

    def _fit_words(self, docs: list[Any]) -> None:
        """Each chunk's content words, and a vector per word (for how near a question's words
        come to a chunk's: "amex" is near "american express", "bitcoin" near nothing there)."""
        from retrieval.embedding import embed_texts

        self.chunk_words_ = [self._content_words(d.text) for d in docs]
        vocab = sorted({w for ws in self.chunk_words_ for w in ws})
        self.vocab_ = {w: i for i, w in enumerate(vocab)}
        self.word_vectors_ = (embed_texts(vocab, cache_dir=self.cache_dir, show_progress=False) if vocab
                              else np.zeros((0, 384), dtype=np.float32))

    def word_alignment(self, question: str, doc_id: str) -> tuple[float, float, float]:
        """How near the question's words come to the words of document ``doc_id`` (all its
        chunks): (weakest, second weakest) best cosine similarity over the question's focus words
        — content words that are neither filler, common English nor product words — and the mean
        over all its non-filler content words. A near miss ("gold *tier*", "parcel *locker*")
        leaves one focus word unrelated to anything the document says."""
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        from retrieval.embedding import embed_texts

        words = [w for w in self._content_words(question) if w not in FILLER_WORDS]
        rows = self.doc_rows_.get(doc_id, [])
        vocab = sorted({self.vocab_[w] for r in rows for w in self.chunk_words_[r] if w in self.vocab_})
        if not words or not vocab:
            return 1.0, 1.0, 1.0
        best = (embed_texts(words, cache_dir=self.cache_dir, show_progress=False) @ self.word_vectors_[vocab].T).max(axis=1)
        focus = np.sort([b for w, b in zip(words, best, strict=True)
                         if w not in ENGLISH_STOP_WORDS and w not in self.catalog_words_])
        if not len(focus):
            return 1.0, 1.0, float(best.mean())
        return float(focus[0]), float(focus[1] if len(focus) > 1 else focus[0]), float(best.mean())

    def features(self, question: str, passages: list[Passage], query_vector: np.ndarray | None = None) -> dict[str, float]:
        """The retrieval features the decline model reads (see :data:`FEATURES`)."""
        if not passages:
            return dict.fromkeys(FEATURES, 0.0)
        best = passages[0]
        second = passages[1] if len(passages) > 1 else None
        tokens = self.searcher_.bm25_.analyse(question).tokens
        bm = self.searcher_.bm25_
        weights = bm.idf_weights(tokens)
        total = sum(weights.values()) or 1.0
        unknown = sum(w for t, w in weights.items() if bm.document_frequency(t) == 0) / total
        sent_sim = 0.0
        if query_vector is not None and best.row < len(self.sentence_vectors_) and len(self.sentence_vectors_[best.row]):
            sent_sim = float(np.max(self.sentence_vectors_[best.row] @ query_vector))
        dense_z = bm25_top = 0.0
        if query_vector is not None and len(self.vectors_) > 1:
            sims = self.vectors_ @ query_vector
            dense_z = float((sims.max() - sims.mean()) / (sims.std() + 1e-9))  # how much the best chunk stands out
        if tokens:
            scores = bm.scores(tokens)
            bm25_top = float(scores.max() / (scores.max() + scores.mean() + 1e-9)) if scores.max() > 0 else 0.0
        weakest, second_weakest, mean_word = self.word_alignment(question, best.doc_id)
        return {"focus_weakest": weakest, "focus_second": second_weakest, "doc_word_mean": mean_word, "dense_z": dense_z, "bm25_top": bm25_top, "similarity": best.similarity, "coverage": best.coverage,
                "margin": best.similarity - (second.similarity if second else 0.0),
                "sentence_similarity": sent_sim, "unknown_share": unknown,
                "matched_share": len(best.matched) / max(1, len(set(tokens))),
                "same_doc": float(second is not None and second.doc_id == best.doc_id)}

    def answer(self, question: str, *, context: str | None = None, k: int = 5, max_sentences: int = 2) -> KbReply:
        """The sentences that answer ``question`` best — from the best chunk's document, among
        the ``k`` chunks retrieved, in the document's order — or a decline when the decline
        model's probability is below its threshold. ``context``: the question this one follows
        up ("how long does it take?" after "can I return opened headphones?"); the follow-up is
        read together with its context, and on its own when that reading is declined (a long
        joint question leaves more words uncovered than either half)."""
        if context:
            joint = self.answer(f"{context} {question}", k=k, max_sentences=max_sentences)
            if joint.answerable:
                return joint
            alone = self.answer(question, k=k, max_sentences=max_sentences)
            return alone if alone.answerable else joint
        from retrieval.embedding import embed_query

        passages = self.retrieve(question, k=k)
        if not passages:
            return KbReply([], [], 0.0, False, dict.fromkeys(FEATURES, 0.0))
        qv = np.asarray(embed_query(question), dtype=np.float32)
        feats = self.features(question, passages, qv)
        if self.decline_model is not None:
            prob = self.decline_model.probability(feats)
            ok = prob >= self.decline_model.threshold and bool(passages[0].matched or feats["similarity"] > 0.6)
        else:
            ok = self.answerable(passages)
            prob = float(ok)
        best = passages[0]
        tokens = set(self.searcher_.bm25_.analyse(question).tokens)
        pool: list[tuple[float, int, int, str, str]] = []  # (score, position, index, sentence, chunk id)
        for p in passages:
            if p.doc_id != best.doc_id or p.row >= len(self.sentences_):
                continue
            sents = self.sentences_[p.row]
            sims = self.sentence_vectors_[p.row] @ qv if sents else np.zeros(0)
            for i, sent in enumerate(sents):
                overlap = len(tokens & set(self.searcher_.bm25_.analyse(sent).tokens)) / max(1, len(tokens))
                listing = LISTING_PENALTY if self.listing_[p.row][i] else 0.0
                pool.append((float(sims[i]) + 0.5 * overlap - listing + (0.05 if p is best else 0.0), p.position, i, sent,
                             p.chunk_id))
        pool.sort(key=lambda x: -x[0])
        chosen = [x for x in pool[:max_sentences] if x[0] >= pool[0][0] - 0.2] if pool else []
        chosen.sort(key=lambda x: (x[1], x[2]))
        chunks = list(dict.fromkeys([best.chunk_id] + [x[4] for x in chosen if x[4] != best.chunk_id]))
        if chosen and best.chunk_id not in {x[4] for x in chosen}:
            chunks = list(dict.fromkeys(x[4] for x in chosen))
        return KbReply(passages, [x[3] for x in chosen], round(prob, 4), ok, {k: round(v, 4) for k, v in feats.items()},
                       chunks)

    def retrieve(self, question: str, k: int = 3) -> list[Passage]:
        """The ``k`` best chunks for ``question``, best first."""
        if not self.docs_ or not question.strip():
            return []
        hits = self.searcher_.search(question, k=k, explain=True)
        tokens = self.searcher_.bm25_.analyse(question).tokens
        out = []
        for h in hits:
            row = self.searcher_.row_of_[h.item_id]
            doc = self.docs_[row]
            t = h.trace
            out.append(Passage(
                chunk_id=doc.doc_id, doc_id=str(doc.metadata["doc_id"]), doc_title=str(doc.metadata["doc_title"]),
                heading=str(doc.metadata.get("heading", "")), text=body_text(doc.text),
                similarity=float(t.dense_similarity or 0.0) if t else 0.0,
                coverage=self.searcher_.bm25_.coverage(tokens, row),
                matched=tuple(t.matched_terms) if t else (), position=int(doc.metadata["position"]), score=h.score,
                row=row))
        return out

    def answerable(self, passages: list[Passage]) -> bool:
        """True when the best passage is strong enough to answer from (else the assistant declines)."""
        if not passages:
            return False
        best = passages[0]
        return bool(best.matched) and best.similarity >= self.min_similarity and best.coverage >= self.min_coverage

    def intro(self, doc_id: str) -> Passage | None:
        """The first chunk of a document (its summary), for context next to a later chunk."""
        for d in self.docs_:
            if d.metadata["doc_id"] == doc_id and d.metadata["position"] == 0:
                return Passage(d.doc_id, doc_id, str(d.metadata["doc_title"]), str(d.metadata.get("heading", "")),
                               body_text(d.text), 1.0, 1.0)
        return None


def open_knowledge_base(workspace: str | Path, knowledge_base: pd.DataFrame, *, catalog_titles: Iterable[str] = (),
                        **params: Any) -> KnowledgeBase:
    """The workspace's knowledge base; vectors from its Chroma KB collection when ``shelfwise
    index`` built one (unusable or absent: every chunk is embedded here). ``catalog_titles``: the
    product titles (see :meth:`KnowledgeBase.fit`)."""
    from recsys_core.errors import ShelfwiseError
    from recsys_core.workspace import Workspace

    collection = None
    note = ""
    root = Path(workspace)
    index_dir = Workspace(root).index_dir
    if index_dir.exists():
        try:
            from retrieval.chroma_store import StoreConfig, get_collection, open_client
            from retrieval.indexing import read_manifest

            read_manifest(root)
            config = StoreConfig.for_workspace(root)
            collection = get_collection(open_client(config), "kb", config)
        except (ShelfwiseError, ImportError, FileNotFoundError) as exc:
            note = f"knowledge base embedded in process: the index could not be used ({exc})"
    kb = KnowledgeBase(cache_dir=index_dir / "embed-cache", **params).fit(knowledge_base, collection=collection,
                                                                         catalog_titles=catalog_titles)
    kb.note_ = note
    return kb
