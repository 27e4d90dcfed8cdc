"""Aspects of products that reviews talk about, found by sentence-embedding similarity.

:class:`AspectExtractor` splits each review (title and text) into sentences, embeds them with the
bundled all-MiniLM-L6-v2 and compares them with a short description of each aspect in
:data:`ASPECTS`; a sentence mentions an aspect when the cosine similarity, plus a small bonus when
one of the aspect's own words appears, clears ``threshold``. Whether the mention is a complaint
or praise comes from word cues (complaint and praise words, a negation in the three words before
a cue flips it: "no leaks", "not comfortable"), the review's star rating breaking ties.
:func:`item_problems` turns mentions into "item X has problem Y" when enough of the item's
reviews complain about Y.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.errors import NotFittedError
from recsys_core.reviews.errors import ReviewsInputError

ASPECTS: dict[str, str] = {
    "sizing": "the size or fit: runs small, runs large, too tight, too loose, true to size, order a size up",
    "durability": "durability and build quality: broke, fell apart, ripped, cracked, stopped working, "
                  "still going strong after months",
    "waterproofing": "waterproofing: keeps the rain out, leaks, water got in, stayed dry in a storm, got soaked",
    "battery": "battery life and charging: the battery died quickly, lasts all day, holds a charge, needs recharging",
    "taste": "taste and flavour: tastes great, delicious, bland, stale, bitter, fresh flavour",
    "comfort": "comfort: comfortable to wear or use, soft and cushioned, hurts, gave me blisters, painful",
    "noise": "noise: loud, noisy, quiet, rattles, buzzing, humming sound",
    "smell": "smell or odour: smells bad, strong chemical smell, unpleasant odour, stinks, nice scent",
}

# an aspect's own words: a sentence holding one gets KEYWORD_BONUS on top of its similarity
KEYWORDS: dict[str, tuple[str, ...]] = {
    "sizing": ("size", "sizing", "fit", "fits", "fitted", "runs small", "runs large", "runs big", "run small", "run large", "tight", "loose",
               "snug", "size up", "size down", "true to size", "too small", "too big", "too large", "narrow"),
    "durability": ("broke", "broken", "break", "tore", "torn", "ripped", "fell apart", "cracked", "durable",
                   "sturdy", "flimsy", "lasted", "wore out", "snapped", "stopped working", "falling apart",
                   "quality", "build"),
    # not "rain" or "water": they name products too ("rain jacket", "water bottle")
    "waterproofing": ("leak", "leaks", "leaked", "leaking", "waterproof", "soaked", "wet", "dry", "drip",
                      "dripped", "storm", "damp", "seeped", "downpour"),
    "battery": ("battery", "charge", "charging", "charged", "recharge", "battery life", "died", "dies"),
    "taste": ("taste", "tastes", "tasted", "flavour", "flavor", "stale", "bland", "delicious", "bitter",
              "tasty", "sweet", "salty"),
    "comfort": ("comfort", "comfortable", "uncomfortable", "comfy", "blisters", "hurts", "hurt", "painful",
                "cushioned", "cushioning", "soft", "sore"),
    "noise": ("noise", "noisy", "loud", "quiet", "rattle", "rattles", "rattling", "buzz", "buzzing", "hum",
              "hums", "humming", "squeak", "squeaks", "silent"),
    "smell": ("smell", "smells", "smelled", "smelly", "odour", "odor", "stink", "stinks", "scent", "fumes",
              "chemical smell"),
}
KEYWORD_BONUS = 0.15
# chosen on the dev half of the demo shop's items (benchmarks/reviews.py; best F1 of item problems)
THRESHOLD = 0.45
MIN_SHARE = 0.3
MIN_REVIEWS = 2

_NEGATIVE = frozenset("""leak leaks leaked leaking broke broken tore torn ripped cracked died dies dead stale bland
bitter tight loose small uncomfortable hurts hurt painful blisters sore loud noisy rattle rattles rattling buzz
buzzing hum hums humming squeak squeaks stinks stink smelly fumes flimsy soaked wet damp drip dripped dripping
disappointing disappointed poor bad terrible awful cheap worst returned return returning useless weak fragile
cramped scratchy stiff snapped drains drained narrow faulty defective unpleasant overpowering chemical annoying
problem problems issue issues complaint wrong""".split())
_POSITIVE = frozenset("""great love loved perfect perfectly excellent comfortable comfy dry sturdy durable solid
quiet silent fresh delicious tasty lasts lasted holds good nice fine amazing happy recommend soft pleasant strong
well awesome fantastic superb reliable cushioned roomy tough watertight""".split())
_NEGATIVE_PHRASES = ("runs small", "runs large", "runs big", "size up", "sizing up", "size down", "too small",
                     "too big", "too large", "too tight", "fell apart", "falling apart", "stopped working",
                     "wore out", "gave out", "water got in", "let water in", "lets water in", "soaked through",
                     "gave me blisters", "no longer", "did not last", "didn't last")
_POSITIVE_PHRASES = ("true to size", "fits well", "fits perfectly", "fit perfectly", "kept us dry", "kept me dry",
                     "stayed dry", "keeps the rain out", "kept the rain out", "keep the rain out", "keep you dry",
                     "keeps you dry", "still going strong", "all day",
                     "holds a charge", "held up")
_NEGATIONS = frozenset("not no never without hardly barely zero none nothing isn't wasn't doesn't didn't don't "
                       "won't can't couldn't aren't weren't n't".split())
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
MENTION_COLUMNS = ("review_id", "item_id", "created_at", "rating", "aspect", "polarity", "score", "sentence")
_NEEDED = ("review_id", "item_id", "rating", "text")


def split_sentences(text: str) -> list[str]:
    """The sentences of a review, blanks dropped (a sentence of one or two words is kept too)."""
    parts = (" ".join(p.split()) for p in _SENTENCE.split(str(text or "")))
    return [p for p in parts if any(c.isalpha() for c in p)]


def polarity(sentence: str, rating: float | None = None) -> int:
    """-1 complaint or +1 praise: cue words and phrases (a negation just before flips one), the
    star rating breaking a tie (3 stars or fewer reads as a complaint)."""
    low = " ".join(sentence.lower().replace("’", "'").split())
    score = 0.0
    covered = low
    for phrase in _NEGATIVE_PHRASES:
        if phrase in covered:
            score -= 2.0
            covered = covered.replace(phrase, " ")
    for phrase in _POSITIVE_PHRASES:
        if phrase in covered:
            score += 2.0 * _sign_before(covered, covered.find(phrase))
            covered = covered.replace(phrase, " ")
    tokens = _WORD.findall(covered)
    for i, tok in enumerate(tokens):
        cue = -1.0 if tok in _NEGATIVE else (1.0 if tok in _POSITIVE else 0.0)
        if tok == "too" and i + 1 < len(tokens):
            score -= 1.0  # "too tight", "too loud": too much of anything is a complaint
            continue
        if cue:
            negated = any(t in _NEGATIONS or t.endswith("n't") for t in tokens[max(0, i - 3):i])
            score += -cue if negated else cue
    if score == 0.0:
        return -1 if rating is not None and rating <= 3 else 1
    return -1 if score < 0 else 1


def _sign_before(text: str, pos: int) -> float:
    before = _WORD.findall(text[:max(pos, 0)])[-3:]
    return -1.0 if any(t in _NEGATIONS or t.endswith("n't") for t in before) else 1.0


def _keyword_hits(sentences: Sequence[str], aspects: Sequence[str]) -> np.ndarray:
    hits = np.zeros((len(sentences), len(aspects)), dtype=np.float32)
    for i, s in enumerate(sentences):
        low = " " + " ".join(_WORD.findall(s.lower())) + " "
        for j, a in enumerate(aspects):
            if any(f" {k} " in low for k in KEYWORDS.get(a, ())):
                hits[i, j] = 1.0
    return hits


class AspectExtractor:
    """Aspect mentions in reviews: ``fit(reviews)`` embeds the aspect descriptions, ``transform``
    returns one row per (review, aspect) mentioned, from the review's best-matching sentence.

    ``threshold`` is the cosine similarity (plus ``keyword_bonus`` for an aspect word) a sentence
    needs; ``aspects`` overrides :data:`ASPECTS`; ``model`` is a stand-in encoder with
    sentence-transformers' ``encode`` (default: the bundled MiniLM through the embedding cache in
    ``cache_dir``).
    """

    def __init__(self, *, threshold: float = THRESHOLD, keyword_bonus: float = KEYWORD_BONUS,
                 aspects: Mapping[str, str] | None = None, model: Any = None,
                 cache_dir: str | Path | None = None, show_progress: bool = False):
        self.threshold = threshold
        self.keyword_bonus = keyword_bonus
        self.aspects = aspects
        self.model = model
        self.cache_dir = cache_dir
        self.show_progress = show_progress

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        from recsys_core.models.embeddings import embed_texts

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return embed_texts(list(texts), cache_dir=self.cache_dir, model=self.model,
                           show_progress=self.show_progress and len(texts) > 500, desc="embedding review sentences")

    def fit(self, reviews: pd.DataFrame | None = None) -> AspectExtractor:
        """Embed the aspect descriptions (the reviews, when given, are only checked)."""
        if reviews is not None:
            _check(reviews)
        table = dict(self.aspects if self.aspects is not None else ASPECTS)
        if not table:
            raise ReviewsInputError("no aspects to look for; give at least one aspect and its description")
        self.aspect_names_ = list(table)
        self.aspect_vectors_ = self._embed([f"{name}: {desc}" for name, desc in table.items()])
        return self

    def sentence_scores(self, reviews: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        """Every sentence of ``reviews`` (review_id, item_id, created_at, rating, sentence) and its
        score against each aspect (similarity plus the keyword bonus), shape (sentences, aspects)."""
        if not hasattr(self, "aspect_vectors_"):
            raise NotFittedError(self)
        _check(reviews)
        rows: list[tuple[Any, ...]] = []
        created = reviews["created_at"] if "created_at" in reviews else pd.Series(pd.NaT, index=reviews.index)
        titles = reviews["title"] if "title" in reviews else pd.Series("", index=reviews.index)
        for rid, item, when, rating, title, text in zip(
                reviews["review_id"].astype(str), reviews["item_id"].astype(str), created, reviews["rating"],
                titles, reviews["text"], strict=True):
            head = [] if title is None or pd.isna(title) else split_sentences(str(title))
            for sentence in [*head, *split_sentences(str(text))]:
                rows.append((rid, item, when, rating, sentence))
        frame = pd.DataFrame(rows, columns=["review_id", "item_id", "created_at", "rating", "sentence"])
        if not len(frame):
            return frame, np.zeros((0, len(self.aspect_names_)), dtype=np.float32)
        sentences = frame["sentence"].tolist()
        sims = self._embed(sentences) @ self.aspect_vectors_.T
        return frame, sims + self.keyword_bonus * _keyword_hits(sentences, self.aspect_names_)

    def rank_aspects(self, text: str) -> list[tuple[str, float]]:
        """Every aspect with its score for ``text`` (a question: "do they run small?"), best first."""
        if not hasattr(self, "aspect_vectors_"):
            raise NotFittedError(self)
        scores = (self._embed([text]) @ self.aspect_vectors_.T)[0]
        scores = scores + self.keyword_bonus * _keyword_hits([text], self.aspect_names_)[0]
        order = np.argsort(-scores, kind="stable")
        return [(self.aspect_names_[j], float(scores[j])) for j in order]

    def transform(self, reviews: pd.DataFrame) -> pd.DataFrame:
        """One row per (review, aspect) whose best sentence scores at least ``threshold``:
        review_id, item_id, created_at, rating, aspect, polarity, score, sentence."""
        frame, scores = self.sentence_scores(reviews)
        out = []
        for j, aspect in enumerate(self.aspect_names_):
            hit = np.flatnonzero(scores[:, j] >= self.threshold)
            if not len(hit):
                continue
            part = frame.iloc[hit].assign(aspect=aspect, score=scores[hit, j].astype(float))
            out.append(part.sort_values("score", ascending=False).drop_duplicates("review_id"))
        if not out:
            return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in MENTION_COLUMNS})
        found = pd.concat(out, ignore_index=True)
        found["polarity"] = [polarity(s, r) for s, r in zip(found["sentence"], found["rating"], strict=True)]
        found["rating"] = found["rating"].astype(int)
        return found[list(MENTION_COLUMNS)].sort_values(["item_id", "review_id", "aspect"], ignore_index=True)


def _dtype(column: str) -> str:
    return {"rating": "int64", "polarity": "int64", "score": "float64", "created_at": "datetime64[ns, UTC]"}.get(
        column, "object")


def _check(reviews: pd.DataFrame) -> None:
    missing = [c for c in _NEEDED if c not in reviews.columns]
    if missing:
        raise ReviewsInputError(f"the reviews table lacks column(s) {missing}; it needs {list(_NEEDED)}")


def review_counts(reviews: pd.DataFrame) -> pd.Series:
    """Reviews per item (the denominator of :func:`item_problems`' shares)."""
    return reviews.groupby(reviews["item_id"].astype(str))["review_id"].nunique()


def complaint_table(mentions: pd.DataFrame, totals: Mapping[str, int] | pd.Series | None = None) -> pd.DataFrame:
    """Per (item, aspect): reviews complaining, reviews mentioning, the item's reviews and the
    complaint share of them (``totals`` gives each item's review count; default: the reviews
    of that item that mention any aspect)."""
    if not len(mentions):
        return pd.DataFrame(columns=["item_id", "aspect", "complaints", "mentions", "reviews", "share"])
    m = mentions.assign(item_id=mentions["item_id"].astype(str))
    keys = ["item_id", "aspect"]
    base = m.groupby(keys)["review_id"].nunique().rename("mentions").reset_index()
    neg = m[m["polarity"] < 0].groupby(keys)["review_id"].nunique().rename("complaints")
    base = base.join(neg, on=keys)
    base["complaints"] = base["complaints"].fillna(0).astype(int)
    counts = pd.Series(totals) if totals is not None else m.groupby("item_id")["review_id"].nunique()
    base["reviews"] = base["item_id"].map(counts).fillna(0).astype(int)
    base["reviews"] = base[["reviews", "mentions"]].max(axis=1)
    base["share"] = base["complaints"] / base["reviews"].clip(lower=1)
    return base


def item_problems(mentions: pd.DataFrame, *, min_reviews: int = MIN_REVIEWS, min_share: float = MIN_SHARE,
                  totals: Mapping[str, int] | pd.Series | None = None) -> dict[str, list[str]]:
    """Item id -> the aspects at least ``min_reviews`` of its reviews complain about, when they
    are at least ``min_share`` of its reviews (``totals``: see :func:`complaint_table`)."""
    table = complaint_table(mentions, totals)
    keep = table[(table["complaints"] >= min_reviews) & (table["share"] >= min_share)]
    keep = keep.sort_values(["item_id", "share", "aspect"], ascending=[True, False, True])
    out: dict[str, list[str]] = {}
    for item, aspect in zip(keep["item_id"], keep["aspect"], strict=True):
        out.setdefault(str(item), []).append(str(aspect))
    return out
