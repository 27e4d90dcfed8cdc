"""``SearchRulesHook``: the shop's business rules as a hook of retrieval's rule protocol.

It has the shape retrieval expects (``name`` and ``apply(candidates, query)`` over objects with
``item_id``, ``score``, ``pinned_at``, ``effects`` and ``parts``), so a whole rule set runs
after fusion without recsys_core importing retrieval.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from recsys_core.strategy.rules import (
    ProductLookup,
    RuleContext,
    RuleSet,
    active_rules,
    apply_rules,
)


@dataclass
class SearchRulesHook:
    rules: RuleSet
    products: ProductLookup
    context: RuleContext = RuleContext()
    name: str = "business rules"

    def pinned_items(self, query: str) -> list[str]:
        """Items an active pin rule places for ``query`` (scored even when not retrieved)."""
        ctx = replace(self.context, query=query)
        return [r.target.item_ids[0] for r in active_rules(self.rules, ctx) if r.action == "pin"]

    def apply(self, candidates: list[Any], query: str) -> None:
        """Re-score, filter and pin ``candidates`` in place; each rule's score change goes to
        ``parts`` (they sum to the change) and its plain-words summary to ``effects``."""
        ctx = replace(self.context, query=query)
        outcome = apply_rules([(c.item_id, c.score) for c in candidates], self.rules, ctx, self.products)
        new = dict(outcome.ranking)
        pins = {e.rule_id for effects in outcome.effects.values() for e in effects if e.action == "pin"}
        positions = {item: pos for pos, (item, _) in enumerate(outcome.ranking)}
        kept = [c for c in candidates if c.item_id in new]
        for c in kept:
            before, c.score = c.score, new[c.item_id]
            for e in outcome.effects.get(c.item_id, []):
                c.effects.append(e.summary())
                if e.rule_id in pins and e.action == "pin":
                    c.pinned_at = positions[c.item_id]
            for rule_id, delta in outcome.rule_parts(c.item_id, before, c.score).items():
                c.parts[rule_id] = c.parts.get(rule_id, 0.0) + delta
        candidates[:] = kept

