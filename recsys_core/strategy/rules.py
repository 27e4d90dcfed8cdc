"""Business rules (pin, boost, bury, filter) and ``apply_rules``, the pure function that search
and recommendations call after fusion so rules show as their own component in attribution.

A rule has a target (items, brands, categories, attribute values), a scope (queries,
categories, segments, surfaces; empty = everywhere), validity dates and a priority. Every score
change is recorded per item as a :class:`RuleEffect`, and the deltas of an item sum exactly to
its final score minus its fused score.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

Action = Literal["pin", "boost", "bury", "filter"]


class _Strict(BaseModel):
    # NaN/inf would poison every score they touch (and cannot be written back as JSON)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RecentRating(_Strict):
    """Items whose average review rating over the last ``days`` days is below ``below``
    (items with fewer than ``min_reviews`` reviews in that window never match)."""

    below: float = Field(gt=1, le=5)
    days: int = Field(default=28, ge=1)
    min_reviews: int = Field(default=3, ge=1)


class Target(_Strict):
    """Which items a rule acts on: any item matching any of the listed values.

    ``recent_rating`` narrows: with other fields an item must also have a low recent rating;
    alone it selects every item with one (``ProductLookup`` needs the reviews table)."""

    item_ids: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)
    recent_rating: RecentRating | None = None

    def is_empty(self) -> bool:
        return not (self.item_ids or self.brands or self.categories or self.attributes or self.recent_rating)


class Scope(_Strict):
    """Where a rule applies; each non-empty list must match, empty lists match everything."""

    queries: tuple[str, ...] = ()  # the query contains one of these phrases (case-insensitive)
    categories: tuple[str, ...] = ()  # the page/query category
    segments: tuple[str, ...] = ()
    surfaces: tuple[str, ...] = ()

class Rule(_Strict):
    """One merchandising rule. ``position`` is 1-based (pin); boosts/buries use ``multiplier``
    (score x m) or ``additive`` (score + a); a bury with neither sends items below the rest."""

    id: str = Field(min_length=1)
    action: Action
    target: Target
    scope: Scope = Scope()
    position: int | None = Field(default=None, ge=1)
    multiplier: float | None = Field(default=None, gt=0)
    additive: float | None = None
    starts: date | None = None
    ends: date | None = None  # inclusive
    priority: int = 0  # higher first
    enabled: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        where = f"rule {self.id!r}"
        if self.target.is_empty():
            raise ValueError(f"{where}: target is empty; name item_ids, brands, categories or attributes")
        if self.action == "pin":
            if (self.position is None or len(self.target.item_ids) != 1 or self.target.brands or self.target.categories
                    or self.target.attributes or self.target.recent_rating):
                raise ValueError(f"{where}: a pin needs exactly one target item_id and a position (1-based)")
        elif self.position is not None:
            raise ValueError(f"{where}: position is only for pins")
        if self.action in ("pin", "filter") and (self.multiplier is not None or self.additive is not None):
            raise ValueError(f"{where}: {self.action} takes no multiplier/additive")
        if self.multiplier is not None and self.additive is not None:
            raise ValueError(f"{where}: give multiplier or additive, not both")
        if self.action == "boost":
            if self.multiplier is None and self.additive is None:
                raise ValueError(f"{where}: a boost needs multiplier (> 1) or additive (> 0)")
            if (self.multiplier is not None and self.multiplier <= 1) or (self.additive is not None and self.additive <= 0):
                raise ValueError(f"{where}: a boost must raise scores (multiplier > 1 or additive > 0); use bury to lower")
        if self.action == "bury" and ((self.multiplier is not None and self.multiplier >= 1) or (self.additive is not None and self.additive >= 0)):
            raise ValueError(f"{where}: a bury must lower scores (multiplier < 1 or additive < 0)")
        if self.starts and self.ends and self.ends < self.starts:
            raise ValueError(f"{where}: ends {self.ends} is before starts {self.starts}")
        return self

    def active_on(self, day: date) -> bool:
        return self.enabled and (self.starts is None or day >= self.starts) and (self.ends is None or day <= self.ends)


class RuleSet(_Strict):
    """The rules file: ``{"rules": [...]}`` (YAML or JSON), ids unique."""

    rules: tuple[Rule, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> RuleSet:
        seen: set[str] = set()
        for r in self.rules:
            if r.id in seen:
                raise ValueError(f"duplicate rule id {r.id!r}; ids must be unique")
            seen.add(r.id)
        return self

    def without(self, rule_id: str) -> RuleSet:
        return RuleSet(rules=tuple(r for r in self.rules if r.id != rule_id))


@dataclass(frozen=True)
class RuleContext:
    """Where a ranking is shown: the query, page category, user's segment, surface and day."""

    query: str | None = None
    category: str | None = None
    segment: str | None = None
    surface: str | None = None
    day: date = field(default_factory=lambda: datetime.now(UTC).date())


_VERBS = {"boost": "boosted", "bury": "buried", "pin": "pinned", "filter": "filtered out"}


