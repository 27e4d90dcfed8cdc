"""Rule linter: pins on missing or out-of-stock items, targets that match nothing, expired or
not-yet-active rules, conflicting rules in one scope, and what each rule does to the rankings.

The effect of a rule is measured by an :data:`EffectFn`: the application passes one that ranks
real users and queries through the same path the shop serves (``ShelfwiseService``), with and
without the rule, so the verdict agrees with the movement a user sees. Without one, a stand-in
ranking (catalogue popularity in the rule's scope) is used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations

import numpy as np
import pandas as pd

from recsys_core.strategy.rules import ProductLookup, Rule, RuleContext, RuleSet, Scope, apply_rules

RankFn = Callable[[RuleContext], Sequence[tuple[str, float]]]


@dataclass(frozen=True)
class EffectCheck:
    """How a rule moved the rankings it was measured on."""

    lists: int  # ranked lists checked
    changed: int  # lists whose top k changed
    where: str = ""  # what was checked, e.g. "recommendations of 100 users, 10 logged searches"
    example: str = ""  # e.g. "U00017: P02274 #7 -> #1"


EffectFn = Callable[[Rule, RuleSet, int], EffectCheck]  # (rule, the set it belongs to, k)


@dataclass(frozen=True)
class LintFinding:
    rule_id: str
    severity: str  # "error", "warning", "info"
    code: str
    message: str

    def describe(self) -> str:
        return f"{self.severity}: {self.rule_id}: {self.message} [{self.code}]"


def popularity_rank_fn(products: pd.DataFrame, events: pd.DataFrame | None = None,
                       pool: int = 200) -> RankFn:
    """A stand-in ranking for a scope: catalogue items matching the query words / category,
    ordered by how often they were viewed (the shop's own popularity)."""
    ids = products["item_id"].astype(str).to_numpy()
    views = pd.Series(0.0, index=ids)
    if events is not None and len(events):
        seen = events[events["type"].isin(["view", "click", "purchase"])]
        views = views.add(seen.groupby(seen["item_id"].astype(str)).size(), fill_value=0.0).reindex(ids)
    score = np.log1p(views.to_numpy(dtype=np.float64)) + 1e-6 * np.arange(len(ids))[::-1] / len(ids)
    titles = products["title"].astype(str).str.lower().to_numpy()
    cats = products["category"].astype(str).str.lower().to_numpy()

    def rank(ctx: RuleContext) -> list[tuple[str, float]]:
        keep = np.ones(len(ids), dtype=bool)
        if ctx.category:
            keep &= (cats == ctx.category.lower()) | np.char.startswith(cats.astype(str), ctx.category.lower() + " > ")
        if ctx.query:
            words = [w for w in ctx.query.lower().split() if len(w) > 2]
            if words:
                keep &= np.array([any(w in t for w in words) for t in titles])
        idx = np.flatnonzero(keep)
        idx = idx[np.argsort(-score[idx], kind="stable")][:pool]
        return [(str(ids[i]), float(score[i])) for i in idx]

    return rank


def _contexts(scope: Scope, day: date) -> list[RuleContext]:
    queries: list[str | None] = [*scope.queries] or [None]
    cats: list[str | None] = [*scope.categories] or [None]
    segs: list[str | None] = [*scope.segments] or [None]
    surfaces: list[str | None] = [*scope.surfaces] or [None]
    return [RuleContext(query=q, category=c, segment=s, surface=f, day=day)
            for q in queries for c in cats for s in segs for f in surfaces][:12]


def _overlap(a: Scope, b: Scope) -> bool:
    def meet(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
        return not x or not y or bool({v.lower() for v in x} & {v.lower() for v in y})

    return (meet(a.queries, b.queries) and meet(a.categories, b.categories)
            and meet(a.segments, b.segments) and meet(a.surfaces, b.surfaces))


def _dates_overlap(a: Rule, b: Rule) -> bool:
    lo = max(a.starts or date.min, b.starts or date.min)
    hi = min(a.ends or date.max, b.ends or date.max)
    return lo <= hi


def lint_rules(rules: RuleSet, products: pd.DataFrame, *, today: date, effect: EffectFn | None = None,
               rank: RankFn | None = None, events: pd.DataFrame | None = None, k: int = 10,
               reviews: pd.DataFrame | None = None) -> list[LintFinding]:
    """Every finding for ``rules`` on ``today``. ``effect`` measures what each rule does to the
    top ``k`` (the application passes its serving path); without it, ``rank`` (default
    :func:`popularity_rank_fn`) gives a stand-in base ranking of each context. ``reviews``
    lets recent-rating targets match (without it they match nothing)."""
    lookup = ProductLookup(products, reviews)
    out: list[LintFinding] = []
    ids = list(lookup.brand)
    for r in rules.rules:
        if not r.enabled:
            out.append(LintFinding(r.id, "info", "disabled", "rule is disabled"))
        if r.ends and r.ends < today:
            out.append(LintFinding(r.id, "warning", "expired", f"ended on {r.ends}; remove it or extend 'ends'"))
        if r.starts and r.starts > today:
            out.append(LintFinding(r.id, "info", "not-yet-active", f"starts on {r.starts}"))
        if r.action == "pin":
            item = r.target.item_ids[0]
            if item not in lookup:
                out.append(LintFinding(r.id, "error", "pin-missing-item", f"pins {item!r}, which is not in the catalogue"))
            elif lookup.stock.get(item) is not None and (lookup.stock[item] or 0) <= 0:
                out.append(LintFinding(r.id, "error", "pin-out-of-stock", f"pins {item!r}, which is out of stock"))
        elif not any(lookup.matches(i, r.target) for i in ids):
            out.append(LintFinding(r.id, "warning", "matches-nothing", "its target matches no catalogue item"))
    for a, b in combinations(rules.rules, 2):
        if not (_overlap(a.scope, b.scope) and _dates_overlap(a, b) and a.enabled and b.enabled):
            continue
        if a.action == b.action == "pin" and a.position == b.position and a.target != b.target:
            out.append(LintFinding(a.id, "warning", "conflict", f"pins position {a.position} like {b.id!r} in an overlapping scope"
                                   + ("" if a.priority != b.priority else "; same priority, order undefined")))
        kinds = {a.action, b.action}
        if kinds in ({"boost", "bury"}, {"pin", "bury"}, {"pin", "filter"}, {"boost", "filter"}):
            shared = [i for i in ids if lookup.matches(i, a.target) and lookup.matches(i, b.target)]
            if shared:
                out.append(LintFinding(a.id, "warning", "conflict",
                                       f"{a.action}s items that {b.id!r} {b.action}s in an overlapping scope "
                                       f"({len(shared)} item(s), e.g. {shared[0]})"))
    broken = {f.rule_id for f in out if f.code == "pin-missing-item"}
    effect = effect or _stand_in_effect(rank or popularity_rank_fn(products, events), lookup, today)
    for r in rules.rules:
        if not r.enabled or r.id in broken:
            continue
        check = effect(r, rules, k)
        if check.changed == 0:
            out.append(LintFinding(r.id, "warning", "no-effect",
                                   f"ranking {check.where or 'its scope'} with and without it gives the same top {k} "
                                   f"in all {check.lists} lists checked; strengthen it or check its target"))
        else:
            example = f", e.g. {check.example}" if check.example else ""
            out.append(LintFinding(r.id, "info", "effect",
                                   f"changes the top {k} of {check.changed} of {check.lists} lists checked "
                                   f"({check.where}){example}"))
    return out


def _stand_in_effect(rank: RankFn, lookup: ProductLookup, today: date) -> EffectFn:
    """Effect on a stand-in ranking of the rule's own scope (no model or index at hand)."""

    def effect(r: Rule, _rules: RuleSet, k: int) -> EffectCheck:
        day = r.starts if (r.starts and r.starts > today) else (r.ends if (r.ends and r.ends < today) else today)
        contexts = _contexts(r.scope, day)
        changed = 0
        for ctx in contexts:
            base = list(rank(ctx))
            with_rule = apply_rules(base, RuleSet(rules=(r,)), ctx, lookup).ranking
            changed += [i for i, _ in with_rule[:k]] != [i for i, _ in base[:k]]
        return EffectCheck(len(contexts), changed, "its scope ranked by catalogue popularity")

    return effect
