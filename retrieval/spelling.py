"""Typo-tolerant query normalisation against the catalogue's own vocabulary.

A query word the catalogue never uses ("flasheing", "continuos") is replaced by the most
frequent catalogue word within a small edit distance (symmetric-delete lookup, as in
SymSpell), or split into two catalogue words ("doorknob" → "door knob"). Known words, numbers
and short words are left alone. Pure Python; fitted on the raw corpus words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from recsys_core.errors import NotFittedError


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance (adjacent swaps count 1), capped at ``limit``."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return min(prev[-1], limit)


@dataclass(frozen=True)
class Correction:
    """One query word the normaliser changed."""

    original: str
    replacement: str
    kind: str  # "edit" or "split"


class SpellingNormaliser:
    """Maps unknown query words to catalogue words. ``fit(words)`` then ``correct(word)``."""

    def __init__(self, *, min_length: int = 4, min_count: int = 2, max_distance: int = 2):
        self.min_length = min_length
        self.min_count = min_count
        self.max_distance = max_distance

    def fit(self, words: Iterable[str]) -> SpellingNormaliser:
        counts = Counter(w for w in words if w.isalpha())
        self.counts_ = counts
        self.deletes_: dict[str, list[str]] = {}
        for word, n in counts.items():
            if n < self.min_count or len(word) < self.min_length - 1:
                continue
            depth = 1 if len(word) < 8 else self.max_distance
            for d in _deletes(word, depth):
                self.deletes_.setdefault(d, []).append(word)
        return self

    def _check(self) -> None:
        if not hasattr(self, "counts_"):
            raise NotFittedError(self)

    def known(self, word: str) -> bool:
        self._check()
        return word in self.counts_

    def correct(self, word: str) -> Correction | None:
        """The correction for one lower-case word, or None when it is fine or unfixable."""
        self._check()
        if len(word) < self.min_length or not word.isalpha() or word in self.counts_:
            return None
        limit = 1 if len(word) < 8 else self.max_distance
        best: tuple[int, int, str] | None = None
        for d in _deletes(word, limit):
            for cand in self.deletes_.get(d, ()):
                dist = edit_distance(word, cand, limit + 1)
                if dist > limit:
                    continue
                key = (dist, -self.counts_[cand], cand)
                if best is None or key < best:
                    best = key
        if best is not None:
            return Correction(word, best[2], "edit")
        for i in range(3, len(word) - 2):
            left, right = word[:i], word[i:]
            if self.counts_.get(left, 0) >= self.min_count and self.counts_.get(right, 0) >= self.min_count:
                return Correction(word, f"{left} {right}", "split")
        return None

    def normalise(self, words: Iterable[str]) -> tuple[list[str], list[Correction]]:
        """Words with corrections applied (a split yields two words), and the corrections."""
        out: list[str] = []
        fixes: list[Correction] = []
        for w in words:
            fix = self.correct(w)
            if fix is None:
                out.append(w)
            else:
                fixes.append(fix)
                out.extend(fix.replacement.split())
        return out, fixes