@dataclass(frozen=True)
class RuleEffect:
    rule_id: str
    action: str
    delta: float  # score change caused by this rule (final - before)
    detail: str
    change: str = ""  # "x4", "+0.2", "at position 1", "below every other result"

    def describe(self) -> str:
        return f"{self.rule_id} ({self.action}): {self.detail}"

    def summary(self) -> str:
        """Plain words: "boosted x4 by rule boostx", "pinned at position 1 by rule p"."""
        verb = _VERBS.get(self.action, self.action)
        return f"{verb} {self.change} by rule {self.rule_id}" if self.change else f"{verb} by rule {self.rule_id}"


@dataclass
class RuleOutcome:
    ranking: list[tuple[str, float]]
    effects: dict[str, list[RuleEffect]]
    removed: list[str]  # filtered out
    skipped: list[str]  # rule ids in scope that could not act (e.g. pin of an unknown item)

    def rule_score(self, item_id: str) -> float:
        """The sum of the item's recorded rule deltas."""
        return float(sum(e.delta for e in self.effects.get(item_id, [])))

    def rule_parts(self, item_id: str, before: float, after: float) -> dict[str, float]:
        """Each rule's exact share of the item's score change ``after - before``, by rule id.

        Boosts and buries record their own deltas; a pin takes the score of the result it
        displaced, and an item a pin brought in from outside the ranking had no score before,
        so whatever the recorded deltas leave over goes to the last rule that acted (a pin)."""
        found = self.effects.get(item_id, [])
        parts: dict[str, float] = {}
        for e in found:
            parts[e.rule_id] = parts.get(e.rule_id, 0.0) + e.delta
        if found:
            parts[found[-1].rule_id] += (after - before) - math.fsum(parts.values())
        return parts


def in_scope(scope: Scope, ctx: RuleContext) -> bool:
    def has(options: tuple[str, ...], value: str | None) -> bool:
        return not options or (value is not None and value.lower() in {o.lower() for o in options})

    query_ok = not scope.queries or (ctx.query is not None and any(q.lower() in ctx.query.lower() for q in scope.queries))
    return query_ok and has(scope.categories, ctx.category) and has(scope.segments, ctx.segment) and has(scope.surfaces, ctx.surface)


class ProductLookup:
    """item id -> brand, category, stock and attributes, built once from the products table,
    and recent average ratings from the reviews table (windows end at ``as_of``, default the
    newest review; reviews after ``as_of`` are ignored)."""

    def __init__(self, products: pd.DataFrame, reviews: pd.DataFrame | None = None, *,
                 as_of: pd.Timestamp | None = None):
        ids = products["item_id"].astype(str).to_numpy()
        self.brand = dict(zip(ids, products["brand"].astype("string").fillna("").str.lower(), strict=True))
        self.category = dict(zip(ids, products["category"].astype("string").fillna("").str.lower(), strict=True))
        stock = products["stock"].astype("Float64") if "stock" in products else pd.Series([pd.NA] * len(ids))
        self.stock = {i: (None if pd.isna(s) else float(s)) for i, s in zip(ids, stock, strict=True)}
        raw = products["attributes"] if "attributes" in products else pd.Series([None] * len(ids))
        self._raw_attrs = dict(zip(ids, raw, strict=True))
        self._attrs: dict[str, dict[str, Any]] = {}
        self._reviews, self.as_of = _rating_frame(reviews, as_of)
        self._recent: dict[int, dict[str, tuple[float, int]]] = {}

    def recent_rating(self, item_id: str, days: int = 28) -> tuple[float, int] | None:
        """(mean rating, review count) of the item over the last ``days`` days; None without reviews."""
        if days not in self._recent:
            frame = self._reviews
            recent = frame[frame["created_at"] > self.as_of - pd.Timedelta(days=days)]
            stats = recent.groupby("item_id")["rating"].agg(["mean", "size"])
            self._recent[days] = {str(i): (float(m), int(n)) for i, m, n in stats.itertuples()}
        return self._recent[days].get(item_id)

    def _low_rated(self, item_id: str, want: RecentRating) -> bool:
        found = self.recent_rating(item_id, want.days)
        return found is not None and found[1] >= want.min_reviews and found[0] < want.below

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.brand

    def attributes(self, item_id: str) -> dict[str, Any]:
        if item_id not in self._attrs:
            raw = self._raw_attrs.get(item_id)
            try:
                self._attrs[item_id] = json.loads(raw) if isinstance(raw, str) and raw else {}
            except json.JSONDecodeError:
                self._attrs[item_id] = {}
        return self._attrs[item_id]

    def matches(self, item_id: str, target: Target) -> bool:
        if target.recent_rating is not None:
            if not self._low_rated(item_id, target.recent_rating):
                return False
            if not (target.item_ids or target.brands or target.categories or target.attributes):
                return True
        if item_id in target.item_ids:
            return True
        if target.brands and self.brand.get(item_id, "") in {b.lower() for b in target.brands}:
            return True
        if target.categories:
            cat = self.category.get(item_id, "")
            if any(cat == c.lower() or cat.startswith(c.lower() + " > ") for c in target.categories):
                return True
        if target.attributes:
            attrs = self.attributes(item_id)
            return all(str(attrs.get(k, "")).lower() == str(v).lower() for k, v in target.attributes.items())
        return False


