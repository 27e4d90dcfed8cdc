"""The strategy engine of one shop: every analysis computed once, with one set of settings.

``StrategyEngine(shop)`` is what the CLI, the API, the UI and the assistant ask for trends,
segments, stock signals, exposure, what-if replays, proposals and insight cards. Each result is
computed on first use and kept (they take seconds); the settings are the module constants below
and the defaults of the functions it calls, nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from recsys_core.data.shop import ShopData
from recsys_core.strategy.errors import InsufficientDataError
from recsys_core.strategy.rules import Rule, RuleSet, Scope, Target
from recsys_core.strategy.whatif import Change, ReplaySetup, WhatIfReport, prepare_replay, replay

REPLAY_DAYS = 30  # the held-out period every what-if replays
REPLAY_BOOTSTRAP = 300  # bootstrap resamples of sessions for interactive what-ifs
EXPOSURE_DAYS = 30  # logged lists an exposure audit looks at
STOCK_WINDOW_DAYS = 28  # recent sales and views behind the stock signals


def trend_measure(shop: ShopData) -> str:
    """Views where the log has them (a denser signal), else sales."""
    return "views" if (shop.events["type"] == "view").any() else "sales"


def boost_change(percent: float, *, brand: str | None = None, category: str | None = None,
                 item_id: str | None = None, within: str | None = None) -> Change:
    """"Boost X by N %" as a rule set: one brand, else one category, else one item; ``within`` a
    category limits the rule to that category's lists ("Northpeak in outdoor")."""
    target = Target(brands=(brand,) if brand else (),
                    categories=(category,) if category and not brand else (),
                    item_ids=(item_id,) if item_id and not (brand or category) else ())
    what = brand or category or item_id
    action = "boost" if percent > 0 else "bury"
    scope = Scope(categories=(within,)) if within else Scope()
    rule = Rule(id="whatif", action=action, target=target, scope=scope, multiplier=1 + percent / 100.0)
    where = f" in {within}" if within else ""
    return Change(name=f"{action} {what}{where} by {percent:g}%", rules=RuleSet(rules=(rule,)))


