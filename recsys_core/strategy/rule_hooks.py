"""Adapters that let the search and recommendation code run ``apply_rules`` after fusion.

``SearchRulesHook`` has the shape of retrieval's rule protocol (``name`` and
``apply(candidates, query)`` over objects with ``item_id``, ``score``, ``pinned_at`` and
``effects``), so a whole rule set runs as one hook without recsys_core importing retrieval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from recsys_core.strategy.rules import ProductLookup, RuleContext, RuleOutcome, RuleSet, apply_rules


@dataclass
class SearchRulesHook:
    rules: RuleSet
    products: ProductLookup
    context: RuleContext = RuleContext()
    name: str = "business rules"
    last_outcome: RuleOutcome | None = None

    def apply(self, candidates: list[Any], query: str) -> None:
        """Re-score, filter and pin ``candidates`` in place; effects appended as text."""
        ctx = replace(self.context, query=query)
        outcome = apply_rules([(c.item_id, c.score) for c in candidates], self.rules, ctx, self.products)
        self.last_outcome = outcome
        new = dict(outcome.ranking)
        pins = {e.rule_id for effects in outcome.effects.values() for e in effects if e.action == "pin"}
        positions = {item: pos for pos, (item, _) in enumerate(outcome.ranking)}
        kept = [c for c in candidates if c.item_id in new]
        for c in kept:
            c.score = new[c.item_id]
            for e in outcome.effects.get(c.item_id, []):
                c.effects.append(e.describe())
                if e.rule_id in pins and e.action == "pin":
                    c.pinned_at = positions[c.item_id]
        candidates[:] = kept


def recommendation_rule_scores(ranked: Sequence[tuple[str, float]], rules: RuleSet, context: RuleContext,
                               products: ProductLookup) -> tuple[RuleOutcome, dict[str, float]]:
    """The outcome plus each item's additive ``rules`` component (final - fused score)."""
    outcome = apply_rules(ranked, rules, context, products)
    return outcome, {item: outcome.rule_score(item) for item in outcome.effects}
