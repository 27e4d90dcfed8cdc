"""The merchandiser's rules over a :class:`ShelfwiseService`: edit, lint, what-if, insights.

Rankings come from the service (the serving path, :mod:`assistant.ranking`), so a rule's
linted effect and its before/after lists are exactly what shoppers would see; replays,
insight cards and segments come from the service's strategy engine.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from assistant.jsonable import plain
from assistant.service import NotBuiltError, ShelfwiseService

LINT_USERS = 100  # most recently active users whose recommendations a rule's effect is measured on
LINT_QUERIES = 10  # most frequent logged searches it is measured on (besides its own scope queries)


class Merchandising:
    """Rules CRUD with validation and linting, what-if comparisons and insight cards."""

    def __init__(self, service: ShelfwiseService):
        self.service = service

    # ---- rules -------------------------------------------------------------------------------
    def rules(self) -> Any:
        return self.service.live_rules()

    def parse(self, rules: Sequence[Mapping[str, Any]], source: str = "request") -> Any:
        """A validated RuleSet; a bad rule raises RuleError naming the rule and field."""
        from recsys_core.strategy.rules_store import parse_rules

        return parse_rules({"rules": [dict(r) for r in rules]}, source)

    def lint(self, ruleset: Any, *, k: int = 10) -> list[dict[str, Any]]:
        """Linter findings; each rule's effect measured on real users and searches through the
        serving path, with and without the rule (:class:`EffectProbe`)."""
        from recsys_core.strategy.lint import lint_rules

        found = lint_rules(ruleset, self.service.shop.products, today=datetime.now(UTC).date(),
                           effect=EffectProbe(self.service, self._lint_users(), self._lint_queries()), k=k,
                           reviews=self.service.shop.reviews)
        return [{"rule_id": f.rule_id, "severity": f.severity, "code": f.code, "message": f.message} for f in found]

    def _lint_users(self) -> list[str]:
        cached: list[str] | None = self.__dict__.get("_users")
        if cached is None:
            ev = self.service.shop.events
            known = ev[ev["user_id"].notna()].sort_values("timestamp")
            cached = list(dict.fromkeys(reversed(known["user_id"].astype(str).tolist())))[:LINT_USERS]
            self.__dict__["_users"] = cached
        return cached

    def _lint_queries(self) -> list[str]:
        cached: list[str] | None = self.__dict__.get("_queries")
        if cached is None:
            ev = self.service.shop.events
            logged = ev.loc[(ev["type"] == "search") & ev["query"].notna(), "query"].astype(str).str.strip()
            cached = [q for q in logged.str.lower().value_counts().index if q][:LINT_QUERIES]
            self.__dict__["_queries"] = cached
        return cached

    def describe(self, ruleset: Any) -> dict[str, Any]:
        from recsys_core.strategy.rules_store import history

        return {"rules": [r.model_dump(mode="json", exclude_defaults=True) for r in ruleset.rules],
                "lint": self.lint(ruleset), "history": history(self.service.workspace)[-10:]}

    def save(self, ruleset: Any, message: str = "", *, confirm_removed: Collection[str] | None = None) -> dict[str, Any]:
        """Store ``ruleset`` as the new live version (validated before, linted after); the
        result's ``diff`` says what it added, changed and removed against the set it replaced.

        With ``confirm_removed`` (the live rule ids the person agreed to remove), a save that
        would remove any other live rule (one added since they looked) is refused, so no rule
        is ever dropped without being shown first."""
        from recsys_core.strategy.errors import RuleError
        from recsys_core.strategy.rules_store import diff_rules, save_rules, update_rules

        found: dict[str, Any] = {}

        def change(current: Any) -> Any:
            found["diff"] = diff_rules(current, ruleset)
            gone = [r["id"] for r in found["diff"]["removed"]]
            surprise = [i for i in gone if confirm_removed is not None and i not in set(confirm_removed)]
            if surprise:
                raise RuleError(f"not saved: the live rules changed since you reviewed them; saving now would also "
                                f"remove {', '.join(surprise)}; review the changes again")
            return ruleset

        text = message or "saved from the Shelfwise app"
        try:
            version, saved = update_rules(self.service.workspace, change, text)
        except RuleError:
            if confirm_removed is not None or "diff" in found:
                raise
            # the live file is unreadable: replacing the whole set is how it gets repaired
            version, saved = save_rules(self.service.workspace, ruleset, text), ruleset
            found["diff"] = None
        return {"version": version, "diff": found["diff"], **self.describe(saved)}

    def diff(self, ruleset: Any) -> dict[str, Any]:
        """What saving ``ruleset`` would do to the live set: ``added`` and ``removed`` rules,
        ``changed`` ones (with ``changes`` in words, "multiplier 1.2 -> 1.5") and ``unchanged`` ids."""
        from recsys_core.strategy.rules_store import diff_rules

        return diff_rules(self.rules(), ruleset)

    def versions(self) -> list[dict[str, Any]]:
        """Every saved version, newest first: version, saved_at, message, rules (count)."""
        from recsys_core.strategy.rules_store import history

        return [{k: e.get(k) for k in ("version", "saved_at", "message", "rules")}
                for e in reversed(history(self.service.workspace))]

    def version(self, version: int) -> Any:
        """The rule set saved as ``version``; an unknown version raises UnknownIdError naming
        the saved ones."""
        from recsys_core.errors import UnknownIdError
        from recsys_core.strategy.rules_store import history, load_rules

        known = [e["version"] for e in history(self.service.workspace)]
        if version not in known:
            saved = f"versions 1 to {known[-1]}" if known == list(range(1, len(known) + 1)) and known else (
                ", ".join(map(str, known)) or "none yet")
            raise UnknownIdError("rules version", version, message=f"rules version {version} was never saved; "
                                 f"saved: {saved}", closest=tuple(str(v) for v in known[-3:]))
        return load_rules(self.service.workspace, version)

    def restore(self, version: int, message: str = "") -> dict[str, Any]:
        """Save version ``version`` again as the new live version (message "restored version N");
        the result's ``diff`` says what that changed against the set it replaced."""
        from recsys_core.strategy.rules_store import diff_rules, update_rules

        old = self.version(version)
        found: dict[str, Any] = {}

        def change(current: Any) -> Any:
            found["diff"] = diff_rules(current, old)
            return old

        new, saved = update_rules(self.service.workspace, change, message or f"restored version {version}")
        return {"version": new, "restored": version, "diff": found["diff"], **self.describe(saved)}

    def upsert(self, rule: Mapping[str, Any], message: str = "") -> dict[str, Any]:
        """Add or replace one rule by id and save the set (read and write under one lock, so
        concurrent edits of other rules are kept)."""
        from recsys_core.strategy.rules import RuleSet
        from recsys_core.strategy.rules_store import update_rules

        new_rule = self.parse([rule]).rules[0]

        def change(current: Any) -> Any:
            return RuleSet(rules=(*[r for r in current.rules if r.id != new_rule.id], new_rule))

        version, saved = update_rules(self.service.workspace, change, message or f"upsert rule {new_rule.id}")
        return {"version": version, **self.describe(saved)}

    def delete(self, rule_id: str) -> dict[str, Any]:
        from recsys_core.strategy.errors import RuleError
        from recsys_core.strategy.rules_store import update_rules

        def change(current: Any) -> Any:
            if rule_id not in {r.id for r in current.rules}:
                known = ", ".join(r.id for r in current.rules) or "none"
                raise RuleError(f"no rule with id {rule_id!r}; live rule ids: {known}")
            return current.without(rule_id)

        version, saved = update_rules(self.service.workspace, change, f"delete rule {rule_id}")
        return {"version": version, **self.describe(saved)}

    # ---- what-if -----------------------------------------------------------------------------
    def ranking_with_rules(self, ruleset: Any, *, user_id: str | None = None, query: str | None = None,
                           k: int = 10) -> dict[str, Any]:
        """Top ``k`` for one user (recommendations) or one query (search) as shoppers see it now
        (live rules) and as they would with ``ruleset`` instead."""
        svc = self.service
        if user_id is not None:
            before = [_row(svc, p.rank, p.item_id, p.score, []) for p in svc.recommend(user_id, k=k)]
            after = [_row(svc, p.rank, p.item_id, p.score, p.rules) for p in svc.recommend(user_id, k=k, rules=ruleset)]
        elif query is not None:
            before = [_row(svc, h.rank, h.item_id, h.score, []) for h in svc.search(query, k=k)]
            after = [_row(svc, h.rank, h.item_id, h.score, h.trace.rule_effects if h.trace else [])
                     for h in svc.search(query, k=k, rules=ruleset, explain=True)]
        else:
            raise NotBuiltError("a what-if ranking needs a user_id or a query")
        return {"context": {"user_id": user_id, "query": query}, "before": before, "after": after}

    def replay(self, ruleset: Any, weights: Mapping[str, float] | None = None) -> dict[str, Any]:
        """Replay of the logged lists with the live rules and with ``ruleset`` instead (clicks,
        purchases, revenue and margin with bootstrap 95% intervals, exposure moved);
        ``weights`` = re-rank weights."""
        from recsys_core.strategy.rerank import RerankWeights
        from recsys_core.strategy.whatif import Change

        rerank = RerankWeights(**dict(weights)) if weights else None
        change = Change(name="proposed rules", rules=ruleset, rerank=rerank)
        live = Change(name="live rules", rules=self.service.live_rules())
        report: dict[str, Any] = self.service.strategy.whatif(change, baseline=live).to_dict()
        return report

    # ---- insights ----------------------------------------------------------------------------
    def insights(self, *, top: int = 5) -> dict[str, Any]:
        """Insight cards from the shop's data (each with figures and a what-if rule), the live
        rules' lint problems, and the trend and segment tables for the charts."""
        engine = self.service.strategy
        cards = engine.insights(top=top)
        for finding in self.lint(self.rules()):
            if finding["severity"] in ("warning", "error"):
                cards.append({"kind": "lint", "title": f"Rule {finding['rule_id']}: {finding['code']}",
                              "figures": finding, "whatif": None})
        report = engine.trends
        segments = engine.segment_table()
        return {"cards": cards[: 4 * top], "categories": _frame(report.categories),
                "weeks": _frame(report.weeks.reset_index()), "rising": _frame(report.rising),
                "falling": _frame(report.falling),
                "segments": _frame(segments[["segment_id", "name", "description", "users", "price_band"]])}


