"""Rankings as the shopper sees them: the model or the searcher, then the live business rules.

Recommend, search, explain and compare are implemented once, here, and every surface (REST API,
Gradio UI, chat tools, rule linter) calls them through :class:`~assistant.service.ShelfwiseService`.
Each live rule's effect is its own exact component, ``rule:<id>``, so an explanation reports the
rank and score the user sees and its parts still sum to that score.

For recommendations the rules re-rank the model's top ``RULE_DEPTH`` candidates (plus any pinned
item); an item below them keeps its model rank and no rule acts on it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from recsys_core.models.attribution import Recommendation
from recsys_core.strategy.rules import ProductLookup, RuleContext, RuleOutcome, RuleSet, apply_rules

RULE_DEPTH = 200  # recommendation candidates the live rules re-rank
SEARCH_DEPTH = 200  # search results an explanation looks through


@dataclass
class Placement:
    """Where one item is shown for a user or a query, and why.

    ``rank`` is the shown position (1-based); 0 when the item is already in the user's history;
    None when it is not among the results that can be shown (below the re-ranked candidates,
    filtered out by a rule, or not retrieved for the query). ``contributions`` sum to ``score``.
    """

    item_id: str
    rank: int | None
    score: float
    contributions: dict[str, float]
    model_rank: int | None = None  # before the rules (recommendations: among all unseen items)
    model_score: float | None = None
    rules: list[str] = field(default_factory=list)  # "boosted x4 by rule boostx"
    source: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def top_component(self) -> str | None:
        return max(self.contributions, key=lambda n: self.contributions[n]) if self.contributions else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _exact_parts(model_parts: Mapping[str, float], rule_parts: Mapping[str, float], shown: float) -> dict[str, float]:
    """Model components plus one ``rule:<id>`` component per rule; the last part absorbs the
    floating-point remainder so the parts sum exactly to the shown score."""
    parts = {**model_parts, **{f"rule:{r}": float(d) for r, d in rule_parts.items()}}
    if rule_parts:
        last = f"rule:{list(rule_parts)[-1]}"
        parts[last] += shown - math.fsum(parts.values())
    return parts


def _summaries(outcome: RuleOutcome, item_id: str) -> list[str]:
    return [e.summary() for e in outcome.effects.get(item_id, [])]


# ---- recommendations ---------------------------------------------------------------------------
@dataclass
class RuledList:
    """One user's candidates before and after the live rules."""

    base: dict[str, Recommendation]  # item -> the model's recommendation (no evidence yet)
    outcome: RuleOutcome
    shown: dict[str, tuple[int, float]] = field(init=False)  # item -> (position, score) after the rules

    def __post_init__(self) -> None:
        self.shown = {item: (pos, score) for pos, (item, score) in enumerate(self.outcome.ranking, start=1)}

    def position(self, item_id: str) -> int | None:
        return self.shown[item_id][0] if item_id in self.shown else None


def candidates(model: Any, user_id: str, *, filters: Mapping[str, Any] | None = None,
               depth: int = RULE_DEPTH) -> list[Recommendation]:
    """The model's top ``depth`` for the user (no evidence yet): what the rules re-rank."""
    found: list[Recommendation] = model.recommend(user_id, k=depth, filters=dict(filters) if filters else None,
                                                  evidence=False)
    return found


def rerank(recs: list[Recommendation], *, rules: RuleSet, lookup: ProductLookup, context: RuleContext) -> RuledList:
    """The model's candidates re-ranked by the rules active in ``context``."""
    outcome = apply_rules([(r.item_id, r.score) for r in recs], rules, context, lookup)
    return RuledList({r.item_id: r for r in recs}, outcome)


def ruled_list(model: Any, user_id: str, *, rules: RuleSet, lookup: ProductLookup, context: RuleContext,
               filters: Mapping[str, Any] | None = None, depth: int = RULE_DEPTH) -> RuledList:
    """The model's top ``depth`` for the user, re-ranked by the rules active in ``context``."""
    return rerank(candidates(model, user_id, filters=filters, depth=depth), rules=rules, lookup=lookup,
                  context=context)


