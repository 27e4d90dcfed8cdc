"""Intent by meaning: a logistic regression over sentence embeddings and character n-grams,
trained on the example phrasings each tool declares in the registry.

The sentence embedding (the bundled all-MiniLM-L6-v2) carries meaning ("how come customer 31
keeps seeing P00777" is near "why is P00777 recommended to user 31"); character 2-4-grams carry
misspellings and Chinese, which the English model reads poorly (Chinese questions also get
English hints from :mod:`assistant.agent.glossary`). Ids are masked before either sees the text,
so "P00777" and "P01234" read the same.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.agent.glossary import with_hints

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def normalise(text: str, item_prefix: str = "P", user_prefix: str = "U") -> str:
    """The text as the classifier reads it: ids masked, numbers as 0, Chinese with English hints."""
    t = re.sub(rf"(?<![A-Za-z0-9]){re.escape(item_prefix)}\d{{2,}}(?![A-Za-z0-9])", " P-ITEM ", text)
    t = re.sub(rf"(?<![A-Za-z0-9]){re.escape(user_prefix)}\d{{2,}}(?![A-Za-z0-9])", " U-USER ", t)
    t = _NUMBER.sub("0", t)
    return " ".join(with_hints(t).split())


class IntentClassifier:
    """``fit(texts, labels)`` then ``rank(text)``: every intent with its probability, best first."""

    def __init__(self, *, c: float = 8.0, char_weight: float = 1.0, embed_weight: float = 1.0,
                 cache_dir: Any = None):
        self.c = c
        self.char_weight = char_weight
        self.embed_weight = embed_weight
        self.cache_dir = cache_dir

    def _embed(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        from retrieval.embedding import embed_query, embed_texts

        if query and len(texts) == 1:
            return np.asarray(embed_query(texts[0]), dtype=np.float32)[None, :]
        return embed_texts(list(texts), cache_dir=self.cache_dir, show_progress=False)

    def _features(self, texts: Sequence[str], *, query: bool = False) -> Any:
        from scipy import sparse

        dense = sparse.csr_matrix(self._embed(texts, query=query) * self.embed_weight)
        chars = self.vectorizer_.transform(texts) * self.char_weight
        return sparse.hstack([dense, chars], format="csr")

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> IntentClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if len(texts) != len(labels) or not texts:
            raise ValueError("fit needs as many labels as texts, and at least one")
        norm = [normalise(t) for t in texts]
        self.vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=1)
        self.vectorizer_.fit(norm)
        self.model_ = LogisticRegression(C=self.c, max_iter=2000, class_weight="balanced")
        self.model_.fit(self._features(norm), list(labels))
        self.classes_ = [str(c) for c in self.model_.classes_]
        return self

    def rank(self, text: str, item_prefix: str = "P", user_prefix: str = "U") -> list[tuple[str, float]]:
        """(intent, probability) for every intent, most likely first."""
        probs = self.model_.predict_proba(self._features([normalise(text, item_prefix, user_prefix)], query=True))[0]
        order = np.argsort(-probs)
        return [(self.classes_[i], float(probs[i])) for i in order]


_lock = threading.Lock()
_fitted: dict[str, IntentClassifier] = {}


def bank_classifier(bank: dict[str, Sequence[str]], **params: Any) -> IntentClassifier:
    """The classifier fitted on ``bank`` (intent -> phrasings), fitted once per process and bank."""
    texts = [t for intent in sorted(bank) for t in bank[intent]]
    labels = [intent for intent in sorted(bank) for _ in bank[intent]]
    key = hashlib.sha256(repr((texts, labels, sorted(params.items()))).encode()).hexdigest()
    with _lock:
        if key not in _fitted:
            _fitted[key] = IntentClassifier(**params).fit(texts, labels)
        return _fitted[key]