class EffectProbe:
    """A rule's measured effect for the linter: the recommendations of the given users and the
    given searches, ranked by the service with the whole rule set and with the set minus the
    rule; the lists whose top ``k`` differ are counted. Each user's model candidates and each
    list under the whole set are computed once per lint."""

    def __init__(self, service: ShelfwiseService, users: list[str], queries: list[str]):
        self.service = service
        self.users = users
        self.queries = queries
        self._candidates: dict[str, list[Any]] | None = None
        self._full: dict[tuple[str, str, int], list[str]] = {}

    def candidates(self) -> dict[str, list[Any]]:
        from assistant import ranking

        if self._candidates is None:
            try:
                model = self.service.recommender
                self._candidates = {u: ranking.candidates(model, u) for u in self.users}
            except NotBuiltError:
                self._candidates = {}
        return self._candidates

    def _recommended(self, user: str, recs: list[Any], rules: Any, k: int) -> list[str]:
        from assistant import ranking

        svc = self.service
        context = svc.rule_context("recommendations", user_id=user, rules=rules)
        ruled = ranking.rerank(recs, rules=rules, lookup=svc.rule_lookup, context=context)
        return [item for item, _ in ruled.outcome.ranking[:k]]

    def _searched(self, query: str, rules: Any, k: int) -> list[str]:
        return [h.item_id for h in self.service.search(query, k=k, rules=rules)]

    def _with_all(self, kind: str, key: str, k: int, rank: Any) -> list[str]:
        if (kind, key, k) not in self._full:
            self._full[(kind, key, k)] = rank()
        return self._full[(kind, key, k)]

    def __call__(self, rule: Any, ruleset: Any, k: int) -> Any:
        from recsys_core.strategy.lint import EffectCheck
        from recsys_core.strategy.rules import RuleSet

        without = RuleSet(rules=tuple(r for r in ruleset.rules if r.id != rule.id))
        surfaces = {s.lower() for s in rule.scope.surfaces}
        lists = changed = 0
        example = ""
        where = []
        if not surfaces or "recommendations" in surfaces:
            users = self.candidates()
            for user, recs in users.items():
                after = self._with_all("user", user, k, lambda u=user, r=recs: self._recommended(u, r, ruleset, k))
                before = self._recommended(user, recs, without, k)
                lists += 1
                if before != after:
                    changed += 1
                    example = example or _movement(user, before, after, rule)
            where.append(f"recommendations of {len(users)} active users")
        if not surfaces or "search" in surfaces:
            queries = list(dict.fromkeys([*rule.scope.queries, *self.queries]))
            for query in queries:
                after = self._with_all("query", query, k, lambda q=query: self._searched(q, ruleset, k))
                before = self._searched(query, without, k)
                lists += 1
                if before != after:
                    changed += 1
                    example = example or _movement(f'"{query}"', before, after, rule)
            where.append(f"{len(queries)} searches")
        return EffectCheck(lists, changed, ", ".join(where), example)


def _movement(who: str, before: list[str], after: list[str], rule: Any) -> str:
    """One moved item, e.g. "U00017: P02274 #7 -> #1" (a targeted item when one moved)."""
    moved = [i for i in dict.fromkeys([*after, *before]) if (i in before) != (i in after)
             or (i in before and before.index(i) != after.index(i))]
    pick = next((i for i in moved if i in rule.target.item_ids), moved[0] if moved else "")
    where = lambda order: f"#{order.index(pick) + 1}" if pick in order else "not shown"  # noqa: E731
    return f"{who}: {pick} {where(before)} -> {where(after)}"


def _row(svc: ShelfwiseService, rank: int | None, item_id: str, score: float, effects: list[str]) -> dict[str, Any]:
    products = svc.products
    title = str(products.at[item_id, "title"]) if item_id in products.index else item_id
    return {"rank": rank, "item_id": item_id, "title": title, "score": float(score), "effects": list(effects)}


def _frame(frame: pd.DataFrame, limit: int = 200) -> list[dict[str, Any]]:
    out = frame.head(limit).copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return plain(out.to_dict(orient="records"))