def _placement(model: Any, user_id: str, ruled: RuledList, item_id: str, position: int | None,
               *, evidence: bool) -> Placement:
    rec = ruled.base.get(item_id) or model.explain(user_id, item_id)  # a pin may bring an item in
    shown = ruled.shown[item_id][1] if item_id in ruled.shown else rec.score
    rule_parts = ruled.outcome.rule_parts(item_id, rec.score, shown) if position is not None else {}
    found = dict(model.evidence_for(user_id, item_id)) if evidence else dict(rec.evidence)
    rules = _summaries(ruled.outcome, item_id)
    if rules:
        found["rules"] = rules
    return Placement(item_id=item_id, rank=position, score=float(shown),
                     contributions=_exact_parts(rec.contributions, rule_parts, float(shown)),
                     model_rank=rec.rank, model_score=float(rec.score), rules=rules, source=rec.source,
                     evidence=found)


def recommend(model: Any, user_id: str, k: int, *, rules: RuleSet, lookup: ProductLookup, context: RuleContext,
              filters: Mapping[str, Any] | None = None) -> list[Placement]:
    """The user's top ``k`` as shown: the model's ranking with the live rules applied."""
    if not rules.rules:  # no rules: the model's own list, evidence gathered with it
        return [Placement(item_id=r.item_id, rank=r.rank, score=r.score, contributions=dict(r.contributions),
                          model_rank=r.rank, model_score=r.score, source=r.source, evidence=dict(r.evidence))
                for r in model.recommend(user_id, k=k, filters=dict(filters) if filters else None)]
    ruled = ruled_list(model, user_id, rules=rules, lookup=lookup, context=context, filters=filters,
                       depth=max(k, RULE_DEPTH))
    return [_placement(model, user_id, ruled, item, pos, evidence=True)
            for pos, (item, _) in enumerate(ruled.outcome.ranking[:k], start=1)]


def explain(model: Any, user_id: str, item_ids: list[str], *, rules: RuleSet, lookup: ProductLookup,
            context: RuleContext) -> list[Placement]:
    """Why each item sits where the user sees it: its shown rank and score, the model's parts
    and each live rule's part (they sum to the score), with evidence. One ranking serves all."""
    if not rules.rules:
        out = []
        for item_id in item_ids:
            r = model.explain(user_id, item_id)
            out.append(Placement(item_id=item_id, rank=r.rank, score=r.score, contributions=dict(r.contributions),
                                 model_rank=r.rank, model_score=r.score, source=r.source, evidence=dict(r.evidence),
                                 note="already in the user's history" if r.rank == 0 else ""))
        return out
    ruled = ruled_list(model, user_id, rules=rules, lookup=lookup, context=context)
    return [_explained(model, user_id, ruled, item_id) for item_id in item_ids]


def _explained(model: Any, user_id: str, ruled: RuledList, item_id: str) -> Placement:
    position = ruled.position(item_id)
    placed = _placement(model, user_id, ruled, item_id, position, evidence=True)
    if position is None:
        if placed.model_rank == 0:
            placed.rank, placed.note = 0, "already in the user's history"
        elif item_id in ruled.outcome.removed:
            placed.note = "removed by a filter rule"
        else:
            placed.note = f"below the top {RULE_DEPTH} candidates the rules re-rank; model rank {placed.model_rank}"
    return placed


def rank_text(rank: int | None) -> str:
    """A shown rank in words: "#3", or "not shown" (in the history, filtered, or too deep)."""
    return f"#{rank}" if rank else "not shown"


def _order_key(p: Placement) -> tuple[int, float]:
    """Shown items first by rank; then items that are not shown, by their score."""
    return (p.rank, 0.0) if p.rank else (10**9, -p.score)


