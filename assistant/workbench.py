"""The merchandiser's desk over a :class:`ShelfwiseService`: rules, what-if and insight cards.

Everything here calls the strategy engine (``recsys_core.strategy``): the rules store and its
linter, ``apply_rules`` for before/after rankings, the what-if replay, trend and stock signals.
This module only arranges their outputs for the API and the UI.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from assistant.jsonable import plain
from assistant.service import NotBuiltError, ShelfwiseService


class Workbench:
    """Rules CRUD with validation and linting, what-if comparisons and proactive insight cards."""

    def __init__(self, service: ShelfwiseService):
        self.service = service

    # ---- rules -------------------------------------------------------------------------
    def rules(self) -> Any:
        from recsys_core.strategy.rules_store import load_rules

        return load_rules(self.service.workspace)

    def parse(self, rules: Sequence[Mapping[str, Any]], source: str = "request") -> Any:
        """A validated RuleSet; a bad rule raises RuleError naming the rule and field."""
        from recsys_core.strategy.rules_store import parse_rules

        return parse_rules({"rules": [dict(r) for r in rules]}, source)

    def lint(self, ruleset: Any) -> list[dict[str, Any]]:
        from recsys_core.strategy.lint import lint_rules

        shop = self.service.shop
        today = datetime.now(UTC).date()
        found = lint_rules(ruleset, shop.products, today=today, events=shop.events)
        return [{"rule_id": f.rule_id, "severity": f.severity, "code": f.code, "message": f.message} for f in found]

    def describe(self, ruleset: Any) -> dict[str, Any]:
        from recsys_core.strategy.rules_store import history

        return {"rules": [r.model_dump(mode="json", exclude_defaults=True) for r in ruleset.rules],
                "lint": self.lint(ruleset), "history": history(self.service.workspace)[-10:]}

    def save(self, ruleset: Any, message: str = "") -> dict[str, Any]:
        """Store ``ruleset`` as the new live version (validated before, linted after)."""
        from recsys_core.strategy.rules_store import save_rules

        version = save_rules(self.service.workspace, ruleset, message or "saved from the Shelfwise app")
        return {"version": version, **self.describe(ruleset)}

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

    # ---- what-if -----------------------------------------------------------------------
    def ranking_with_rules(self, ruleset: Any, *, user_id: str | None = None, query: str | None = None,
                           k: int = 10, pool: int = 100) -> dict[str, Any]:
        """Before/after top-``k`` for one user (recommendations) or one query (search)."""
        from recsys_core.strategy.rules import ProductLookup, RuleContext, apply_rules

        svc = self.service
        if user_id is not None:
            recs = svc.recommend(user_id, k=pool)
            ranked = [(r.item_id, r.score) for r in recs]
            context = RuleContext(surface="recommendations")
        elif query is not None:
            ranked = [(h.item_id, h.score) for h in svc.search(query, k=pool)]
            context = RuleContext(query=query, surface="search")
        else:
            raise NotBuiltError("a what-if ranking needs a user_id or a query")
        outcome = apply_rules(ranked, ruleset, context, ProductLookup(svc.shop.products))

        def rows(pairs: Sequence[tuple[str, float]], effects: bool) -> list[dict[str, Any]]:
            return [{"rank": i + 1, "item_id": item, "title": _title(svc, item), "score": float(score),
                     "effects": [e.describe() for e in outcome.effects.get(item, [])] if effects else []}
                    for i, (item, score) in enumerate(pairs[:k])]

        return {"context": {"user_id": user_id, "query": query}, "before": rows(ranked, False),
                "after": rows(outcome.ranking, True), "removed": outcome.removed, "skipped_rules": outcome.skipped}

    def replay(self, ruleset: Any, weights: Mapping[str, float] | None = None, *, days: int = 30,
               n_boot: int = 300) -> dict[str, Any]:
        """The strategy engine's what-if replay of logged lists (clicks, purchases, revenue and
        margin, with bootstrap 95% intervals, and exposure moved); ``weights`` = re-rank weights."""
        from recsys_core.strategy.rerank import RerankWeights
        from recsys_core.strategy.whatif import Change, replay

        rerank = RerankWeights(**dict(weights)) if weights else None
        change = Change(name="proposal", rules=ruleset, rerank=rerank)
        return replay(self.service.shop, change, days=days, n_boot=n_boot).to_dict()

    # ---- insights ----------------------------------------------------------------------
    def insights(self, *, top: int = 5) -> dict[str, Any]:
        """Proactive cards computed from the shop's data; each carries its figures and an action."""
        from recsys_core.strategy import trend_report
        from recsys_core.strategy.inventory import inventory_signals

        shop = self.service.shop
        stock = inventory_signals(shop).set_index("item_id")
        report = trend_report(shop)
        cards: list[dict[str, Any]] = []
        rising = report.items[report.items["trend"] == "rising"] if "trend" in report.items else report.items.iloc[0:0]
        for row in rising.itertuples():
            key = str(row.key)
            if key not in stock.index:
                continue
            s = stock.loc[key]
            if s["stockout_risk"] >= 0.5 or (pd.notna(s["days_of_cover"]) and s["days_of_cover"] < 14):
                cards.append(_card("rising_low_stock", f"Rising but low on stock: {_title(self.service, key)}",
                                   {"item_id": key, "weekly_growth_pct": _pct(row.weekly_growth),
                                    "ci_low_pct": _pct(row.ci_low), "ci_high_pct": _pct(row.ci_high),
                                    "stock": _num(s["stock"]), "days_of_cover": _num(s["days_of_cover"]),
                                    "stockout_risk_pct": _pct(s["stockout_risk"])},
                                   {"action": "bury", "target": {"item_ids": [key]}, "multiplier": 0.8,
                                    "note": "slow exposure until restocked"}))
        slow = stock[stock["slow_mover"] & (stock["margin_headroom"] > 0.1)]
        slow = slow.sort_values(["units_recent", "stock_value"], ascending=[True, False]).head(top)
        for key, s in slow.iterrows():
            cards.append(_card("slow_mover_margin", f"Slow mover with margin headroom: {_title(self.service, str(key))}",
                               {"item_id": str(key), "units_last_28d": _num(s["units_recent"]), "stock": _num(s["stock"]),
                                "margin_pct": _pct(s["margin"]), "margin_headroom_pct": _pct(s["margin_headroom"])},
                               {"action": "boost", "target": {"item_ids": [str(key)]}, "multiplier": 1.2,
                                "note": "lift a slow mover with margin headroom"}))
        for row in report.anomalies.head(top).itertuples():
            figures = {k: _plain_value(v) for k, v in row._asdict().items() if k != "Index"}
            cards.append(_card("anomaly", f"Anomaly in {row.key}: {getattr(row, 'direction', 'change')}",
                               figures, {"action": "boost", "target": {"categories": [str(row.key)]},
                                         "multiplier": 1.1, "note": "react to the anomaly"}))
        for finding in self.lint(self.rules()):
            cards.append({"kind": "lint", "title": f"Rule {finding['rule_id']}: {finding['code']}",
                          "figures": finding, "whatif": None})
        return {"cards": cards[: 4 * top], "categories": _frame(report.categories),
                "weeks": _frame(report.weeks.reset_index()), "rising": _frame(report.rising),
                "falling": _frame(report.falling), "segments": self.segments()}

    def segments(self) -> list[dict[str, Any]]:
        """Named taste segments (size, description, top categories) from the strategy engine."""
        from recsys_core.errors import ShelfwiseError
        from recsys_core.strategy import SegmentModel

        try:
            table = SegmentModel(k_range=(2, 6), n_init=2).fit(self.service.shop).segment_table()
        except ShelfwiseError:  # too few users to segment: the chart is left out, the cards stay
            return []
        return _frame(table[["segment_id", "name", "description", "users", "price_band"]])


def _card(kind: str, title: str, figures: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    rule_id = f"{kind}-{hashlib.sha1(title.encode()).hexdigest()[:6]}"
    return {"kind": kind, "title": title, "figures": figures, "whatif": {"id": rule_id, **rule}}


def _title(svc: ShelfwiseService, item_id: str) -> str:
    products = svc.products
    return str(products.at[item_id, "title"]) if item_id in products.index else item_id


def _num(x: Any) -> float | None:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return round(value, 2) if pd.notna(value) and abs(value) != float("inf") else None


def _pct(x: Any) -> float | None:
    value = _num(x)
    return None if value is None else round(100 * float(x), 1)


def _plain_value(v: Any) -> Any:
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    return _num(v) if isinstance(v, int | float) else str(v)


def _frame(frame: pd.DataFrame, limit: int = 200) -> list[dict[str, Any]]:
    out = frame.head(limit).copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return plain(out.to_dict(orient="records"))