def _rating_frame(reviews: pd.DataFrame | None, as_of: pd.Timestamp | None) -> tuple[pd.DataFrame, pd.Timestamp]:
    """item_id, rating, created_at (UTC) of the reviews up to ``as_of``, and the window end."""
    if reviews is None or not len(reviews):
        frame = pd.DataFrame({"item_id": pd.Series(dtype=str), "rating": pd.Series(dtype=float),
                              "created_at": pd.Series(dtype="datetime64[ns, UTC]")})
    else:
        frame = pd.DataFrame({"item_id": reviews["item_id"].astype(str),
                              "rating": pd.to_numeric(reviews["rating"], errors="coerce"),
                              "created_at": pd.to_datetime(reviews["created_at"], utc=True)}).dropna()
    if as_of is not None:
        stamp = pd.Timestamp(as_of)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        frame = frame[frame["created_at"] <= stamp]
    else:
        stamp = frame["created_at"].max() if len(frame) else pd.Timestamp.now(tz="UTC")
    return frame, stamp


def active_rules(rules: RuleSet, ctx: RuleContext) -> list[Rule]:
    """Rules enabled, valid on the context's day and in scope; highest priority first."""
    live = [r for r in rules.rules if r.active_on(ctx.day) and in_scope(r.scope, ctx)]
    return sorted(live, key=lambda r: -r.priority)


def _rescore(score: float, rule: Rule) -> float:
    if rule.multiplier is not None:
        return score * rule.multiplier if score >= 0 else score / rule.multiplier
    return score + float(rule.additive or 0.0)


def apply_rules(ranked: Sequence[tuple[str, float]], rules: RuleSet, context: RuleContext,
                products: ProductLookup | pd.DataFrame) -> RuleOutcome:
    """Apply the active rules to a fused ranking; returns the new ranking and per-item effects.

    Order: filters, then boosts/buries by priority, then re-sort by score, then pins placed at
    their positions (a pinned item missing from ``ranked`` is inserted if it is in the catalogue).
    """
    lookup = products if isinstance(products, ProductLookup) else ProductLookup(products)
    scores = {str(i): float(s) for i, s in ranked}
    effects: dict[str, list[RuleEffect]] = {}
    removed: list[str] = []
    skipped: list[str] = []
    live = active_rules(rules, context)

    def note(item: str, rule: Rule, before: float, after: float, detail: str, change: str) -> None:
        effects.setdefault(item, []).append(RuleEffect(rule.id, rule.action, after - before, detail, change))

    for rule in (r for r in live if r.action == "filter"):
        for item in [i for i in scores if lookup.matches(i, rule.target)]:
            removed.append(item)
            note(item, rule, scores[item], scores[item], "removed from the results", "")
            del scores[item]
    for rule in (r for r in live if r.action in ("boost", "bury")):
        hits = [i for i in scores if lookup.matches(i, rule.target)]
        if rule.action == "bury" and rule.multiplier is None and rule.additive is None:
            rest = [s for i, s in scores.items() if i not in set(hits)]
            floor = (min(rest) if rest else 0.0) - 1.0
            top = max((scores[i] for i in hits), default=0.0)
            for item in hits:
                before = scores[item]
                scores[item] = floor - (top - before)  # keeps their order, below every other item
                note(item, rule, before, scores[item], "moved below every other result", "below every other result")
            continue
        for item in hits:
            before = scores[item]
            scores[item] = _rescore(before, rule)
            how = f"x{rule.multiplier:g}" if rule.multiplier is not None else f"{rule.additive:+g}"
            note(item, rule, before, scores[item], f"score {how} ({before:.4f} -> {scores[item]:.4f})", how)
    order = sorted(scores, key=lambda i: -scores[i])
    taken: dict[int, str] = {}
    for rule in (r for r in live if r.action == "pin"):
        item = rule.target.item_ids[0]
        if item in removed or (item not in scores and item not in lookup) or item in taken.values():
            skipped.append(rule.id)
            continue
        pos = int(rule.position or 1) - 1
        while pos in taken:  # a higher-priority pin holds this slot
            pos += 1
        taken[pos] = item
    if taken:
        pinned = set(taken.values())
        free = [i for i in order if i not in pinned]
        order = []
        for pos in range(len(free) + len(taken)):
            if pos in taken:
                order.append(taken[pos])
            elif free:
                order.append(free.pop(0))
        order += [taken[p] for p in sorted(taken) if taken[p] not in order]
        for pos, item in enumerate(order):
            if item in pinned:
                rule = next(r for r in live if r.action == "pin" and r.target.item_ids[0] == item)
                before = scores.get(item, 0.0)
                # a pinned item takes the score of the result it displaced (ties it), so the
                # rule's delta is what it took to put the item there
                below = [scores[i] for i in order[pos + 1:] if i not in pinned]
                after = below[0] if below else before
                scores[item] = after
                note(item, rule, before, after, f"pinned at position {pos + 1}", f"at position {pos + 1}")
    return RuleOutcome([(i, scores[i]) for i in order], effects, removed, skipped)
