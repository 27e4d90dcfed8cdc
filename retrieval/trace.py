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
    ranker_score: float | None = None  # the learned ranker's score (None: no ranker)
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
    # with explain: the score's exact parts (fused retrieval, personalisation, one per rule)
    contributions: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


STAGES: tuple[str, ...] = ("bm25", "dense", "fused", "ranker", "personalised", "final")


@dataclass(frozen=True)
class Comparison:
    """At which pipeline stage item ``a`` first ranks above item ``b`` (None: it never does)."""

    query: str
    a: str
    b: str
    passes_at: str | None
    ahead_by_stage: dict[str, bool | None]  # None where a stage did not score both items
    explanation: str


def stage_where_ahead(ahead: dict[str, bool | None]) -> str | None:
    """The stage from which ``a`` stays ahead of ``b`` to the final ranking (None: it ends below).

    ``ahead`` maps each of :data:`STAGES` to whether ``a`` scored above ``b`` there (None where
    the stage did not score both)."""
    if not ahead.get("final"):
        return None
    passes_at: str | None = None
    for stage in STAGES:
        state = ahead.get(stage)
        if state is False:
            passes_at = None
        elif state and passes_at is None:
            passes_at = stage
    return passes_at


def hit_stages(hit: Hit, personal_weight: float) -> dict[str, float | None]:
    """A traced hit's score at each stage (for comparing two hits of one search)."""
    t = hit.trace
    if t is None:
        return {"final": -float(hit.rank)}
    base = t.ranker_score if t.ranker_score is not None else t.fused_score
    personal = base + personal_weight * t.personal_score if t.personal_score is not None else None
    return {"bm25": t.bm25_score, "dense": t.dense_similarity, "fused": t.fused_score, "ranker": t.ranker_score,
            "personalised": personal, "final": -float(hit.rank)}


RANKER_OVERALL = ("ranker:base", "ranker:below_depth")  # a hit's ranker parts that are no feature of it


def ranker_feature_parts(parts: dict[str, float]) -> dict[str, float]:
    """The learned ranker's per-feature parts of a hit's contributions (``ranker:<feature>``),
    without its base value and the below-depth offset."""
    return {k: float(v) for k, v in parts.items() if k.startswith("ranker:") and k not in RANKER_OVERALL}