class StrategyEngine:
    """Trends, segments, stock signals, exposure, what-if, proposals and insights of one shop.

    ``saved_report`` is a ``strategy.json`` written by ``shelfwise analyze`` for this shop; its
    proposals are reused instead of simulated again.
    """

    def __init__(self, shop: ShopData, *, saved_report: str | Path | None = None):
        self.shop = shop
        self.saved_report = Path(saved_report) if saved_report else None
        self.proposals_source = ""

    # ---- analyses, each computed once ------------------------------------------------------
    @cached_property
    def trends(self) -> Any:
        from recsys_core.strategy.trend_report import trend_report

        return trend_report(self.shop, measure=trend_measure(self.shop))

    @cached_property
    def segments(self) -> Any:
        """The fitted segment model (``SegmentModel`` defaults); None when too few users."""
        from recsys_core.strategy.segments import SegmentModel

        try:
            return SegmentModel().fit(self.shop)
        except InsufficientDataError:
            return None

    @cached_property
    def inventory(self) -> pd.DataFrame:
        from recsys_core.strategy.inventory import inventory_signals

        return inventory_signals(self.shop, window_days=STOCK_WINDOW_DAYS)

    @cached_property
    def replay_setup(self) -> ReplaySetup:
        return prepare_replay(self.shop, days=REPLAY_DAYS)

    @cached_property
    def user_segments(self) -> Mapping[str, str]:
        """user id -> segment name (empty without a segment model); read-only."""
        model = self.segments
        return MappingProxyType(model.segment_names() if model is not None else {})

    # ---- questions ---------------------------------------------------------------------------
    def profile(self, user_id: str) -> dict[str, Any]:
        """A user's segment and taste profile; InsufficientDataError without segments."""
        model = self.segments
        if model is None:
            raise InsufficientDataError("too few active users to fit customer segments; no profile")
        found: dict[str, Any] = model.profile(self.shop, user_id)
        return found

    def segment_table(self) -> pd.DataFrame:
        model = self.segments
        return model.segment_table() if model is not None else pd.DataFrame(
            columns=["segment_id", "name", "description", "users", "price_band"])

    def whatif(self, change: Change, *, baseline: Change | None = None, n_boot: int = REPLAY_BOOTSTRAP,
               seed: int = 0) -> WhatIfReport:
        """Replay the held-out period with ``baseline`` (default: no rules) and with ``change``
        (position-bias click model, bootstrap 95 % intervals over sessions)."""
        rules = [*change.rules.rules, *(baseline.rules.rules if baseline else ())]
        scoped = any(r.scope.segments for r in rules)  # fit segments only when a rule needs them
        return replay(self.shop, change, baseline=baseline, setup=self.replay_setup,
                      user_segments=self.user_segments if scoped else None, n_boot=n_boot, seed=seed)

    def test_plan(self, change: Change, *, baseline: Change | None = None, metric: str = "revenue") -> Any:
        """Sessions and days an A/B, CUPED A/B and interleaving test of ``change`` needs
        (:func:`.experiments.plan_experiment` on this engine's replay)."""
        from recsys_core.strategy.experiments import plan_experiment

        rules = [*change.rules.rules, *(baseline.rules.rules if baseline else ())]
        segments = self.user_segments if any(r.scope.segments for r in rules) else None
        report = self.whatif(change, baseline=baseline, n_boot=200)
        return plan_experiment(self.shop, self.replay_setup, report, change, baseline=baseline,
                               user_segments=segments, metric=metric)

    def exposure(self, *, category: str | None = None, product_type: str | None = None, k: int = 10,
                 days: int = EXPOSURE_DAYS) -> dict[str, Any]:
        """Position-weighted top-``k`` exposure of the logged lists of the last ``days`` days,
        restricted to a category and/or a product type (a word of the title); with each brand's
        share of the items in scope (``brand_catalogue_share``), the share a fair split would give."""
        from recsys_core.strategy.exposure import exposure_audit

        p = self.shop.products
        scope = p
        if category:
            scope = scope[scope["category"].astype(str).str.lower() == category.lower()]
        if product_type:
            scope = scope[scope["title"].astype(str).str.lower().str.contains(product_type.rstrip("s"), regex=False)]
        in_scope = set(scope["item_id"].astype(str))
        lists = [kept for kept in ([i for i in shown if i in in_scope] for shown in self._recent_lists(days)) if kept]
        audit = exposure_audit(lists, scope, k=k)
        catalogue = scope["brand"].astype(str).value_counts(normalize=True) if len(scope) else pd.Series(dtype=float)
        return {**audit, "items_in_scope": len(scope), "days": days, "brand_catalogue_share": catalogue}

    def _recent_lists(self, days: int) -> list[list[str]]:
        from recsys_core.strategy.whatif import shown_lists

        cache: dict[int, list[list[str]]] = self.__dict__.setdefault("_lists", {})
        if days not in cache:
            ev = self.shop.events
            cache[days] = shown_lists(ev[ev["timestamp"] >= ev["timestamp"].max() - pd.Timedelta(days=days)])
        return cache[days]

    def proposals(self) -> list[dict[str, Any]]:
        """Promotion proposals with simulated impact, best expected margin first: the saved
        ``shelfwise analyze`` report when there is one, else simulated now."""
        if "_proposals" in self.__dict__:
            return list(self.__dict__["_proposals"])
        found: list[dict[str, Any]] | None = None
        if self.saved_report is not None and self.saved_report.is_file():
            saved = json.loads(self.saved_report.read_text(encoding="utf-8")).get("proposals")
            if isinstance(saved, list):
                found, self.proposals_source = saved, str(self.saved_report)
        if found is None:
            from recsys_core.strategy.proposals import propose

            found = [p.to_dict() for p in propose(self.shop, n_boot=200, segments=self.segments)]
            self.proposals_source = "computed now (run `shelfwise analyze` to precompute)"
        self.__dict__["_proposals"] = found
        return list(found)

    def slow_movers(self, *, category: str | None = None, top: int = 3) -> pd.DataFrame:
        """The slow movers worth pushing (:func:`.inventory.slow_movers`), fewest sales first."""
        from recsys_core.strategy.inventory import slow_movers

        found = slow_movers(self.inventory)
        if category:
            found = found[found["category"].str.lower() == category.lower()]
        return found.sort_values(["units_recent", "stock_value"], ascending=[True, False]).head(top)

    def insights(self, *, top: int = 5) -> list[dict[str, Any]]:
        """Proactive insight cards (figures + a what-if rule each); see :mod:`.insights`."""
        from recsys_core.strategy.insights import insight_cards

        return insight_cards(self.trends, self.inventory, self.shop.products, top=top, reviews=self.shop.reviews)
