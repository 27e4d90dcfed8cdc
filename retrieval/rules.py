"""The hook through which business rules act on search results after fusion.

A rule hook is any object with a ``name`` and ``apply(candidates, query)`` (the
:class:`SearchRule` protocol). The shop's business rules (pin, boost, bury, filter) live in
:mod:`recsys_core.strategy.rules`; ``recsys_core.strategy.rule_hooks.SearchRulesHook`` runs a
whole rule set through this protocol, so search and recommendations share one rule engine.
A hook changes :class:`Candidate` scores or pins, records each rule's exact score change in
``parts`` and a description in ``effects``, so the trace can say why an item moved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass
class Candidate:
    """One fused result before rules: its score, metadata and what rules did to it."""

    item_id: str
    score: float
    metadata: Mapping[str, Any] = field(default_factory=dict)
    pinned_at: int | None = None  # 0-based position forced by a pin rule
    effects: list[str] = field(default_factory=list)
    parts: dict[str, float] = field(default_factory=dict)  # rule id -> its score change


@runtime_checkable
class SearchRule(Protocol):
    @property
    def name(self) -> str:
        """Shown in the trace's rule effects."""

    def apply(self, candidates: list[Candidate], query: str) -> None:
        """Adjust ``candidates`` in place (scores, pins, removals) and record what changed."""

    # optional: ``pinned_items(query) -> list[str]``, items the hook pins for ``query``, which the
    # searcher scores even when no retriever found them


def apply_rules(candidates: list[Candidate], rules: Iterable[SearchRule], query: str) -> list[Candidate]:
    """Apply rules in order, then order by score with pinned items placed at their positions."""
    for rule in rules:
        rule.apply(candidates, query)
    free = sorted((c for c in candidates if c.pinned_at is None), key=lambda c: -c.score)
    pinned = sorted((c for c in candidates if c.pinned_at is not None), key=lambda c: c.pinned_at or 0)
    for c in pinned:
        free.insert(min(c.pinned_at or 0, len(free)), c)
    return free
