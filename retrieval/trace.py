"""What a search returns: hits with an optional per-stage trace, and item-vs-item comparisons."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class HitTrace:
    """Why one item sits where it does, stage by stage (ranks are 1-based; None = not retrieved)."""

    bm25_score: float
    bm25_rank: int | None
    dense_similarity: float | None
    dense_rank: int | None
    fused_score: float
    fused_rank: int | None
    personal_score: float | None = None
    rule_effects: list[str] = field(default_factory=list)
    filters_applied: list[str] = field(default_factory=list)
    matched_terms: list[str] = field(default_factory=list)
    query_corrections: list[str] = field(default_factory=list)


@dataclass
class Hit:
    """One search result."""

    item_id: str
    rank: int  # 1-based final position
    score: float  # final score after personalisation and rules
    title: str = ""
    trace: HitTrace | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


STAGES: tuple[str, ...] = ("bm25", "dense", "fused", "personalised", "final")


@dataclass(frozen=True)
class Comparison:
    """At which pipeline stage item ``a`` first ranks above item ``b`` (None: it never does)."""

    query: str
    a: str
    b: str
    passes_at: str | None
    ahead_by_stage: dict[str, bool | None]  # None where a stage did not score both items
    explanation: str