def compare(a: Placement, b: Placement, *, context: dict[str, Any]) -> dict[str, Any]:
    """Which of two placements is above, and the component that decides it."""
    names = list(dict.fromkeys([*a.contributions, *b.contributions]))
    diff = {n: a.contributions.get(n, 0.0) - b.contributions.get(n, 0.0) for n in names}
    decisive = max(diff, key=lambda n: abs(diff[n])) if diff else None
    return {**context, "a": a.to_dict(), "b": b.to_dict(), "a_above_b": _order_key(a) < _order_key(b),
            "difference": diff, "decisive_component": decisive}


# ---- search ------------------------------------------------------------------------------------
def search_placement(hit: Any, query: str) -> Placement:
    """A search hit (with its trace) as a placement: parts = fused retrieval, personalisation, rules."""
    trace = hit.trace
    rules = list(trace.rule_effects) if trace else []
    evidence: dict[str, Any] = {}
    if trace is not None:
        evidence = {"bm25_rank": trace.bm25_rank, "dense_rank": trace.dense_rank, "fused_rank": trace.fused_rank,
                    "matched_terms": list(trace.matched_terms), "query_corrections": list(trace.query_corrections)}
    return Placement(item_id=hit.item_id, rank=hit.rank, score=float(hit.score), contributions=dict(hit.contributions),
                     model_rank=trace.fused_rank if trace else None,
                     model_score=float(trace.fused_score) if trace else None, rules=rules,
                     source=f"search for \"{query}\"", evidence=evidence)


def placement_in(hits: list[Any], item_id: str, query: str) -> Placement:
    """The item's placement among one search's hits, or "not found" within them."""
    hit = next((h for h in hits if h.item_id == item_id), None)
    if hit is None:
        return Placement(item_id=item_id, rank=None, score=0.0, contributions={}, source=f"search for \"{query}\"",
                         note=f"not in the top {SEARCH_DEPTH} results")
    return search_placement(hit, query)


def stage_figures(hit: Any | None, personal_weight: float) -> dict[str, dict[str, float | int | None]]:
    """One hit's rank and score at each search stage, as :func:`retrieval.trace.hit_stages`
    scores it ({} for an item that is not among the hits; None where a stage did not rank or
    score it). Only keyword, meaning and combined stages rank; the final score is the shown one."""
    from retrieval.trace import hit_stages

    if hit is None:
        return {}
    scores, t = hit_stages(hit, personal_weight), hit.trace
    ranks = {"bm25": t.bm25_rank, "dense": t.dense_rank, "fused": t.fused_rank} if t is not None else {}
    out: dict[str, dict[str, float | int | None]] = {
        s: {"rank": ranks.get(s), "score": None if v is None else float(v)} for s, v in scores.items()}
    out["final"] = {"rank": int(hit.rank), "score": float(hit.score)}
    return out


def compare_hits(hits: list[Any], a: str, b: str, query: str, personal_weight: float) -> dict[str, Any]:
    """Two items of ONE search (the list the shopper sees): their placements, the pipeline
    stage (bm25, dense, fused, personalised, final) from which ``a`` stays ahead of ``b``, and
    both items' rank and score at every stage (``stages``: stage -> {"a": ..., "b": ...})."""
    from retrieval.trace import STAGES, hit_stages, stage_where_ahead

    pa, pb = placement_in(hits, a, query), placement_in(hits, b, query)
    out = compare(pa, pb, context={"query": query})
    by_id = {h.item_id: h for h in hits}
    ahead: dict[str, bool | None] = dict.fromkeys(STAGES)
    if a in by_id and b in by_id:
        sa, sb = hit_stages(by_id[a], personal_weight), hit_stages(by_id[b], personal_weight)
        ahead = {s: None if (x := sa.get(s)) is None or (y := sb.get(s)) is None else bool(x > y) for s in STAGES}
    else:  # one of them is not shown: only the final order is known
        ahead["final"] = out["a_above_b"]
    fa, fb = stage_figures(by_id.get(a), personal_weight), stage_figures(by_id.get(b), personal_weight)
    empty = {"rank": None, "score": None}
    stages = {s: {"a": fa.get(s, empty), "b": fb.get(s, empty)} for s in STAGES}
    out.update(ahead_by_stage=ahead, passes_at=stage_where_ahead(ahead), stages=stages)
    return out
