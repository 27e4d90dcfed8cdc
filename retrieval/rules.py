"""Business-rule hooks applied after fusion: pin, boost, bury.

A rule is any object with a ``name`` and ``apply(candidates, query)`` (the
:class:`SearchRule` protocol); built-ins register in :data:`RULES` like extensions do. Rules
change :class:`Candidate` scores or pin positions and record what they did in ``effects``, so
the trace can say why an item moved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from retrieval.errors import SearchInputError


@dataclass
class Candidate:
    """One fused result before rules: its score, metadata and what rules did to it."""

    item_id: str
    score: float
    metadata: Mapping[str, Any] = field(default_factory=dict)
    pinned_at: int | None = None  # 0-based position forced by a pin rule
    effects: list[str] = field(default_factory=list)


@runtime_checkable
class SearchRule(Protocol):
    @property
    def name(self) -> str:
        """Shown in the trace's rule effects."""

    def apply(self, candidates: list[Candidate], query: str) -> None:
        """Adjust ``candidates`` in place (scores, pins) and append to their ``effects``."""


def _query_matches(query: str, terms: tuple[str, ...]) -> bool:
    q = query.lower()
    return not terms or any(t.lower() in q for t in terms)


def _item_matches(c: Candidate, item_ids: frozenset[str], where: Mapping[str, str]) -> bool:
    if item_ids and c.item_id in item_ids:
        return True
    if where:
        return all(str(c.metadata.get(k, "")).lower() == str(v).lower() for k, v in where.items())
    return False


@dataclass(frozen=True)
class Pin:
    """Put ``item_id`` at 0-based ``position`` when the query contains one of ``when``."""

    item_id: str
    position: int = 0
    when: tuple[str, ...] = ()
    name: str = "pin"

    def apply(self, candidates: list[Candidate], query: str) -> None:
        if not _query_matches(query, self.when):
            return
        for c in candidates:
            if c.item_id == self.item_id:
                c.pinned_at = self.position
                c.effects.append(f"{self.name}: pinned at position {self.position + 1}")


@dataclass(frozen=True)
class Boost:
    """Multiply the fused score of matching items by ``factor`` (> 1 raises them)."""

    factor: float = 1.5
    item_ids: frozenset[str] = frozenset()
    where: Mapping[str, str] = field(default_factory=dict)  # e.g. {"brand": "acme"}
    when: tuple[str, ...] = ()
    name: str = "boost"

    def apply(self, candidates: list[Candidate], query: str) -> None:
        if not _query_matches(query, self.when):
            return
        for c in candidates:
            if _item_matches(c, self.item_ids, self.where):
                before = c.score
                c.score = c.score * self.factor if c.score >= 0 else c.score / self.factor
                c.effects.append(f"{self.name}: score x{self.factor:g} ({before:.4f} -> {c.score:.4f})")


@dataclass(frozen=True)
class Bury:
    """Send matching items below every non-buried item (their order among themselves kept)."""

    item_ids: frozenset[str] = frozenset()
    where: Mapping[str, str] = field(default_factory=dict)
    when: tuple[str, ...] = ()
    name: str = "bury"

    def apply(self, candidates: list[Candidate], query: str) -> None:
        if not _query_matches(query, self.when):
            return
        for c in candidates:
            if _item_matches(c, self.item_ids, self.where):
                c.score -= 1e6
                c.effects.append(f"{self.name}: moved below unburied results")


RULES: dict[str, Callable[..., SearchRule]] = {}


def register_rule(kind: str, factory: Callable[..., SearchRule]) -> None:
    """Make a rule kind buildable from config (``{"kind": ..., **params}``)."""
    RULES[kind] = factory


register_rule("pin", Pin)
register_rule("boost", Boost)
register_rule("bury", Bury)


def rule_from_config(spec: Mapping[str, Any]) -> SearchRule:
    """Build one rule from ``{"kind": "boost", "factor": 2, "where": {"brand": "acme"}}``."""
    params = dict(spec)
    kind = params.pop("kind", None)
    if not isinstance(kind, str) or kind not in RULES:
        raise SearchInputError(f"unknown rule kind {kind!r}; known kinds: {', '.join(sorted(RULES))}")
    try:  # a non-list item_ids/when is a bad parameter too
        if "item_ids" in params:
            params["item_ids"] = frozenset(str(x) for x in params["item_ids"])
        if "when" in params:
            params["when"] = tuple(params["when"])
        return RULES[kind](**params)
    except TypeError as exc:
        raise SearchInputError(f"bad parameters for rule {kind!r}: {exc}") from exc


def apply_rules(candidates: list[Candidate], rules: Iterable[SearchRule], query: str) -> list[Candidate]:
    """Apply rules in order, then order by score with pinned items placed at their positions."""
    for rule in rules:
        rule.apply(candidates, query)
    free = sorted((c for c in candidates if c.pinned_at is None), key=lambda c: -c.score)
    pinned = sorted((c for c in candidates if c.pinned_at is not None), key=lambda c: c.pinned_at or 0)
    for c in pinned:
        free.insert(min(c.pinned_at or 0, len(free)), c)
    return free
